// Model buffers above 2 GB: Emscripten's malloc grows its heap by less than 2 GB per request, so
// Engine::allocate_model grows it in steps first (the 2.5 GB model of tests/large relies on it).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "engine/engine.h"

namespace webgguf {
namespace {

TEST(EngineLargeBuffer, AllocatesAModelBufferAbove2GBAndAgainAfterFreeing) {
  constexpr size_t kSize = 2'500'000'000u;
  Engine engine;
  uint8_t* buffer = engine.allocate_model(kSize);
  ASSERT_NE(buffer, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer) % 64, 0u);
  buffer[0] = 1;  // both ends are writable; the pages between stay untouched
  buffer[kSize - 1] = 2;
  EXPECT_EQ(buffer[0] + buffer[kSize - 1], 3);
  engine.free_model();
  uint8_t* again = engine.allocate_model(kSize);
  ASSERT_NE(again, nullptr);
  engine.free_model();
}

}  // namespace
}  // namespace webgguf
