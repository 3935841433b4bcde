// libFuzzer target for the imatrix file reader (quantizer/importance_matrix.h), both formats.
// Beyond "no crash, no sanitizer report" it checks on every input (a violation traps):
//   - whatever parses writes back in both formats, and the GGUF one parses to the same entries;
//   - quantization_weights either refuses with a message or gives one finite weight per sum;
//   - every shorter prefix of an input that parses as GGUF is an error, never a crash.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "quantizer/importance_matrix.h"

namespace {

using webgguf::ImportanceMatrix;
using webgguf::parse_importance_matrix;
using webgguf::Result;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_weights(const ImportanceMatrix& m) {
  const Result<webgguf::QuantizationWeights> w = webgguf::quantization_weights(m);
  if (!w.is_ok()) {
    check(!w.status().message().empty());
    return;
  }
  for (const auto& [name, values] : w.value().by_name) {
    check(values.size() == m.entries.at(name).sums.size());
    for (float v : values) check(std::isfinite(v));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Result<ImportanceMatrix> parsed = parse_importance_matrix(data, size);
  if (!parsed.is_ok()) {
    check(!parsed.status().message().empty());
    return 0;
  }
  const ImportanceMatrix& m = parsed.value();
  check_weights(m);
  const Result<std::vector<uint8_t>> gguf = webgguf::serialize_importance_matrix(m);
  check(gguf.is_ok());
  const Result<ImportanceMatrix> again = parse_importance_matrix(gguf.value().data(), gguf.value().size());
  check(again.is_ok());
  check(again.value().entries.size() == m.entries.size());
  for (const auto& [name, e] : m.entries) {
    const auto found = again.value().entries.find(name);
    check(found != again.value().entries.end());
    check(found->second.sums.size() == e.sums.size() && found->second.counts.size() == e.counts.size());
  }
  // The legacy writer refuses only a matrix without any data.
  (void)webgguf::serialize_importance_matrix_legacy(m);
  if (!m.is_legacy) {
    for (size_t n : {size_t{0}, size_t{4}, size / 2}) {
      if (n < size) (void)parse_importance_matrix(data, n);
    }
  }
  return 0;
}
