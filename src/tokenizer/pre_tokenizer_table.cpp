// The one table of pre-tokenizer names: every name llama.cpp 80fb11a's llama_vocab::impl::load
// accepts for `tokenizer.ggml.pre`, with the regexes its llm_tokenizer_bpe attaches to the name's
// type (copied verbatim: some are matched by text to a hand-written splitter) and the flags the
// load chain sets.
#include "tokenizer/pre_tokenizer.h"

namespace webgguf {

namespace {

// The regexes are llama.cpp's byte for byte (a test checks it): the formatter must not split them.
// clang-format off
// Regex lists, named after llama.cpp's LLAMA_VOCAB_PRE_TYPE_* that use them.
const char* const kDefault[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|]+",
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    "\\p{N}+",
    "[0-9][0-9][0-9]",
};
const char* const kLlama3[] = {  // also DBRX, SMAUG, CHATGLM4
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kJais2[] = {
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}",
};
const char* const kDeepseekLlm[] = {
    "[\r\n]",
    "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
    "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
    "\\s+$",
    "[一-龥ࠀ-一가-퟿]+",
    "\\p{N}+",
};
const char* const kDeepseek3[] = {  // also HUNYUAN_DENSE, JOYAI_LLM
    "\\p{N}{1,3}",
    "[一-龥぀-ゟ゠-ヿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kYoutu[] = {
    "[가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kDeepseekCoder[] = {
    "[\r\n]",
    "\\s?\\p{L}+",
    "\\s?\\p{P}+",
    "[一-龥ࠀ-一가-퟿]+",
    "\\p{N}",
};
const char* const kFalcon[] = {
    "[\\p{P}\\$\\+<=>\\^~\\|`]+",
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
    "[0-9][0-9][0-9]",
};
const char* const kStarcoder[] = {  // also REFACT, COMMAND_R, SMOLLM, CODESHELL, EXAONE, MINERVA, MELLUM2
    "\\p{N}",
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
};
const char* const kGpt2[] = {  // also MPT, OLMO, JAIS, TRILLION, GRANITE_DOCLING
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
};
const char* const kQwen2[] = {  // also STABLELM2, HUNYUAN, SOLAR_OPEN, GROK_2
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kQwen35[] = {
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kBloom[] = {  // also PORO, GPT3_FINNISH
    " ?[^(\\s|.,!?…。，、।۔،)]+",
};
const char* const kViking[] = {
    " ?[^(\\s|.,!?…。，、।۔،)]+",
    "\\p{N}",
};
const char* const kTekken[] = {
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kChameleon[] = {
    "<sentinel:[0-9]+>",
    "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
    "([\\t\\n]|    |  )",
    "\\p{N}",
    "[\\p{P}!-/:-@\\[-`{-~]",
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
};
const char* const kGpt4o[] = {  // also MINIMAX_M2
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kGraniteEmbMulti[] = {
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))*((?=[\\p{L}\\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}\\p{M}])([^a-z]))+((?=[\\p{L}\\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kTinyAya[] = {
    "\\d{1,3}(?=(?:\\d{3})*\\b)",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kKimiK2[] = {
    "\\p{Han}+",
};
const char* const kSuperBpe[] = {
    "\\p{N}+",
    "(?=(\\d{3})+(?!\\d))",
};
const char* const kBailingMoe[] = {
    "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
};
const char* const kSeedCoder[] = {
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kAfmoe[] = {
    "\\p{AFMoE_digits}",
    "[一-鿿㐀-䶿豈-﫿぀-ゟ゠-ヿ･-ﾟ⼀-⿟เ-๿຀-໿ក-៿က-႟ꩠ-ꩿꧠ-꧿가-힯ᄀ-ᇿ]+",
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kLaguna[] = {
    "[^\\n]+|[\\n]+",
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kExaoneMoe[] = {
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+",
};
const char* const kNewlines[] = {  // GEMMA4, SARVAM_MOE
    "[^\\n]+|[\\n]+",
};
const char* const kMiniCpm5[] = {
    "\\p{N}{1,3}",
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};
const char* const kWhitespace[] = {
    "\\S+",
};

// Flags of a name (llama.cpp's defaults for BPE: clean_spaces on, byte encoding on).
enum Flag : uint16_t {
  kIgnoreMerges = 1,
  kAddBos = 2,
  kKeepSpaces = 4,       // clean_spaces = false
  kEscapeSpaces = 8,     // escape_whitespaces = true
  kRawBytes = 16,        // byte_encode = false
  kWholeNewlines = 32,   // Gemma 4's newline-run tokens
  kNoDefaultBos = 64,    // special_bos_id = LLAMA_TOKEN_NULL
  kOptionalMerges = 128,
  kForceBos = 256,       // add_bos forced on (llama.cpp's Gemma 4 workaround)
};

// clang-format on
struct Row {
  const char* name;
  const char* const* regexes;
  size_t n_regexes;
  uint16_t flags;
};

template <size_t N>
constexpr Row row(const char* name, const char* const (&regexes)[N], uint16_t flags = 0) {
  return {name, regexes, N, flags};
}

const Row kRows[] = {
    row("default", kDefault),
    row("minicpm5", kMiniCpm5, kIgnoreMerges),
    row("llama3", kLlama3, kIgnoreMerges | kAddBos),
    row("llama-v3", kLlama3, kIgnoreMerges | kAddBos),
    row("llama-bpe", kLlama3, kIgnoreMerges | kAddBos),
    row("falcon3", kLlama3, kIgnoreMerges | kAddBos),
    row("falcon-h1", kLlama3, kIgnoreMerges | kAddBos),
    row("pixtral", kLlama3, kIgnoreMerges | kAddBos),
    row("midm-2.0", kLlama3, kIgnoreMerges | kAddBos),
    row("lfm2", kLlama3, kIgnoreMerges | kAddBos),
    row("jina-v5-nano", kLlama3, kIgnoreMerges | kAddBos),
    row("deepseek-llm", kDeepseekLlm, kKeepSpaces),
    row("deepseek-coder", kDeepseekCoder, kKeepSpaces),
    row("deepseek-v3", kDeepseek3, kKeepSpaces),
    row("youtu", kYoutu, kKeepSpaces | kIgnoreMerges),
    row("falcon", kFalcon),
    row("mpt", kGpt2),
    row("starcoder", kStarcoder),
    row("gpt-2", kGpt2),
    row("phi-2", kGpt2),
    row("jina-es", kGpt2),
    row("jina-de", kGpt2),
    row("gigachat", kGpt2),
    row("jina-v2-es", kGpt2),
    row("jina-v2-de", kGpt2),
    row("a.x-4.0", kGpt2),
    row("mellum", kGpt2),
    row("modern-bert", kGpt2),
    row("jais-2", kJais2),
    row("gemma4", kNewlines, kEscapeSpaces | kRawBytes | kWholeNewlines | kForceBos),
    row("granite-embed-multi-311m", kNewlines, kEscapeSpaces | kRawBytes | kWholeNewlines | kForceBos),
    row("sarvam-moe", kNewlines, kEscapeSpaces | kRawBytes | kKeepSpaces),
    // llama.cpp also sets add_sep for these three: only its reranking helpers read it.
    row("jina-v1-en", kGpt2),
    row("jina-v2-code", kGpt2),
    row("roberta-bpe", kGpt2),
    row("whitespace", kWhitespace, kRawBytes),
    row("refact", kStarcoder),
    row("command-r", kStarcoder, kKeepSpaces),
    row("qwen2", kQwen2, kKeepSpaces),
    row("deepseek-r1-qwen", kQwen2, kKeepSpaces),
    row("kormo", kQwen2, kKeepSpaces),
    row("f2llmv2", kQwen2, kKeepSpaces),
    row("qwen35", kQwen35, kKeepSpaces),
    row("stablelm2", kQwen2),
    row("olmo", kGpt2),
    row("dbrx", kLlama3),
    row("smaug-bpe", kLlama3),
    row("poro-chat", kBloom, kKeepSpaces),
    row("glm4", kLlama3, kNoDefaultBos),
    row("chatglm-bpe", kLlama3, kNoDefaultBos),
    row("viking", kViking, kKeepSpaces),
    row("jais", kGpt2),
    row("tekken", kTekken, kKeepSpaces | kIgnoreMerges | kAddBos),
    row("smollm", kStarcoder, kKeepSpaces),
    row("codeshell", kStarcoder),
    row("bloom", kBloom),
    row("gpt3-finnish", kBloom),
    row("exaone", kStarcoder),
    row("exaone4", kGpt2),
    row("exaone-moe", kExaoneMoe),
    row("chameleon", kChameleon, kAddBos | kKeepSpaces),
    row("minerva-7b", kStarcoder),
    row("megrez", kQwen2),
    row("gpt-4o", kGpt4o, kKeepSpaces),
    row("llama4", kGpt4o, kKeepSpaces),
    row("kanana2", kGpt4o, kKeepSpaces),
    row("talkie", kGpt4o, kKeepSpaces),
    row("granite-embed-multi-97m", kGraniteEmbMulti, kKeepSpaces | kIgnoreMerges),
    row("tiny_aya", kTinyAya, kKeepSpaces),
    row("cohere2moe", kTinyAya, kKeepSpaces),
    row("superbpe", kSuperBpe, kKeepSpaces),
    row("trillion", kGpt2, kKeepSpaces),
    row("granite-docling", kGpt2, kKeepSpaces),
    row("bailingmoe", kBailingMoe, kKeepSpaces),
    row("bailingmoe2", kBailingMoe, kKeepSpaces),
    row("llada-moe", kBailingMoe, kKeepSpaces),
    row("seed-coder", kSeedCoder, kKeepSpaces),
    row("hunyuan", kQwen2, kKeepSpaces),
    row("hunyuan-dense", kDeepseek3, kKeepSpaces),
    row("joyai-llm", kDeepseek3, kKeepSpaces),
    row("kimi-k2", kKimiK2, kKeepSpaces | kOptionalMerges),
    row("grok-2", kQwen2, kKeepSpaces),
    row("afmoe", kAfmoe, kKeepSpaces),
    row("laguna", kLaguna, kKeepSpaces),
    row("minimax-m2", kGpt4o, kKeepSpaces),
    row("solar-open", kQwen2, kKeepSpaces),
    row("mellum2", kStarcoder),
};

PreTokenizerSpec spec_of(const Row& r) {
  PreTokenizerSpec spec;
  spec.name = r.name;
  spec.regexes = r.regexes;
  spec.n_regexes = r.n_regexes;
  spec.ignore_merges = r.flags & kIgnoreMerges;
  spec.add_bos = r.flags & kAddBos;
  spec.clean_spaces = !(r.flags & kKeepSpaces);
  spec.escape_whitespaces = r.flags & kEscapeSpaces;
  spec.byte_encode = !(r.flags & kRawBytes);
  spec.whole_newline_runs = r.flags & kWholeNewlines;
  spec.no_default_bos = r.flags & kNoDefaultBos;
  spec.merges_optional = r.flags & kOptionalMerges;
  spec.force_add_bos = r.flags & kForceBos;
  return spec;
}

// Specs built once from the rows, in the same order.
const std::vector<PreTokenizerSpec>& specs() {
  static const std::vector<PreTokenizerSpec> all = [] {
    std::vector<PreTokenizerSpec> result;
    for (const Row& r : kRows) result.push_back(spec_of(r));
    return result;
  }();
  return all;
}

}  // namespace

Result<const PreTokenizerSpec*> find_pre_tokenizer(const std::string& name) {
  for (const PreTokenizerSpec& spec : specs()) {
    if (name == spec.name) return &spec;
  }
  return Status::error(
      format("tokenizer: unknown pre-tokenizer '%s' (tokenizer.ggml.pre); "
             "webgguf knows the %zu names llama.cpp knows",
             name.c_str(), specs().size()));
}

std::vector<std::string> pre_tokenizer_names() {
  std::vector<std::string> names;
  for (const PreTokenizerSpec& spec : specs()) names.push_back(spec.name);
  return names;
}

}  // namespace webgguf
