#include "tokenizer/vocab.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "tokenizer/unicode.h"

namespace webgguf {

namespace {

const char* const kKeyModel = "tokenizer.ggml.model";
const char* const kKeyPre = "tokenizer.ggml.pre";
const char* const kKeyTokens = "tokenizer.ggml.tokens";
const char* const kKeyScores = "tokenizer.ggml.scores";
const char* const kKeyTokenType = "tokenizer.ggml.token_type";
const char* const kKeyMerges = "tokenizer.ggml.merges";

bool is_array_of(const GgufValue* value, GgufValueType element) {
  return value && value->type == GgufValueType::ARRAY && value->array_type == element;
}

TokenType token_type_from_gguf(int64_t value) {
  switch (value) {
    case 1: return TokenType::Normal;
    case 2: return TokenType::Unknown;
    case 3: return TokenType::Control;
    case 4: return TokenType::UserDefined;
    case 6: return TokenType::Byte;
    // 5 (unused), 0 (undefined) and anything else: never produced, never rendered.
    default: return TokenType::Unused;
  }
}

Status load_tokens(const GgufFile& file, Vocab& vocab) {
  const GgufValue* tokens = file.find(kKeyTokens);
  if (!is_array_of(tokens, GgufValueType::STRING)) {
    return Status::error(format("tokenizer: %s is missing or not an array of strings", kKeyTokens));
  }
  const size_t n = tokens->array_strings.size();
  if (n == 0 || n > 0x7FFFFFFF) return Status::error(format("tokenizer: %zu tokens", n));

  const GgufValue* scores = file.find(kKeyScores);
  if (scores && !is_array_of(scores, GgufValueType::FLOAT32) && !is_array_of(scores, GgufValueType::INT32)) {
    return Status::error(format("tokenizer: %s must be an array of float32 or int32", kKeyScores));
  }
  if (scores && scores->array_count < n) {
    return Status::error(format("tokenizer: %s has %llu entries for %zu tokens", kKeyScores,
                                (unsigned long long)scores->array_count, n));
  }
  const GgufValue* types = file.find(kKeyTokenType);
  if (types && !is_array_of(types, GgufValueType::INT32)) {
    return Status::error(format("tokenizer: %s must be an array of int32", kKeyTokenType));
  }
  if (types && types->array_count < n) {
    return Status::error(format("tokenizer: %s has %llu entries for %zu tokens", kKeyTokenType,
                                (unsigned long long)types->array_count, n));
  }

  // As llama.cpp, an empty text becomes "[EMPTY_<id>]" (it could never be matched otherwise).
  auto text_of = [&](size_t i) {
    const std::string& text = tokens->array_strings[i];
    return text.empty() ? "[EMPTY_" + std::to_string(i) + "]" : text;
  };
  size_t pool_size = 0;
  for (size_t i = 0; i < n; ++i) pool_size += text_of(i).size();
  if (pool_size > UINT32_MAX) return Status::error(format("tokenizer: the token texts take %zu bytes", pool_size));
  vocab.texts.reserve(n, pool_size);
  vocab.tokens.resize(n);
  for (size_t i = 0; i < n; ++i) {
    vocab.texts.append(text_of(i));
    TokenData& token = vocab.tokens[i];
    if (scores) token.score = static_cast<float>(scores->array_number(i));
    if (types) token.type = token_type_from_gguf(types->array_integer(i));
  }
  vocab.texts.build_index();
  return Status::ok();
}

Status load_merges(const GgufFile& file, Vocab& vocab) {
  const GgufValue* merges = file.find(kKeyMerges);
  if (!merges && vocab.pre.merges_optional) return Status::ok();
  if (!is_array_of(merges, GgufValueType::STRING)) {
    return Status::error(format("tokenizer: a BPE vocabulary needs %s (array of strings)", kKeyMerges));
  }
  vocab.merges.reserve(merges->array_strings.size());
  std::string joined;
  for (size_t rank = 0; rank < merges->array_strings.size(); ++rank) {
    const std::string& merge = merges->array_strings[rank];
    // "left right", split at the first space after the first byte (a left part may be a space).
    const size_t space = merge.find(' ', 1);
    if (space == std::string::npos) continue;
    const std::string_view left(merge.data(), space);
    const std::string_view right(merge.data() + space + 1, merge.size() - space - 1);
    // A merge outside the vocabulary marks a corrupt file (llama.cpp fails on it when
    // tokenizing); refuse it at load rather than tokenize differently.
    const int32_t left_id = vocab.find(left);
    const int32_t right_id = vocab.find(right);
    if (left_id < 0 || right_id < 0) {
      return Status::error(
          format("tokenizer: merge #%zu '%s' references a token not in the vocabulary", rank, merge.c_str()));
    }
    joined.assign(left);
    joined.append(right);
    const int32_t result_id = vocab.find(joined);
    if (result_id < 0) {
      return Status::error(format("tokenizer: merge #%zu '%s' makes '%s', which is not in the vocabulary", rank,
                                  merge.c_str(), joined.c_str()));
    }
    vocab.merges.insert(left_id, right_id, BpeMerge{static_cast<int32_t>(rank), result_id});
  }
  return Status::ok();
}

// As llama.cpp: byte-level BPE spells a byte with its GPT-2 alphabet character, raw-byte BPE
// only with <0xXX>, SentencePiece with <0xXX> or else the byte itself.
void find_byte_tokens(Vocab& vocab) {
  static const char kHex[] = "0123456789ABCDEF";
  const bool bpe = vocab.model == VocabModel::BytePairEncoding;
  for (int b = 0; b < 256; ++b) {
    int32_t id = -1;
    if (bpe && vocab.pre.byte_encode) {
      id = vocab.find(unicode::gpt2_byte_to_text(static_cast<uint8_t>(b)));
    } else {
      const char hex[] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
      id = vocab.find(std::string_view(hex, sizeof(hex)));
      if (id < 0 && !bpe) id = vocab.find(std::string(1, static_cast<char>(b)));
    }
    vocab.byte_to_token[b] = id;
  }
}

// The id a metadata key names, or -1 when absent or outside the vocabulary.
int32_t id_from_key(const GgufFile& file, const Vocab& vocab, const char* key) {
  const int64_t id = file.get_int(key, -1);
  return id >= 0 && id < static_cast<int64_t>(vocab.tokens.size()) ? static_cast<int32_t>(id) : -1;
}

// Special ids: the model's defaults (dropped when outside the vocabulary), then the file's keys.
void load_special_ids(const GgufFile& file, Vocab& vocab) {
  struct SpecialKey {
    const char* key;
    int32_t* id;
  };
  const SpecialKey keys[] = {
      {"tokenizer.ggml.bos_token_id", &vocab.bos},     {"tokenizer.ggml.eos_token_id", &vocab.eos},
      {"tokenizer.ggml.eot_token_id", &vocab.eot},     {"tokenizer.ggml.eom_token_id", &vocab.eom},
      {"tokenizer.ggml.unknown_token_id", &vocab.unk}, {"tokenizer.ggml.padding_token_id", &vocab.pad},
  };
  for (const SpecialKey& k : keys) {
    if (!vocab.valid(*k.id)) *k.id = -1;
    const int32_t id = id_from_key(file, vocab, k.key);
    if (id >= 0) *k.id = id;
  }
}

// llama.cpp finds turn/generation markers by their text and forces them to control type.
struct TextRole {
  int32_t* id;  // nullptr: only forced to control
  std::vector<const char*> texts;
};

void detect_by_text(Vocab& vocab, const TextRole& role, std::vector<int32_t>* found) {
  for (const char* text : role.texts) {
    const int32_t id = vocab.find(text);
    if (id < 0) continue;
    vocab.tokens[id].type = TokenType::Control;
    if (found) found->push_back(id);
    if (role.id) {
      *role.id = id;
      return;
    }
  }
}

// Roles a file may name by key; otherwise the first token with one of the texts takes the role.
void detect_control_tokens(const GgufFile& file, Vocab& vocab) {
  int32_t fim_pre = id_from_key(file, vocab, "tokenizer.ggml.fim_pre_token_id");
  int32_t fim_suf = id_from_key(file, vocab, "tokenizer.ggml.fim_suf_token_id");
  int32_t fim_mid = id_from_key(file, vocab, "tokenizer.ggml.fim_mid_token_id");
  int32_t fim_pad = id_from_key(file, vocab, "tokenizer.ggml.fim_pad_token_id");
  int32_t fim_rep = id_from_key(file, vocab, "tokenizer.ggml.fim_rep_token_id");
  int32_t fim_sep = id_from_key(file, vocab, "tokenizer.ggml.fim_sep_token_id");
  const TextRole roles[] = {
      {&vocab.eot,
       {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "[EOT]",
        "<\xEF\xBD\x9C"
        "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
        "<end_of_utterance>"}},
      {&vocab.eom, {"<|eom_id|>"}},
      {&fim_pre,
       {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "begin\xEF\xBD\x9C>",
        "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"}},
      {&fim_suf,
       {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "hole\xEF\xBD\x9C>",
        "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"}},
      {&fim_mid,
       {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "end\xEF\xBD\x9C>",
        "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"}},
      {&fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}},
      {&fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
      {&fim_sep, {"<|file_sep|>"}},
  };
  for (const TextRole& role : roles) {
    if (*role.id < 0) detect_by_text(vocab, role, nullptr);
  }

  // End of generation: FIM pad/repo/file separators, EOS/EOT/EOM, and every token whose text
  // marks an end in some model family.
  std::vector<int32_t> eog = {fim_pad, fim_rep, fim_sep, vocab.eos, vocab.eot, vocab.eom};
  detect_by_text(vocab,
                 {nullptr,
                  {"<|eot_id|>",
                   "<|im_end|>",
                   "<|end|>",
                   "<|return|>",
                   "<|call|>",
                   "<|flush|>",
                   "<|calls|>",
                   "<end_of_turn>",
                   "<|endoftext|>",
                   "</s>",
                   "<|eom_id|>",
                   "<EOT>",
                   "_<EOT>",
                   "[EOT]",
                   "[EOS]",
                   "<|end_of_text|>",
                   "<end_of_utterance>",
                   "<eos>",
                   "<turn|>",
                   "<|tool_response>",
                   "<\xEF\xBD\x9C"
                   "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
                   "[e~["}},
                 &eog);
  // gpt-oss: these markers are always rendered.
  for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const int32_t id = vocab.find(text);
    if (id >= 0) vocab.tokens[id].type = TokenType::UserDefined;
  }
  auto has_eog_text = [&](const char* text) {
    const int32_t id = vocab.find(text);
    return id >= 0 && std::find(eog.begin(), eog.end(), id) != eog.end();
  };
  // o200k_harmony and solar-open: "<|end|>" ends a message, not the generation.
  const bool has_call = has_eog_text("<|call|>") || has_eog_text("<|calls|>");
  if (has_eog_text("<|end|>") && has_call && (has_eog_text("<|return|>") || has_eog_text("<|flush|>"))) {
    const int32_t end = vocab.find("<|end|>");
    eog.erase(std::remove(eog.begin(), eog.end(), end), eog.end());
    vocab.tokens[end].type = TokenType::UserDefined;
  }
  // Gemma 4: "</s>" is ordinary text.
  if (has_eog_text("<|tool_response>") && has_eog_text("</s>")) {
    const int32_t s = vocab.find("</s>");
    eog.erase(std::remove(eog.begin(), eog.end(), s), eog.end());
    vocab.tokens[s].type = TokenType::Normal;
  }
  eog.erase(std::remove(eog.begin(), eog.end(), -1), eog.end());
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  vocab.end_of_generation = std::move(eog);
}

void collect_special_tokens(Vocab& vocab) {
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const TokenType type = vocab.tokens[id].type;
    if (type == TokenType::Control || type == TokenType::UserDefined || type == TokenType::Unknown) {
      vocab.special_tokens.push_back(static_cast<int32_t>(id));
    }
  }
  std::stable_sort(vocab.special_tokens.begin(), vocab.special_tokens.end(),
                   [&](int32_t a, int32_t b) { return vocab.text(a).size() > vocab.text(b).size(); });
}

