// Hostile GGUF files: a tiny valid llama model (2 layers, 64 wide, 259-token byte-level BPE vocab)
// is generated in memory with the GGUF writer, then corrupted one way per table row. Each file must
// fail at load with its error code and a message that names the problem, and the same engine must
// then load the valid model and generate a token.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <cstring>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "gguf/gguf.h"
#include "test_paths.h"
#include "tokenizer/unicode.h"

namespace webgguf {
namespace {

constexpr int kEmbd = 64, kLayers = 2, kHeads = 4, kHeadsKv = 2, kFf = 128, kContext = 128;
constexpr int kHeadDim = kEmbd / kHeads;

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> ne;  // ne[0] is the row length
};

// The vocabulary: the 256 byte tokens of the GPT-2 alphabet, two merges and an end token.
struct TinyVocab {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<std::string> merges{"h e", "l l"};
};

TinyVocab tiny_vocab() {
  TinyVocab v;
  for (int b = 0; b < 256; ++b) v.tokens.push_back(unicode::gpt2_byte_to_text(static_cast<uint8_t>(b)));
  v.tokens.push_back("he");
  v.tokens.push_back("ll");
  v.tokens.push_back("<|endoftext|>");
  v.types.assign(v.tokens.size(), static_cast<int32_t>(TokenType::Normal));
  v.types.back() = static_cast<int32_t>(TokenType::Control);
  return v;
}

// Everything a generated file is made of, edited by the mutations before serialising.
struct ModelSource {
  std::vector<std::pair<std::string, GgufValue>> metadata;
  std::vector<TensorSpec> tensors;
};

ModelSource tiny_model_source() {
  const TinyVocab vocab = tiny_vocab();
  const uint64_t n_vocab = vocab.tokens.size();
  ModelSource s;
  s.metadata = {
      {"general.architecture", GgufValue::of_string("llama")},
      {"general.name", GgufValue::of_string("hostile-test-tiny")},
      {"llama.context_length", GgufValue::of_u32(kContext)},
      {"llama.embedding_length", GgufValue::of_u32(kEmbd)},
      {"llama.block_count", GgufValue::of_u32(kLayers)},
      {"llama.feed_forward_length", GgufValue::of_u32(kFf)},
      {"llama.attention.head_count", GgufValue::of_u32(kHeads)},
      {"llama.attention.head_count_kv", GgufValue::of_u32(kHeadsKv)},
      {"llama.attention.layer_norm_rms_epsilon", GgufValue::of_f32(1e-5f)},
      {"tokenizer.ggml.model", GgufValue::of_string("gpt2")},
      {"tokenizer.ggml.pre", GgufValue::of_string("gpt-2")},
      {"tokenizer.ggml.tokens", GgufValue::of_strings(vocab.tokens)},
      {"tokenizer.ggml.token_type", GgufValue::of_i32_array(vocab.types)},
      {"tokenizer.ggml.merges", GgufValue::of_strings(vocab.merges)},
      {"tokenizer.ggml.eos_token_id", GgufValue::of_u32(static_cast<uint32_t>(n_vocab - 1))},
  };
  s.tensors = {{"token_embd.weight", {kEmbd, n_vocab}}, {"output_norm.weight", {kEmbd}}};
  for (int il = 0; il < kLayers; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    s.tensors.push_back({p + "attn_norm.weight", {kEmbd}});
    s.tensors.push_back({p + "attn_q.weight", {kEmbd, kEmbd}});
    s.tensors.push_back({p + "attn_k.weight", {kEmbd, kHeadDim * kHeadsKv}});
    s.tensors.push_back({p + "attn_v.weight", {kEmbd, kHeadDim * kHeadsKv}});
    s.tensors.push_back({p + "attn_output.weight", {kEmbd, kEmbd}});
    s.tensors.push_back({p + "ffn_norm.weight", {kEmbd}});
    s.tensors.push_back({p + "ffn_gate.weight", {kEmbd, kFf}});
    s.tensors.push_back({p + "ffn_up.weight", {kEmbd, kFf}});
    s.tensors.push_back({p + "ffn_down.weight", {kFf, kEmbd}});
  }
  return s;
}

// The tiny model as a gemma2 / gemma3 file: the same hyper-parameters under the family's prefix,
// sandwich norms on every sub-block and (gemma3) per-head Q/K norms.
ModelSource gemma_model_source(const std::string& arch) {
  ModelSource s = tiny_model_source();
  for (auto& kv : s.metadata) {
    if (kv.first == "general.architecture") kv.second = GgufValue::of_string(arch);
    if (kv.first.rfind("llama.", 0) == 0) kv.first = arch + kv.first.substr(5);
  }
  for (int il = 0; il < kLayers; ++il) {
    const std::string p = "blk." + std::to_string(il) + ".";
    s.tensors.push_back({p + "post_attention_norm.weight", {kEmbd}});
    s.tensors.push_back({p + "post_ffw_norm.weight", {kEmbd}});
    if (arch == "gemma3") {
      s.tensors.push_back({p + "attn_q_norm.weight", {kHeadDim}});
      s.tensors.push_back({p + "attn_k_norm.weight", {kHeadDim}});
    }
  }
  return s;
}

// F32 tensors with small deterministic values (norm weights 1), so the forward pass is finite.
std::vector<uint8_t> serialize(const ModelSource& s) {
  GgufFile file;
  file.metadata = s.metadata;
  for (const TensorSpec& spec : s.tensors) {
    GgufTensorInfo t;
    t.name = spec.name;
    t.n_dims = static_cast<uint32_t>(spec.ne.size());
    for (size_t d = 0; d < spec.ne.size(); ++d) t.ne[d] = spec.ne[d];
    t.type = GgmlType::F32;
    t.size_bytes = t.n_elements() * sizeof(float);
    file.tensors.push_back(t);
  }
  file.reindex();
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  std::vector<uint8_t> bytes = header.take();
  uint32_t state = 12345;
  for (const GgufTensorInfo& t : file.tensors) {
    const bool is_norm = t.n_dims == 1;
    for (uint64_t i = 0; i < t.n_elements(); ++i) {
      state = state * 1664525u + 1013904223u;
      const float v = is_norm ? 1.0f : (static_cast<float>(state >> 8) / (1u << 24) - 0.5f) * 0.2f;
      uint8_t raw[4];
      std::memcpy(raw, &v, 4);
      bytes.insert(bytes.end(), raw, raw + 4);
    }
    bytes.insert(bytes.end(), gguf_padding(t.size_bytes, file.alignment), 0);
  }
  return bytes;
}

void set_metadata(ModelSource& s, const std::string& key, GgufValue value) {
  for (auto& kv : s.metadata) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  s.metadata.emplace_back(key, std::move(value));
}

TensorSpec& tensor(ModelSource& s, const std::string& name) {
  for (TensorSpec& t : s.tensors) {
    if (t.name == name) return t;
  }
  ADD_FAILURE() << "no tensor " << name;
  return s.tensors.front();
}

void remove_tensor(ModelSource& s, const std::string& name) {
  for (size_t i = 0; i < s.tensors.size(); ++i) {
    if (s.tensors[i].name == name) s.tensors.erase(s.tensors.begin() + i);
  }
}

// Byte position just after the serialised name `text` (a GGUF string: u64 length, then bytes).
size_t after_string(const std::vector<uint8_t>& bytes, const std::string& text) {
  std::vector<uint8_t> needle(8 + text.size());
  const uint64_t length = text.size();
  std::memcpy(needle.data(), &length, 8);
  std::memcpy(needle.data() + 8, text.data(), text.size());
  for (size_t i = 0; i + needle.size() <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, needle.data(), needle.size()) == 0) return i + needle.size();
  }
  ADD_FAILURE() << "'" << text << "' not found in the generated file";
  return 0;
}

