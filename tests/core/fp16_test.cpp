#include "core/fp16.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/status.h"

namespace webgguf {
namespace {

TEST(Fp16, RoundTripsEveryHalf) {
  // Every finite half converts to f32 and back to the same bits.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint16_t bits = static_cast<uint16_t>(h);
    const bool is_nan = (bits & 0x7c00) == 0x7c00 && (bits & 0x03ff) != 0;
    if (is_nan) continue;
    EXPECT_EQ(fp32_to_fp16(fp16_to_fp32(bits)), bits) << std::hex << h;
  }
}

TEST(Fp16, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to even (1.0).
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3*2^-11 lies between 1+2^-10 (odd) and 1+2^-9 (even): goes up.
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);  // overflows to +inf
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
}

TEST(Bf16, RoundsToNearestEvenAndQuietsNan) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(f32_from_bits(0x3f808000u)), 0x3f80);  // tie -> even
  EXPECT_EQ(fp32_to_bf16(f32_from_bits(0x3f818000u)), 0x3f82);  // tie -> even (up)
  EXPECT_EQ(fp32_to_bf16(f32_from_bits(0x7f800001u)), 0x7fc0);  // signalling NaN stays NaN
  EXPECT_EQ(bf16_to_fp32(0xbf80), -1.0f);
}

TEST(Status, CarriesMessagesAndNeedMore) {
  Status ok = Status::ok();
  EXPECT_TRUE(ok.is_ok());
  Status err = Status::error(format("tensor '%s' at offset %d", "x", 12));
  EXPECT_FALSE(err.is_ok());
  EXPECT_FALSE(err.needs_more());
  EXPECT_EQ(err.message(), "tensor 'x' at offset 12");
  Status more = Status::need_more(4096, "header");
  EXPECT_TRUE(more.needs_more());
  EXPECT_EQ(more.bytes_needed(), 4096u);
  Result<int> r = Status::error("bad");
  EXPECT_FALSE(r.is_ok());
  Result<int> v = 7;
  EXPECT_EQ(v.value(), 7);
}

}  // namespace
}  // namespace webgguf
