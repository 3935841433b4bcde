// The one C++ surface the bindings (and the CLI) see: a model loaded from a memory region the
// caller fills, its tokenizer, a sampler, and a conversation in the KV cache that later prompts
// reuse by longest common prefix. Step-wise generation and chunk-wise perplexity let the caller
// report progress and stop between calls. Every failure is an EngineError with a code.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "engine/engine_error.h"
#include "engine/kl_divergence.h"
#include "engine/imatrix.h"
#include "engine/perplexity.h"
#include "engine/session_file.h"
#include "engine/shifted_conversation.h"
#include "gguf/gguf.h"
#include "model/model.h"
#include "sampler/grammar_matcher.h"
#include "sampler/logprobs.h"
#include "sampler/sampler.h"
#include "sampler/stop_matcher.h"
#include "tokenizer/tokenizer.h"

namespace webgguf {

struct LoadOptions {
  uint32_t n_ctx = 0;          // 0: the largest context that fits memory_budget (largest_fitting_context)
  uint64_t memory_budget = 0;  // bytes for file + KV cache + scratch; 0: the wasm32 address space
  int n_threads = 1;
  KvCacheTypes cache_types;  // f16 (default), q8_0 or q4_0 keys and values
};

// What a user or a UI wants to know about a model (from the header alone for a probe).
struct ModelSummary {
  ModelInfo model;           // memory is the estimate for model.n_ctx
  std::string quantization;  // "Q4_K_M", from general.file_type
  int32_t bos = -1, eos = -1, eot = -1;
  bool add_bos = false;
  std::string chat_template;  // tokenizer.chat_template, empty when absent
};

// Summary from a parsed header and its tokenizer, without weights.
Result<ModelSummary> summarize_model_header(const GgufFile& file, const Tokenizer& tokenizer,
                                            const MemoryEstimate& memory, uint32_t n_ctx);

struct PromptResult {
  int32_t n_past = 0;       // tokens in the KV cache now (= prompt length once done)
  int32_t n_reused = 0;     // of which kept from the previous conversation state
  int32_t n_evaluated = 0;  // of which computed now
  int32_t n_shifted = 0;    // tokens of the conversation dropped by a context shift to make it fit
  double ms = 0.0;
  bool done = true;  // false: prefill() must be called again to evaluate the rest
};

struct StepResult {
  int32_t token = -1;
  // With logprobs requested (set_sampler's top_logprobs >= 0): log p(token) and the top_logprobs
  // most likely tokens, from the log-softmax of the model's raw logits at this position (before
  // penalties, temperature, truncation and the grammar), as OpenAI's logprobs report them.
  bool has_logprobs = false;
  float logprob = 0.0f;
  std::vector<TokenLogprob> top_logprobs;
  bool end_of_generation = false;  // an EOS/EOT token or a stop string ended the generation
  std::string stop_string;         // the stop string that ended it, if one did
  std::string text;                // newly complete UTF-8 text to show (stop strings held back)
  int32_t n_past = 0;
  bool context_shifted = false;  // the context was full: its oldest tokens after n_keep were dropped
};

struct PerplexityProgress {
  int32_t chunk = 0;  // chunks evaluated so far
  int32_t n_chunks = 0;
  size_t n_tokens = 0;  // tokens of the whole text
  double ppl = 0.0;     // running estimate over the chunks done
  double uncertainty = 0.0;
  bool done = false;
};

struct ImatrixProgress {
  int32_t chunk = 0;  // chunks evaluated so far
  int32_t n_chunks = 0;
  size_t n_tokens = 0;  // tokens of the whole text
  bool done = false;
};

struct KlDivergenceProgress {
  int32_t chunk = 0;  // chunks compared so far
  int32_t n_chunks = 0;
  size_t n_tokens = 0;  // tokens of the whole text
  KlDivergenceTotals totals;
  bool done = false;
};

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Releases any loaded model and returns a buffer for the whole file (64-byte aligned), or
  // nullptr when it cannot be allocated. The caller writes the file into it, then load_model().
  uint8_t* allocate_model(size_t size_bytes);
  EngineError load_model(const LoadOptions& options);
  void free_model();
  bool has_model() const { return model_ != nullptr; }
  const ModelSummary& summary() const { return summary_; }
  void set_threads(int n_threads);

  EngineError tokenize(const std::string& text, bool add_special, bool parse_special, std::vector<int32_t>* ids) const;
  EngineError detokenize(const std::vector<int32_t>& ids, bool render_special, std::string* text) const;
  EngineError token_piece(int32_t id, std::string* bytes) const;

  // grammar: GBNF text with root rule `root` (empty: unconstrained), compiled once here; an
  // invalid one is a kBadRequest naming line:column and leaves the previous sampler in place.
  // top_logprobs: -1 no logprobs, 0..20 logprobs with that many alternatives per step.
  EngineError set_sampler(const SamplerParams& params, std::vector<std::string> stop_strings,
                          const std::string& grammar = std::string(), int32_t top_logprobs = -1);

  // Context shift (llama-server's --context-shift): when a prompt or a reply would overflow the
  // context, keep its first n_keep tokens, drop the oldest half of the rest (their keys and values
  // move down, keys re-rotated in place) and go on. Off: such a prompt or step is kContextFull.
  // The caller keeps sending whole conversations; later prompts map onto the shifted cache.
  EngineError set_context_shift(bool enabled, int32_t n_keep);