void put_u64(std::vector<uint8_t>& bytes, size_t at, uint64_t v) {
  std::memcpy(bytes.data() + at, &v, 8);
}
uint64_t get_u64(const std::vector<uint8_t>& bytes, size_t at) {
  uint64_t v;
  std::memcpy(&v, bytes.data() + at, 8);
  return v;
}

// Tensor record after its name: u32 n_dims, u64 ne[n_dims], u32 type, u64 offset.
size_t tensor_dims_at(const std::vector<uint8_t>& bytes, const std::string& name) {
  return after_string(bytes, name) + 4;
}
size_t tensor_offset_at(const std::vector<uint8_t>& bytes, const std::string& name, int n_dims) {
  return tensor_dims_at(bytes, name) + 8 * n_dims + 4;
}

enum class Hostile {
  kDimsOverflow64,
  kTensorPast4GB,
  kMillionsOfKeys,
  kHugeStringLength,
  kHugeArrayCount,
  kOffsetPastEnd,
  kMisalignedOffset,
  kOverlappingTensors,
  kTruncatedData,
  kTruncatedHeader,
  kWrongAttnQWidth,
  kWrongEmbeddingRows,
  kMissingTensor,
  kMergeWithMissingToken,
  kMergeResultMissing,
  kEmptyTokenList,
  kTokenTypeWrongLength,
  kZeroHeads,
  kHeadsNotDividingEmbd,
  kZeroTrainingContext,
  kHugeRequestedContext,
  kZeroLayers,
  kGemmaMissingPostNorm,
  kGemmaMisshapenQNorm,
  kSlidingWindowPastContext,
  kSoftcapZero,
  kSoftcapNaN,
  kPerLayerArrayWrongLength,
};

