// llama.cpp's tokenizer vectors (test-tokenizer-0) and round trips (test-tokenizer-1-bpe/-spm)
// for every vocabulary in llama.cpp's models/ folder that has .inp/.out files
// (scripts/llama_cpp_source.sh puts llama.cpp's source in build/llama.cpp). Vocabularies whose
// tokenizer model we do not implement (BERT's WordPiece) must be refused, naming the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/unicode.h"
#include "tokenizer_fixtures.h"

namespace webgguf {
namespace {

using testing::load_tokenizer;
using testing::read_gguf_header;
using testing::read_vocab_vectors;

const std::string kModelsDir = std::string(WEBGGUF_LLAMA_CPP_DIR) + "/models";
const char kPrefix[] = "ggml-vocab-";

// Names (between "ggml-vocab-" and ".gguf") of the vocabularies that have test vectors.
std::vector<std::string> vocabs_with_vectors() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(kModelsDir, error)) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".gguf.inp";
    if (file.rfind(kPrefix, 0) != 0 || file.size() <= suffix.size() ||
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    names.push_back(file.substr(sizeof(kPrefix) - 1, file.size() - suffix.size() - (sizeof(kPrefix) - 1)));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string vocab_path(const std::string& name) {
  return kModelsDir + "/" + kPrefix + name + ".gguf";
}

// What the file itself declares (not what our loader makes of it).
struct Declared {
  std::string model;
  std::string pre;
};
Declared declared(const std::string& name) {
  Result<GgufFile> file = read_gguf_header(vocab_path(name));
  if (!file.is_ok()) return {};
  return {file.value().get_string("tokenizer.ggml.model", ""), file.value().get_string("tokenizer.ggml.pre", "")};
}

bool is_implemented_model(const std::string& model) {
  return model == "llama" || model == "gpt2" || model == "gemma4";
}

std::string describe(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

// The folder holds the vocabularies llama.cpp tests (a missing clone fails here, not skips).
TEST(LlamaCppVocabsTest, FolderHoldsEveryTestedVocabulary) {
  const std::vector<std::string> names = vocabs_with_vectors();
  EXPECT_GE(names.size(), 15u) << "vocab vectors missing under " << kModelsDir << " (run scripts/llama_cpp_source.sh)";
  std::vector<std::string> refused;
  for (const std::string& name : names) {
    if (!is_implemented_model(declared(name).model)) refused.push_back(name);
  }
  EXPECT_EQ(refused, std::vector<std::string>{"bert-bge"});
}

// WordPiece and Unigram vocabularies are refused with an error naming the model kind.
TEST(LlamaCppVocabsTest, RefusesWordPieceAndUnigramNamingTheModel) {
  const struct {
    const char* name;
    const char* model;
    const char* kind;
  } cases[] = {{"bert-bge", "'bert'", "WordPiece"}, {"nomic-bert-moe", "'t5'", "Unigram"}};
  for (const auto& c : cases) {
    std::string error;
    EXPECT_EQ(load_tokenizer(vocab_path(c.name), &error), nullptr) << c.name;
    EXPECT_NE(error.find(c.model), std::string::npos) << error;
    EXPECT_NE(error.find(c.kind), std::string::npos) << error;
  }
}

class VocabVectorsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    declared_ = declared(GetParam());
    ASSERT_FALSE(declared_.model.empty()) << "cannot read " << vocab_path(GetParam());
    std::string error;
    tokenizer_ = load_tokenizer(vocab_path(GetParam()), &error);
    ASSERT_NE(tokenizer_, nullptr) << error;
  }
  bool is_sentencepiece() const { return declared_.model == "llama"; }
  // Whether decode() tidies spaces, as the pre-tokenizer's flags say.
  bool cleans_spaces() const {
    if (is_sentencepiece()) return false;
    const std::string pre = declared_.model == "gemma4" ? "gemma4" : declared_.pre.empty() ? "default" : declared_.pre;
    Result<const PreTokenizerSpec*> spec = find_pre_tokenizer(pre);
    return spec.is_ok() && spec.value()->clean_spaces;
  }
  std::vector<testing::VocabVector> vectors() const {
    const std::string base = vocab_path(GetParam());
    return read_vocab_vectors(base + ".inp", base + ".out");
  }

  Declared declared_;
  const Tokenizer* tokenizer_ = nullptr;
};

TEST_P(VocabVectorsTest, EveryVectorMatches) {
  const auto all = vectors();
  ASSERT_GE(all.size(), 30u);
  size_t matched = 0;
  for (const auto& vector : all) {
    const std::vector<int32_t> ids = tokenizer_->encode(vector.text, false, false);
    matched += ids == vector.ids;
    EXPECT_EQ(ids, vector.ids) << "text: '" << vector.text << "'\n got:      " << describe(ids)
                               << "\n expected: " << describe(vector.ids);
  }
  std::printf("%s: %zu/%zu vectors match\n", GetParam().c_str(), matched, all.size());
  EXPECT_EQ(matched, all.size());
}

// The pieces of the ids spell the text again (SentencePiece aside: its first piece has the
// added space). decode() equals the text too, except where decode tidies spaces ("you 😁 ?" ->
// "you 😁?"; see CleansSpacesAsLlamaCpp).
TEST_P(VocabVectorsTest, VectorTextsRoundTrip) {
  for (const auto& vector : vectors()) {
    if (!cleans_spaces()) {
      EXPECT_EQ(tokenizer_->decode(vector.ids, false), vector.text);
    }
    if (!is_sentencepiece()) {
      std::string pieces;
      for (int32_t id : vector.ids) pieces += tokenizer_->token_to_piece(id, false);
      EXPECT_EQ(pieces, vector.text);
    }
  }
}

// test-tokenizer-1: a token's text tokenizes (specials parsed) back to the same text. Tokens
// whose text is not valid UTF-8 (lone bytes) are skipped as llama.cpp's test intends.
TEST_P(VocabVectorsTest, TokenTextsRoundTrip) {
  const Tokenizer& tok = *tokenizer_;
  const int32_t n_vocab = tok.n_vocab();
  const int32_t stride = std::max(1, n_vocab / 6000);
  for (int32_t id = 0; id < n_vocab; id += (tok.token_type(id) == TokenType::Normal ? stride : 1)) {
    const std::string text = tok.decode({id}, true);
    if (!is_sentencepiece()) {
      std::string valid;
      for (uint32_t cpt : unicode::decode_utf8_lenient(text)) unicode::append_utf8(cpt, valid);
      if (valid != text) continue;
    }
    const std::vector<int32_t> ids = tok.encode(text, false, true);
    EXPECT_EQ(tok.decode(ids, true), text) << "token " << id;
  }
}

// test-tokenizer-1: every code point survives encode + decode (U+2581 excepted: SentencePiece's
// space). All of the BMP's first 12k code points, then a stride over the rest. A vocabulary may
// lack tokens for some bytes (Falcon has none for 0x03, 0x04...): llama.cpp drops those bytes, so
// code points that need them are left out.
TEST_P(VocabVectorsTest, CodepointsRoundTrip) {
  const Tokenizer& tok = *tokenizer_;
  std::array<bool, 256> spelled{};
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    const std::string piece = tok.token_to_piece(id, false);
    if (piece.size() == 1) spelled[static_cast<uint8_t>(piece[0])] = true;
  }
  size_t left_out = 0;
  for (uint32_t cp = 1; cp < 0x110000; cp += (cp < 0x3000 ? 1 : 37)) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x40000 && cp <= 0xE0000) || cp == 0x2581) continue;
    std::string text;
    unicode::append_utf8(cp, text);
    const bool spellable =
        std::all_of(text.begin(), text.end(), [&](char c) { return spelled[static_cast<uint8_t>(c)]; });
    if (!spellable && !is_sentencepiece()) {
      ++left_out;
      continue;
    }
    const std::vector<int32_t> ids = tok.encode(text, false, is_sentencepiece());
    ASSERT_EQ(tok.decode(ids, true), text) << "code point " << std::hex << cp;
  }
  EXPECT_LT(left_out, 200u) << "most code points must round trip";
}

// The vocabularies with vectors whose model we implement (the others are refused above).
std::vector<std::string> implemented_vocabs_with_vectors() {
  std::vector<std::string> names = vocabs_with_vectors();
  names.erase(std::remove_if(names.begin(), names.end(),
                             [](const std::string& name) { return !is_implemented_model(declared(name).model); }),
              names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(LlamaCpp, VocabVectorsTest, ::testing::ValuesIn(implemented_vocabs_with_vectors()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace webgguf
