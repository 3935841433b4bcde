// shortconv_causal against its scalar reference: bit for bit over channel counts around the vector
// width (tails included), token counts below and above the state length, and 2-4 taps; evaluating
// a sequence in pieces carries the state exactly as evaluating it at once.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ops_shortconv.h"
#include "ops_kernel_test_util.h"

namespace webgguf {
namespace {
using testing::random_floats;

TEST(OpsShortConv, MatchesReferenceBitForBitOverLengthsAndTails) {
  for (int taps : {2, 3, 4}) {
    for (int channels : testing::sweep_lengths()) {
      for (int tokens : {1, 2, 3, 5, 64}) {
        const uint32_t seed = static_cast<uint32_t>(taps * 100000 + channels * 100 + tokens);
        const std::vector<float> kernel = random_floats(static_cast<size_t>(taps) * channels, seed, 0.5f);
        const std::vector<float> x = random_floats(static_cast<size_t>(tokens) * channels, seed + 1);
        std::vector<float> state = random_floats(static_cast<size_t>(taps - 1) * channels, seed + 2);
        std::vector<float> state_ref = state;
        std::vector<float> out(static_cast<size_t>(tokens) * channels + 1, NAN), ref(out.size() - 1);
        shortconv_causal(kernel.data(), taps, state.data(), x.data(), tokens, channels, out.data());
        shortconv_causal_ref(kernel.data(), taps, state_ref.data(), x.data(), tokens, channels, ref.data());
        for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(out[i], ref[i]) << taps << " " << channels << " " << tokens;
        EXPECT_TRUE(std::isnan(out.back())) << "wrote past the output";
        EXPECT_EQ(state, state_ref);
      }
    }
  }
}

// out[t][c] = sum_k kernel[k][c] * seq[t + k][c] from the definition, on a sequence built whole.
TEST(OpsShortConv, ReferenceIsTheCausalConvolutionOfStateThenInput) {
  const int taps = 3, channels = 5, tokens = 4;
  const std::vector<float> kernel = random_floats(taps * channels, 1);
  const std::vector<float> x = random_floats(tokens * channels, 2);
  const std::vector<float> state0 = random_floats((taps - 1) * channels, 3);
  std::vector<float> seq = state0;
  seq.insert(seq.end(), x.begin(), x.end());
  std::vector<float> state = state0, out(tokens * channels);
  shortconv_causal_ref(kernel.data(), taps, state.data(), x.data(), tokens, channels, out.data());
  for (int t = 0; t < tokens; ++t) {
    for (int c = 0; c < channels; ++c) {
      float sum = 0.0f;
      for (int k = 0; k < taps; ++k) sum += kernel[k * channels + c] * seq[(t + k) * channels + c];
      EXPECT_EQ(out[t * channels + c], sum);
    }
  }
  EXPECT_EQ(state, std::vector<float>(seq.end() - (taps - 1) * channels, seq.end()));
}

TEST(OpsShortConv, PiecewiseEvaluationCarriesTheState) {
  for (int taps : {2, 3, 4}) {
    const int channels = 17, tokens = 11;
    const std::vector<float> kernel = random_floats(taps * channels, 10 + taps);
    const std::vector<float> x = random_floats(tokens * channels, 20 + taps);
    std::vector<float> whole_state((taps - 1) * channels, 0.0f), whole(tokens * channels);
    shortconv_causal(kernel.data(), taps, whole_state.data(), x.data(), tokens, channels, whole.data());
    for (int piece : {1, 2, 3}) {  // pieces shorter than, equal to and longer than the state
      std::vector<float> state((taps - 1) * channels, 0.0f), out(tokens * channels);
      for (int t = 0; t < tokens; t += piece) {
        const int n = std::min(piece, tokens - t);
        shortconv_causal(kernel.data(), taps, state.data(), x.data() + t * channels, n, channels,
                         out.data() + t * channels);
      }
      EXPECT_EQ(out, whole) << taps << " " << piece;
      EXPECT_EQ(state, whole_state) << taps << " " << piece;
    }
  }
}

}  // namespace
}  // namespace webgguf
