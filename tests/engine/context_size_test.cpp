// The default context (n_ctx 0): the largest one, at most the training context, whose file + KV
// cache (of the chosen types) + scratch fit the memory budget; a quantized cache fits more tokens
// in the same budget, and the probe before a download agrees with the load.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/model_support.h"
#include "test_paths.h"

namespace webgguf {
namespace {

struct Lexi {
  std::vector<uint8_t> bytes = testing::read_file_bytes(testing::shared_path("models/lexi-28m-f16.gguf"));
  GgufFile file() const { return parse_gguf(bytes.data(), bytes.size(), bytes.size()).take(); }
  uint64_t needed(uint32_t n_ctx, KvCacheTypes types) const {
    const MemoryEstimate m = Model::estimate_memory(file(), n_ctx, types).take();
    return bytes.size() + m.kv_bytes + m.scratch_bytes;
  }
};

TEST(ContextSize, TheDefaultIsTheLargestContextThatFitsTheBudget) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const Lexi lexi;
  const GgufFile file = lexi.file();
  KvCacheTypes f16, q8;
  q8.keys = q8.values = GgmlType::Q8_0;
  // Without a budget the training context (1024) fits in wasm32's address space.
  EXPECT_EQ(largest_fitting_context(file, lexi.bytes.size(), f16, 0), 1024u);
  // A budget that holds about 300 tokens of an f16 cache.
  const uint64_t budget = lexi.needed(300, f16) + 100;
  const uint32_t n_f16 = largest_fitting_context(file, lexi.bytes.size(), f16, budget);
  EXPECT_EQ(n_f16, 300u);
  EXPECT_LE(lexi.needed(n_f16, f16), budget);
  EXPECT_GT(lexi.needed(n_f16 + 1, f16), budget);
  // q8_0 rows are 34 bytes a 32-value block against f16's 64: more tokens in the same budget.
  const uint32_t n_q8 = largest_fitting_context(file, lexi.bytes.size(), q8, budget);
  EXPECT_LE(lexi.needed(n_q8, q8), budget);
  EXPECT_GT(lexi.needed(n_q8 + 1, q8), budget);
  EXPECT_GT(n_q8, n_f16 * 17 / 10);
  // Less than the file itself: one token (the load then says too_big with the sizes).
  EXPECT_EQ(largest_fitting_context(file, lexi.bytes.size(), f16, 1000), 1u);

  // A load without n_ctx gets it, and the header probe reports the same context.
  Engine engine;
  std::memcpy(engine.allocate_model(lexi.bytes.size()), lexi.bytes.data(), lexi.bytes.size());
  LoadOptions options;
  options.memory_budget = budget;
  options.cache_types = q8;
  ASSERT_TRUE(engine.load_model(options).ok());
  EXPECT_EQ(engine.summary().model.n_ctx, static_cast<int32_t>(n_q8));
  const HeaderProbe probe = probe_model_header(lexi.bytes.data(), lexi.bytes.size(), lexi.bytes.size(), 0, budget);
  ASSERT_EQ(probe.state, HeaderProbe::State::kOk);
  EXPECT_EQ(probe.n_ctx, n_f16);
}

}  // namespace
}  // namespace webgguf
