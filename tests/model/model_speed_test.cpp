// Throughput of lexi-28m (not a timed assertion: run on demand with
//   test_model --gtest_also_run_disabled_tests --gtest_filter=*Speed*).
// The Q8_0 / Q4_K variants quantize every 2-D tensor of the F16 file in memory with our quantizer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstring>

#include "lexi_fixture.h"
#include "kernels/thread_pool.h"
#include "quant/traits.h"

namespace webgguf {
namespace {
using testing::argmax;
using testing::lexi_file;

// The F16 lexi file with every 2-D tensor converted to `type`, as a complete GGUF in memory.
std::vector<uint8_t> requantized_lexi(GgmlType type) {
  const auto& source = lexi_file("lexi-28m-f16.gguf");
  GgufFile file = source.header;
  for (auto& t : file.tensors) {
    if (t.n_dims == 2) t.type = type;
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  std::vector<uint8_t> out = header.take();
  out.resize(file.data_offset + file.data_size);
  const QuantTraits* target = quant_traits(type);
  for (const auto& t : file.tensors) {
    const GgufTensorInfo& from = *source.header.find_tensor(t.name);
    const uint8_t* src = source.bytes.data() + source.header.data_offset + from.offset;
    uint8_t* dst = out.data() + file.data_offset + t.offset;
    if (t.type == from.type) {
      std::memcpy(dst, src, from.size_bytes);
      continue;
    }
    std::vector<float> row(t.ne[0]);
    const QuantTraits* source_traits = quant_traits(from.type);
    for (uint64_t r = 0; r < t.n_rows(); ++r) {
      source_traits->dequantize(src + r * ggml_row_bytes(from.type, t.ne[0]), row.data(), t.ne[0]);
      target->quantize(row.data(), dst + r * ggml_row_bytes(type, t.ne[0]), t.ne[0], nullptr);
    }
  }
  return out;
}

// Wall time and process CPU time: on a shared machine the CPU time is the steadier measure
// (with one thread); under Emscripten std::clock() follows wall time.
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
  double cpu_seconds() const { return static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

void measure(const char* label, const std::vector<uint8_t>& bytes, int n_threads) {
  Result<GgufFile> header = parse_gguf(bytes.data(), bytes.size(), bytes.size());
  ASSERT_TRUE(header.is_ok()) << header.status().message();
  ModelOptions options;
  options.n_ctx = 256;
  options.n_threads = n_threads;
  auto loaded = Model::load(header.value(), bytes.data(), bytes.size(), options);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  Model& model = *loaded.value();
  const int32_t n_vocab = model.info().n_vocab;
  std::vector<int32_t> prompt;
  for (int i = 0; i < 128; ++i) prompt.push_back((i * 131 + 7) % n_vocab);
  std::vector<float> logits(n_vocab);
  ASSERT_TRUE(model.forward(prompt.data(), 16, 0, false, logits.data()).is_ok());  // warm-up

  Stopwatch prefill;
  ASSERT_TRUE(model.forward(prompt.data(), 128, 0, false, logits.data()).is_ok());
  const double prefill_wall = 128 / prefill.wall_seconds(), prefill_cpu = 128 / prefill.cpu_seconds();

  const int n_decode = 64;
  Stopwatch decode;
  for (int i = 0; i < n_decode; ++i) {
    const int32_t next = argmax(logits.data(), n_vocab);
    ASSERT_TRUE(model.forward(&next, 1, 128 + i, false, logits.data()).is_ok());
  }
  const double decode_wall = n_decode / decode.wall_seconds(), decode_cpu = n_decode / decode.cpu_seconds();
  std::printf(
      "%-5s threads=%d  prefill(128) %7.1f tok/s (per CPU-second %7.1f)  decode(64) %7.1f tok/s (per CPU-second "
      "%7.1f)\n",
      label, n_threads, prefill_wall, prefill_cpu, decode_wall, decode_cpu);
}

TEST(ModelSpeed, DISABLED_LexiPrefillAndDecode) {
  WEBGGUF_NEEDS_FIXTURE_MODELS();
  const auto& f16 = lexi_file("lexi-28m-f16.gguf");
  const std::vector<uint8_t> q8_0 = requantized_lexi(GgmlType::Q8_0);
  const std::vector<uint8_t> q4_k = requantized_lexi(GgmlType::Q4_K);
  for (int n_threads = 1; n_threads <= std::min(2, ThreadPool::max_threads()); ++n_threads) {
    measure("F16", f16.bytes, n_threads);
    measure("Q8_0", q8_0, n_threads);
    measure("Q4_K", q4_k, n_threads);
  }
}

}  // namespace
}  // namespace webgguf