struct HostileCase {
  Hostile kind;
  const char* name;
  ErrorCode code;
  const char* message;  // a substring of the error message
};

const HostileCase kCases[] = {
    {Hostile::kDimsOverflow64, "dims_overflow_64", ErrorCode::kNotGguf,
     "shape [8589934592, 4294967296, 1, 1] has more than INT64_MAX elements"},
    {Hostile::kTensorPast4GB, "tensor_past_4gb", ErrorCode::kNotGguf,
     "tensor 'token_embd.weight': data [offset 5408, 4294967296 bytes] lies past end of file"},
    {Hostile::kMillionsOfKeys, "millions_of_keys", ErrorCode::kNotGguf, "key/value count 5000000 at offset 16"},
    {Hostile::kHugeStringLength, "huge_string_length", ErrorCode::kNotGguf,
     "key 'general.name': string value at offset 101: 1099511627776 bytes run past end of file"},
    {Hostile::kHugeArrayCount, "huge_array_count", ErrorCode::kNotGguf,
     "key 'tokenizer.ggml.merges': array count 1099511627776"},
    {Hostile::kOffsetPastEnd, "offset_past_end", ErrorCode::kNotGguf,
     "tensor 'blk.1.ffn_down.weight': data [offset 1383712, 32768 bytes] lies past end of file"},
    {Hostile::kMisalignedOffset, "misaligned_offset", ErrorCode::kNotGguf,
     "tensor 'output_norm.weight': data offset 66308 at offset 4340 is not a multiple of the alignment 32"},
    {Hostile::kOverlappingTensors, "overlapping_tensors", ErrorCode::kNotGguf,
     "tensor 'blk.0.attn_q.weight': data [offset 72224, 16384 bytes] overlaps tensor 'blk.0.attn_k.weight'"},
    {Hostile::kTruncatedData, "truncated_data", ErrorCode::kNotGguf,
     "tensor 'blk.1.ffn_down.weight': data [offset 335136, 32768 bytes] lies past end of file (size 363808)"},
    {Hostile::kTruncatedHeader, "truncated_header", ErrorCode::kNotGguf,
     "the rest of the header needs at least 714 bytes, past end of file (size 623)"},
    {Hostile::kWrongAttnQWidth, "wrong_attn_q_width", ErrorCode::kInvalidModel,
     "tensor 'blk.0.attn_q.weight' has shape [32, 64, 1, 1], expected [64, 64]"},
    {Hostile::kWrongEmbeddingRows, "wrong_embedding_rows", ErrorCode::kInvalidModel,
     "tensor 'token_embd.weight' has shape [64, 258], expected [64, 259]"},
    {Hostile::kMissingTensor, "missing_tensor", ErrorCode::kInvalidModel,
     "model is missing tensor 'blk.1.ffn_down.weight'"},
    {Hostile::kMergeWithMissingToken, "merge_with_missing_token", ErrorCode::kInvalidModel,
     "merge #2 'he zz' references a token not in the vocabulary"},
    {Hostile::kMergeResultMissing, "merge_result_missing", ErrorCode::kInvalidModel,
     "merge #2 'l o' makes 'lo', which is not in the vocabulary"},
    {Hostile::kEmptyTokenList, "empty_token_list", ErrorCode::kInvalidModel, "tokenizer: 0 tokens"},
    {Hostile::kTokenTypeWrongLength, "token_type_wrong_length", ErrorCode::kInvalidModel,
     "tokenizer.ggml.token_type has 258 entries for 259 tokens"},
    {Hostile::kZeroHeads, "zero_heads", ErrorCode::kInvalidModel, "'llama.attention.head_count' = 0 is out of range"},
    {Hostile::kHeadsNotDividingEmbd, "heads_not_dividing_embd", ErrorCode::kInvalidModel,
     "embedding_length 64 is not a multiple of head_count 6"},
    {Hostile::kZeroTrainingContext, "zero_training_context", ErrorCode::kInvalidModel,
     "'llama.context_length' = 0 is out of range"},
    {Hostile::kHugeRequestedContext, "huge_requested_context", ErrorCode::kInvalidModel,
     "context size 2147483648 is not usable"},
    {Hostile::kZeroLayers, "zero_layers", ErrorCode::kInvalidModel, "'llama.block_count' = 0 is out of range"},
    {Hostile::kGemmaMissingPostNorm, "gemma_missing_post_norm", ErrorCode::kInvalidModel,
     "model is missing tensor 'blk.1.post_ffw_norm.weight'"},
    {Hostile::kGemmaMisshapenQNorm, "gemma_misshapen_q_norm", ErrorCode::kInvalidModel,
     "tensor 'blk.0.attn_q_norm.weight' has 8 elements, expected 16"},
    {Hostile::kSlidingWindowPastContext, "sliding_window_past_context", ErrorCode::kInvalidModel,
     "'gemma3.attention.sliding_window' = 1000 must be between 1 and the training context (128)"},
    {Hostile::kSoftcapZero, "softcap_zero", ErrorCode::kInvalidModel,
     "'gemma2.attn_logit_softcapping' = 0 must be a finite positive number"},
    {Hostile::kSoftcapNaN, "softcap_nan", ErrorCode::kInvalidModel,
     "'gemma2.final_logit_softcapping' = nan must be a finite positive number"},
    {Hostile::kPerLayerArrayWrongLength, "per_layer_array_wrong_length", ErrorCode::kInvalidModel,
     "'llama.attention.head_count_kv' has 3 entries for 2 layers"},
};