// Per-token attributes llama.cpp keys on the pre-tokenizer, architecture or model name: a mask
// token that swallows the whitespace before it, Phi-3's special tokens that swallow the
// whitespace after them.
void apply_model_token_attributes(const GgufFile& file, Vocab& vocab) {
  auto contains_any = [](std::string_view text, std::initializer_list<const char*> parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](const char* part) { return text.find(part) != std::string_view::npos; });
  };
  auto set_lstrip = [&](const char* text) {
    const int32_t id = vocab.find(text);
    if (id >= 0) vocab.tokens[id].lstrip = true;
  };
  std::string name = file.get_string("general.name", "");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (contains_any(file.get_string(kKeyPre, ""), {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(file.get_string("general.architecture", ""), {"nomic-bert-moe", "jina-bert-v3"})) {
    set_lstrip("<mask>");
    return;
  }
  if (!contains_any(name, {"phi-3", "phi3"})) {
    if (contains_any(name, {"modern-bert"})) set_lstrip("[MASK]");
    return;
  }
  for (int32_t id : vocab.special_tokens) vocab.tokens[id].rstrip = true;
  auto set_rstrip = [&](const char* text, bool value) {
    const int32_t id = vocab.find(text);
    if (id >= 0) vocab.tokens[id].rstrip = value;
  };
  set_rstrip("</s>", true);
  for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) set_rstrip(text, false);
}

