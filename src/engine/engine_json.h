// The engine as JavaScript sees it: JSON requests in, JSON results out ({ok:true, ...} or
// {ok:false, code, error}). The Embind layer only converts typed arrays and forwards here, so
// this translation is tested natively like the rest of the engine.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace webgguf {

class EngineJsonApi {
 public:
  uint8_t* allocate_model(size_t size_bytes) { return engine_.allocate_model(size_bytes); }
  // {n_ctx (0: the largest that fits), n_threads, memory_budget (bytes), cache_type_k, cache_type_v}
  //  -> {ok:true, info:{...}}
  std::string load_model(const std::string& options_json);
  void free_model() { engine_.free_model(); }
  // file_size <= 0: unknown. -> {status:'ok'|'need_more'|'error', bytesNeeded, code, error, info, memory}
  // n_ctx 0: the largest fitting context within memory_budget bytes (0: the wasm32 address space).
  static std::string probe_header(const uint8_t* bytes, size_t size, double file_size, int32_t n_ctx,
                                  double memory_budget = 0);

  // Empty results when no model is loaded (these calls have no error channel in the JS API).
  std::vector<int32_t> tokenize(const std::string& text, bool add_special, bool parse_special) const;
  std::string detokenize(const std::vector<int32_t>& ids, bool render_special) const;
  std::string token_piece(int32_t id) const;

  // {temperature, top_k, top_p, min_p, repeat_penalty, repeat_last_n, frequency_penalty,
  //  presence_penalty, seed, stop, grammar (GBNF), logprobs (bool), top_logprobs (0..20)}
  //  (all optional; seed absent or negative: random) -> {ok}
  std::string set_sampler(const std::string& options_json);
  std::string set_prompt(const std::vector<int32_t>& tokens);  // {ok, n_past, n_reused, n_evaluated, ms, done}
  // One step of a chunked set_prompt: evaluates at most max_tokens; repeat until done is true.
  std::string prefill(const std::vector<int32_t>& tokens, int32_t max_tokens);
  // {ok, token, eog, text, n_past[, stop][, logprob, top_ids, top_logprobs]} (the last three with logprobs)
  std::string step();
  void reset_context() { engine_.reset_context(); }
  // Saved sessions: the bytes go through `out`; -> {ok, n_tokens, bytes}.
  std::string save_session(const Engine::SessionOutput& out);
  std::string load_session(const uint8_t* data, size_t size);            // {ok, n_tokens}
  std::string perplexity_begin(const std::string& text, int32_t n_ctx);  // {ok, n_chunks, n_tokens}
  std::string perplexity_next();  // {ok, chunk, n_chunks, ppl, error_estimate, done}
  std::string imatrix_begin(const std::string& text, int32_t n_ctx, int32_t max_chunks);  // {ok, n_chunks, n_tokens}
  std::string imatrix_next();                                                             // {ok, chunk, n_chunks, done}
  std::string info() const;                                                               // {ok, info} or no_model
  void set_threads(int n_threads) { engine_.set_threads(n_threads); }

  Engine& engine() { return engine_; }

 private:
  Engine engine_;
};

// {"ok":false,"code":"...","error":"..."}
std::string error_json(const EngineError& error);

}  // namespace webgguf