// The hostile file for `kind` (and the load options it is loaded with).
std::vector<uint8_t> hostile_file(Hostile kind, LoadOptions* options) {
  const bool gemma2 = kind == Hostile::kSoftcapZero || kind == Hostile::kSoftcapNaN;
  const bool gemma3 = kind == Hostile::kGemmaMissingPostNorm || kind == Hostile::kGemmaMisshapenQNorm ||
                      kind == Hostile::kSlidingWindowPastContext;
  ModelSource s = gemma2 ? gemma_model_source("gemma2") : gemma3 ? gemma_model_source("gemma3") : tiny_model_source();
  TinyVocab vocab = tiny_vocab();
  // Edits of the model source, serialised as a well-formed file.
  switch (kind) {
    case Hostile::kWrongAttnQWidth: tensor(s, "blk.0.attn_q.weight").ne = {kEmbd / 2, kEmbd}; break;
    case Hostile::kWrongEmbeddingRows: tensor(s, "token_embd.weight").ne[1] -= 1; break;
    case Hostile::kMissingTensor: remove_tensor(s, "blk.1.ffn_down.weight"); break;
    case Hostile::kMergeWithMissingToken:
      vocab.merges.push_back("he zz");
      set_metadata(s, "tokenizer.ggml.merges", GgufValue::of_strings(vocab.merges));
      break;
    case Hostile::kMergeResultMissing:
      vocab.merges.push_back("l o");
      set_metadata(s, "tokenizer.ggml.merges", GgufValue::of_strings(vocab.merges));
      break;
    case Hostile::kEmptyTokenList:
      set_metadata(s, "tokenizer.ggml.tokens", GgufValue::of_strings({}));
      set_metadata(s, "tokenizer.ggml.token_type", GgufValue::of_i32_array({}));
      set_metadata(s, "llama.vocab_size", GgufValue::of_u32(static_cast<uint32_t>(vocab.tokens.size())));
      break;
    case Hostile::kTokenTypeWrongLength:
      vocab.types.pop_back();
      set_metadata(s, "tokenizer.ggml.token_type", GgufValue::of_i32_array(vocab.types));
      break;
    case Hostile::kZeroHeads: set_metadata(s, "llama.attention.head_count", GgufValue::of_u32(0)); break;
    case Hostile::kHeadsNotDividingEmbd:
      set_metadata(s, "llama.attention.head_count", GgufValue::of_u32(6));
      set_metadata(s, "llama.attention.head_count_kv", GgufValue::of_u32(6));
      break;
    case Hostile::kZeroTrainingContext: set_metadata(s, "llama.context_length", GgufValue::of_u32(0)); break;
    case Hostile::kHugeRequestedContext: options->n_ctx = 1u << 31; break;
    case Hostile::kZeroLayers: set_metadata(s, "llama.block_count", GgufValue::of_u32(0)); break;
    case Hostile::kGemmaMissingPostNorm: remove_tensor(s, "blk.1.post_ffw_norm.weight"); break;
    case Hostile::kGemmaMisshapenQNorm: tensor(s, "blk.0.attn_q_norm.weight").ne = {kHeadDim / 2}; break;
    case Hostile::kSlidingWindowPastContext:
      set_metadata(s, "gemma3.attention.sliding_window", GgufValue::of_u32(1000));
      break;
    case Hostile::kSoftcapZero: set_metadata(s, "gemma2.attn_logit_softcapping", GgufValue::of_f32(0.0f)); break;
    case Hostile::kSoftcapNaN: set_metadata(s, "gemma2.final_logit_softcapping", GgufValue::of_f32(NAN)); break;
    case Hostile::kPerLayerArrayWrongLength:
      set_metadata(s, "llama.attention.head_count_kv", GgufValue::of_i32_array({kHeadsKv, kHeadsKv, kHeadsKv}));
      break;
    default: break;
  }
  std::vector<uint8_t> bytes = serialize(s);
  // Edits of the bytes: the header lies about sizes, counts or offsets.
  switch (kind) {
    case Hostile::kDimsOverflow64: {  // 2^33 * 2^32 elements
      const size_t dims = tensor_dims_at(bytes, "token_embd.weight");
      put_u64(bytes, dims, 1ull << 33);
      put_u64(bytes, dims + 8, 1ull << 32);
      break;
    }
    case Hostile::kTensorPast4GB:  // 64 x 2^24 f32 = 4 GB, in a file of 0.4 MB
      put_u64(bytes, tensor_dims_at(bytes, "token_embd.weight") + 8, 1ull << 24);
      break;
    case Hostile::kMillionsOfKeys: put_u64(bytes, 16, 5000000); break;  // header: magic, version, n_tensors, n_kv
    case Hostile::kHugeStringLength:  // general.name's value: u32 type, then u64 length
      put_u64(bytes, after_string(bytes, "general.name") + 4, 1ull << 40);
      break;
    case Hostile::kHugeArrayCount:  // tokenizer.ggml.merges: u32 ARRAY, u32 STRING, u64 count
      put_u64(bytes, after_string(bytes, "tokenizer.ggml.merges") + 8, 1ull << 40);
      break;
    case Hostile::kOffsetPastEnd: {
      const size_t at = tensor_offset_at(bytes, "blk.1.ffn_down.weight", 2);
      put_u64(bytes, at, get_u64(bytes, at) + (1ull << 20));
      break;
    }
    case Hostile::kMisalignedOffset: {
      const size_t at = tensor_offset_at(bytes, "output_norm.weight", 1);
      put_u64(bytes, at, get_u64(bytes, at) + 4);
      break;
    }
    case Hostile::kOverlappingTensors: {  // attn_k starts where attn_q does
      const uint64_t q = get_u64(bytes, tensor_offset_at(bytes, "blk.0.attn_q.weight", 2));
      put_u64(bytes, tensor_offset_at(bytes, "blk.0.attn_k.weight", 2), q);
      break;
    }
    case Hostile::kTruncatedData: bytes.resize(bytes.size() - 4096); break;
    case Hostile::kTruncatedHeader: bytes.resize(after_string(bytes, "tokenizer.ggml.tokens") + 100); break;
    default: break;
  }
  return bytes;
}