// Tokenizer models llama.cpp knows that we do not implement, with what they are.
const char* unsupported_model_kind(const std::string& model) {
  static const struct {
    const char* model;
    const char* kind;
  } kKinds[] = {
      {"bert", "WordPiece (WPM)"}, {"t5", "Unigram (UGM)"},        {"rwkv", "RWKV"},
      {"plamo2", "PLaMo-2"},       {"hybriddna", "HybridDNA BPE"}, {"whitespace", "whitespace-split BPE"},
      {"none", "no vocabulary"},   {"no_vocab", "no vocabulary"},
  };
  for (const auto& entry : kKinds) {
    if (model == entry.model) return entry.kind;
  }
  return nullptr;
}

// Model defaults (llama.cpp's per-model special ids and flags) and, for BPE, the pre-tokenizer.
Status apply_model_defaults(const GgufFile& file, const std::string& model, Vocab& vocab) {
  if (model == "llama") {
    vocab.model = VocabModel::SentencePiece;
    vocab.bos = 1;
    vocab.eos = 2;
    vocab.unk = 0;
    vocab.add_space_prefix = true;
    vocab.add_bos = true;
    return Status::ok();
  }
  if (model == "gpt2" || model == "gemma4") {
    vocab.model = VocabModel::BytePairEncoding;
    // llama.cpp's defaults for vocabularies without the keys: gpt2 11/11, gemma4 none.
    vocab.bos = vocab.eos = model == "gpt2" ? 11 : -1;
    // A gemma4 vocabulary is always pre-tokenized as "gemma4"; a missing name means "default".
    std::string pre = model == "gemma4" ? "gemma4" : file.get_string(kKeyPre, "");
    if (pre.empty()) pre = "default";
    Result<const PreTokenizerSpec*> spec = find_pre_tokenizer(pre);
    if (!spec.is_ok()) return spec.status();
    vocab.pre = *spec.value();
    Result<std::shared_ptr<const PreTokenizer>> pre_tokenizer = PreTokenizer::create(vocab.pre);
    if (!pre_tokenizer.is_ok()) return pre_tokenizer.status();
    vocab.pre_tokenizer = pre_tokenizer.take();
    if (vocab.pre.no_default_bos) vocab.bos = -1;
    vocab.add_bos = vocab.pre.add_bos;
    vocab.clean_spaces = vocab.pre.clean_spaces;
    return Status::ok();
  }
  if (const char* kind = unsupported_model_kind(model)) {
    return Status::error(
        format("tokenizer: tokenizer model '%s' (%s, %s) is not supported; supported: 'llama' "
               "(SentencePiece), 'gpt2' and 'gemma4' (BPE)",
               model.c_str(), kind, kKeyModel));
  }
  return Status::error(
      format("tokenizer: unknown tokenizer model '%s' (%s); supported: 'llama' (SentencePiece), "
             "'gpt2' and 'gemma4' (BPE)",
             model.c_str(), kKeyModel));
}

}  // namespace

