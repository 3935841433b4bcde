// Whether we can run a GGUF model, decided from its header alone, and what it needs in memory:
// what the JavaScript loader asks before downloading the weights.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/engine_error.h"
#include "gguf/gguf.h"
#include "model/model.h"

namespace webgguf {

// Address space a model, its KV cache and scratch must fit in: a wasm32 heap tops out at 4 GB,
// and the runtime, JS glue and allocator slack need some of it.
constexpr uint64_t kWasm32UsableBytes = (4ull << 30) - (256ull << 20);

// "Q4_K_M" for llama.cpp's general.file_type 15, "F16" for 1, ...; "unknown" otherwise.
const char* file_type_name(uint32_t file_type);

// Architecture, tensor types and hyper-parameters, each refused with its own code:
// unsupported_architecture, unsupported_type or invalid_model.
EngineError check_model_support(const GgufFile& file);

// The file plus KV cache and scratch for n_ctx, compared with the address space when it is
// 32-bit (wasm); fills *memory. too_big names the sizes.
EngineError estimate_model_memory(const GgufFile& file, uint64_t file_size, uint32_t n_ctx, MemoryEstimate* memory,
                                  KvCacheTypes cache_types = KvCacheTypes());

// The context a load without n_ctx gets: the largest one, at most the training context, whose file
// + KV cache (of these types) + scratch fit in budget_bytes (0: the wasm32 address space,
// kWasm32UsableBytes; the JavaScript side passes the advisor's budget for the device). 1 when not
// even that fits (the load then fails with too_big naming the sizes).
uint32_t largest_fitting_context(const GgufFile& file, uint64_t file_size, KvCacheTypes cache_types,
                                 uint64_t budget_bytes);

struct HeaderProbe {
  enum class State { kOk, kNeedMore, kError } state = State::kError;
  uint64_t bytes_needed = 0;  // kNeedMore: call again with at least this many bytes
  EngineError error;          // kError
  GgufFile file;              // kOk: the parsed header
  MemoryEstimate memory;      // kOk
  uint32_t n_ctx = 0;         // the context the estimate is for
};

// `bytes`: the first `size` bytes of a file of `file_size` bytes. n_ctx 0: the largest fitting
// context for an f16 cache within budget_bytes (see largest_fitting_context).
HeaderProbe probe_model_header(const uint8_t* bytes, size_t size, uint64_t file_size, uint32_t n_ctx,
                               uint64_t budget_bytes = 0);

}  // namespace webgguf