EngineError load(Engine& engine, const std::vector<uint8_t>& bytes, const LoadOptions& options) {
  uint8_t* buffer = engine.allocate_model(bytes.size());
  if (buffer == nullptr) return EngineError::make(ErrorCode::kTooBig, "allocate_model failed");
  std::memcpy(buffer, bytes.data(), bytes.size());
  return engine.load_model(options);
}

// The valid tiny model loads in `engine` and generates a token.
void expect_usable(Engine& engine) {
  const EngineError loaded = load(engine, serialize(tiny_model_source()), LoadOptions());
  ASSERT_TRUE(loaded.ok()) << error_code_name(loaded.code) << ": " << loaded.message;
  std::vector<int32_t> ids;
  ASSERT_TRUE(engine.tokenize("hello", false, false, &ids).ok());
  EXPECT_EQ(ids, (std::vector<int32_t>{256, 257, 'o'}));  // "he" "ll" "o" (byte tokens are in byte order)
  PromptResult prompt;
  ASSERT_TRUE(engine.set_prompt(ids, &prompt).ok());
  SamplerParams greedy;
  greedy.temperature = 0.0f;
  ASSERT_TRUE(engine.set_sampler(greedy, {}).ok());
  StepResult step;
  const EngineError stepped = engine.step(&step);
  ASSERT_TRUE(stepped.ok()) << stepped.message;
  EXPECT_GE(step.token, 0);
  EXPECT_LT(step.token, 259);
}