  // Makes `tokens` the conversation: keeps the longest common prefix already in the KV cache,
  // evaluates the rest, and leaves the last position's logits ready for step().
  EngineError set_prompt(const std::vector<int32_t>& tokens, PromptResult* result);
  // set_prompt in steps of at most max_tokens evaluated tokens, so a caller can stop between
  // them: call again with the same tokens until result->done. The KV cache always holds exactly
  // context_tokens(), so a prefill left unfinished is reused by the next prompt's common prefix.
  EngineError prefill(const std::vector<int32_t>& tokens, int32_t max_tokens, PromptResult* result);
  // Samples a token from the current logits and, unless it ends the generation, evaluates it.
  EngineError step(StepResult* result);
  // Logits [n_vocab] of the last evaluated position; nullptr before a prompt.
  const float* logits() const { return has_logits_ ? logits_.data() : nullptr; }
  const std::vector<int32_t>& context_tokens() const { return history_; }
  void reset_context();

  // Saved sessions (src/engine/session_file.h; defined in engine_session.cpp). save_session
  // calls begin(total bytes) once (false: the caller could not make room, a kTooBig), then
  // write with the bytes in order; the cache's rows go out as they are, without a copy here.
  struct SessionOutput {
    std::function<bool(uint64_t total_bytes)> begin;
    SessionSink write;
  };
  EngineError save_session(const SessionOutput& out);
  // Restores a saved conversation: the next prompt that starts with its tokens evaluates only
  // what follows them. A session of another model, cache types or too long for this context,
  // or bytes that are not a whole session, are a kInvalidSession naming the problem; the
  // conversation in the cache is then left as it was.
  EngineError load_session(const uint8_t* data, size_t size, int32_t* n_tokens);
  // Identity of the loaded model's file for sessions: Hash64 of its header (metadata and tensor
  // table) and of the first and last 4 KiB of every tensor's data, computed once.
  uint64_t model_identity();

  // Perplexity of `text` with chunks of n_ctx tokens (0: the loaded context). Clears the
  // conversation: the chunks overwrite the KV cache.
  EngineError perplexity_begin(const std::string& text, int32_t n_ctx, PerplexityProgress* progress);
  EngineError perplexity_next(PerplexityProgress* progress);

  // Importance matrix of the loaded model over `text` in chunks of n_ctx tokens (0: the loaded
  // context), at most max_chunks of them (<= 0: all), as llama-imatrix collects it. Clears the
  // conversation. Defined in engine_imatrix.cpp.
  EngineError imatrix_begin(const std::string& text, int32_t n_ctx, int32_t max_chunks, ImatrixProgress* progress);
  EngineError imatrix_next(ImatrixProgress* progress);
  // The matrix collected so far as a file: llama-imatrix's GGUF, or its legacy .dat when
  // `legacy`; `dataset` names the calibration text in it (empty: none).
  EngineError imatrix_file(const std::string& dataset, bool legacy, std::vector<uint8_t>* bytes) const;

  // KL divergence of this engine's model against `base` (another engine holding the unquantized
  // model, same vocabulary) over `text` in chunks of n_ctx tokens (0: the loaded context), as
  // llama-perplexity --kl-divergence; also both perplexities. Clears both conversations.
  // Defined in engine_kl_divergence.cpp.
  EngineError kl_divergence_begin(Engine& base, const std::string& text, int32_t n_ctx, KlDivergenceProgress* progress);
  EngineError kl_divergence_next(Engine& base, KlDivergenceProgress* progress);
  // Releases the run's buffers (one chunk of the base's log-probs); a stopped run needs it.
  void kl_divergence_end();

 private:
  EngineError require_model() const;
  void begin_generation();
  // Drops history_ [n_keep, n_keep + count) of the `cached` first tokens that match the
  // conversation: K-shifts them in the model, or (sliding-window and recurrent models) keeps the
  // cache up to the nearest point before n_keep it can resume from.
  void drop_cached(size_t n_keep, size_t count, size_t cached);
  PerplexityProgress perplexity_progress() const;

  AlignedBuffer file_buffer_;
  std::unique_ptr<GgufFile> file_;  // the model keeps pointers into the tensor table
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Model> model_;
  ModelSummary summary_;

  EngineError compile_grammar(const std::string& text, std::unique_ptr<GrammarMatcher>* matcher);

  Sampler sampler_;
  std::unique_ptr<GrammarMatcher> grammar_;  // null: unconstrained
  // The vocabulary's pieces decoded for grammars, built on the first grammar for this model.
  std::shared_ptr<const GrammarVocabulary> grammar_vocabulary_;
  int32_t top_logprobs_ = -1;
  std::vector<std::string> stop_strings_;
  StopStringMatcher stop_matcher_;
  Utf8StreamDecoder utf8_;

  std::vector<int32_t> history_;  // tokens whose keys/values are in the KV cache, in order
  bool shift_enabled_ = false;
  int32_t shift_n_keep_ = 0;
  ShiftedConversation shifted_;
  std::vector<float> logits_;  // [n_vocab] of the last evaluated position
  bool has_logits_ = false;

  uint64_t model_identity_ = 0;
  bool has_model_identity_ = false;

  PerplexityRun perplexity_;
  bool perplexity_active_ = false;

  ImatrixRun imatrix_;
  bool imatrix_active_ = false;

  KlDivergenceRun kl_divergence_;
  bool kl_divergence_active_ = false;
};

}  // namespace webgguf
