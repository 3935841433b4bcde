// An Engine holding lexi-28m (or its chat twin, `file` under models/) with a greedy sampler: what
// the conversation tests (context shift, saved sessions) start from.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "test_paths.h"

namespace webgguf::testing {

inline std::unique_ptr<Engine> load_lexi_engine(const char* file, uint32_t n_ctx, KvCacheTypes types = KvCacheTypes()) {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path(std::string("models/") + file));
  EXPECT_FALSE(bytes.empty());
  auto engine = std::make_unique<Engine>();
  std::memcpy(engine->allocate_model(bytes.size()), bytes.data(), bytes.size());
  LoadOptions options;
  options.n_ctx = n_ctx;
  options.cache_types = types;
  const EngineError e = engine->load_model(options);
  EXPECT_TRUE(e.ok()) << e.message;
  SamplerParams greedy;
  greedy.temperature = 0.0f;
  EXPECT_TRUE(engine->set_sampler(greedy, {}).ok());
  return engine;
}

}  // namespace webgguf::testing