Result<std::unique_ptr<Vocab>> load_vocab(const GgufFile& file) {
  auto vocab = std::make_unique<Vocab>();
  const std::string model = file.get_string(kKeyModel, "");
  WEBGGUF_RETURN_IF_ERROR(apply_model_defaults(file, model, *vocab));
  vocab->add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix", vocab->add_space_prefix);

  WEBGGUF_RETURN_IF_ERROR(load_tokens(file, *vocab));
  if (vocab->model == VocabModel::BytePairEncoding) WEBGGUF_RETURN_IF_ERROR(load_merges(file, *vocab));
  find_byte_tokens(*vocab);
  load_special_ids(file, *vocab);
  vocab->add_bos = file.get_bool("tokenizer.ggml.add_bos_token", vocab->add_bos);
  vocab->add_eos = file.get_bool("tokenizer.ggml.add_eos_token", vocab->add_eos);
  if (vocab->pre.force_add_bos) vocab->add_bos = true;
  // Asking for a BOS/EOS the vocabulary lacks would add nothing.
  vocab->add_bos = vocab->add_bos && vocab->bos >= 0;
  vocab->add_eos = vocab->add_eos && vocab->eos >= 0;
  detect_control_tokens(file, *vocab);
  collect_special_tokens(*vocab);
  apply_model_token_attributes(file, *vocab);
  return vocab;
}

}  // namespace webgguf