// Test names say the case; gtest would print the struct's bytes.
void PrintTo(const HostileCase& c, std::ostream* os) {
  *os << c.name;
}

class HostileModelTest : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileModelTest, FailsAtLoadWithItsErrorAndTheEngineStaysUsable) {
  const HostileCase& c = GetParam();
  LoadOptions options;
  const std::vector<uint8_t> bytes = hostile_file(c.kind, &options);
  Engine engine;
  const EngineError e = load(engine, bytes, options);
  EXPECT_EQ(error_code_name(e.code), std::string(error_code_name(c.code))) << e.message;
  EXPECT_NE(e.message.find(c.message), std::string::npos) << "message: " << e.message;
  EXPECT_FALSE(engine.has_model());
  expect_usable(engine);
}

INSTANTIATE_TEST_SUITE_P(Table, HostileModelTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(HostileModelTest, TheGeneratedModelIsValid) {
  Engine engine;
  expect_usable(engine);
  EXPECT_EQ(engine.summary().model.n_layer, kLayers);
  EXPECT_EQ(engine.summary().model.n_vocab, 259);
}

// The gemma sources the hostile cases start from are valid: they load and generate.
TEST(HostileModelTest, TheGeneratedGemmaModelsAreValid) {
  for (const char* arch : {"gemma2", "gemma3"}) {
    Engine engine;
    const EngineError loaded = load(engine, serialize(gemma_model_source(arch)), LoadOptions());
    ASSERT_TRUE(loaded.ok()) << arch << ": " << loaded.message;
    EXPECT_EQ(engine.summary().model.architecture, arch);
    PromptResult prompt;
    ASSERT_TRUE(engine.set_prompt({256, 257}, &prompt).ok());
    StepResult step;
    EXPECT_TRUE(engine.step(&step).ok()) << arch;
  }
}

// KL divergence compares two distributions over one vocabulary: a base with another vocabulary
// (lexi's 4096 tokens against the tiny model's 259) is refused before anything is evaluated.
TEST(HostileModelTest, KlDivergenceRefusesABaseWithAnotherVocabulary) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  Engine lexi, tiny;
  LoadOptions options;
  options.n_ctx = 64;
  ASSERT_TRUE(load(lexi, testing::read_file_bytes(testing::shared_path("models/lexi-28m-f16.gguf")), options).ok());
  ASSERT_TRUE(load(tiny, serialize(tiny_model_source()), options).ok());
  const std::string text(4096, 'a');
  KlDivergenceProgress progress;
  const EngineError e = tiny.kl_divergence_begin(lexi, text, 32, &progress);
  EXPECT_EQ(e.code, ErrorCode::kBadRequest);
  EXPECT_NE(e.message.find("the base model has 4096 tokens in its vocabulary and this model 259"), std::string::npos)
      << e.message;
  // Both engines keep their models and still generate.
  for (Engine* engine : {&tiny, &lexi}) {
    PromptResult prompt;
    ASSERT_TRUE(engine->set_prompt({10, 11}, &prompt).ok());
    StepResult step;
    EXPECT_TRUE(engine->step(&step).ok());
  }
}

}  // namespace
}  // namespace webgguf
