// KL divergence for JavaScript: JSON results of Engine::kl_divergence_begin/next, in the
// {ok:true, ...} / {ok:false, code, error} shape of EngineJsonApi.
#pragma once
#include <cstdint>
#include <string>

#include "engine/engine.h"

namespace webgguf {

// -> {ok, n_chunks, n_tokens}
std::string kl_divergence_begin_json(Engine& model, Engine& base, const std::string& text, int32_t n_ctx);
// -> {ok, chunk, n_chunks, done, positions, kl, kl_error, same_top, same_top_error,
//     ppl, ppl_error, base_ppl, base_ppl_error}   (same_top: a fraction, 0..1)
std::string kl_divergence_next_json(Engine& model, Engine& base);

}  // namespace webgguf
