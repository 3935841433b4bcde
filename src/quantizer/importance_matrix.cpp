#include "quantizer/importance_matrix.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstring>

#include "gguf/gguf.h"

namespace webgguf {
namespace {

constexpr char kDatasetsKey[] = "imatrix.datasets";
constexpr char kChunkCountKey[] = "imatrix.chunk_count";
constexpr char kChunkSizeKey[] = "imatrix.chunk_size";
constexpr char kSumsSuffix[] = ".in_sum2";
constexpr char kCountsSuffix[] = ".counts";

bool starts_with_gguf_magic(const uint8_t* data, size_t size) {
  return size >= 4 && std::memcmp(data, "GGUF", 4) == 0;
}

bool strip_suffix(std::string& name, const char* suffix) {
  const size_t n = std::strlen(suffix);
  if (name.size() < n || name.compare(name.size() - n, n, suffix) != 0) return false;
  name.resize(name.size() - n);
  return true;
}

std::vector<float> read_f32(const uint8_t* p, uint64_t count) {
  std::vector<float> out(static_cast<size_t>(count));
  std::memcpy(out.data(), p, out.size() * sizeof(float));
  return out;
}

Result<ImportanceMatrix> parse_gguf_matrix(const uint8_t* data, size_t size) {
  Result<GgufFile> parsed = parse_gguf(data, size, size);
  if (!parsed.is_ok()) {
    if (parsed.status().needs_more()) return Status::error("imatrix GGUF is truncated: its header ends early");
    return Status::error("imatrix GGUF: " + parsed.status().message());
  }
  const GgufFile& file = parsed.value();
  if (file.tensors.empty()) return Status::error("imatrix GGUF holds no tensors (no data)");
  ImportanceMatrix matrix;
  const GgufValue* datasets = file.find(kDatasetsKey);
  if (datasets != nullptr && datasets->type == GgufValueType::ARRAY && datasets->array_type == GgufValueType::STRING) {
    matrix.datasets = datasets->array_strings;
  }
  matrix.has_metadata = datasets != nullptr && file.find(kChunkCountKey) != nullptr && file.find(kChunkSizeKey);
  matrix.chunk_count = static_cast<int32_t>(file.get_uint(kChunkCountKey, 0));
  matrix.chunk_size = static_cast<int32_t>(file.get_uint(kChunkSizeKey, 0));

  std::map<std::string, std::pair<const GgufTensorInfo*, const GgufTensorInfo*>> sums_and_counts;
  for (const GgufTensorInfo& t : file.tensors) {
    std::string name = t.name;
    if (strip_suffix(name, kSumsSuffix)) {
      sums_and_counts[name].first = &t;
    } else if (strip_suffix(name, kCountsSuffix)) {
      sums_and_counts[name].second = &t;
    }
  }
  for (const auto& [name, pair] : sums_and_counts) {
    const GgufTensorInfo* sums = pair.first;
    const GgufTensorInfo* counts = pair.second;
    if (sums == nullptr || counts == nullptr) {
      return Status::error(format("imatrix GGUF: '%s' has %s but no %s", name.c_str(),
                                  sums ? kSumsSuffix : kCountsSuffix, sums ? kCountsSuffix : kSumsSuffix));
    }
    if (sums->type != GgmlType::F32 || counts->type != GgmlType::F32) {
      return Status::error(format("imatrix GGUF: sums and counts of '%s' must be F32", name.c_str()));
    }
    const uint64_t n_sums = sums->n_elements();
    const uint64_t n_counts = counts->n_elements();
    if (n_counts == 0 || n_sums == 0 || n_sums % n_counts != 0) {
      return Status::error(
          format("imatrix GGUF: '%s' has %" PRIu64 " sums for %" PRIu64 " counts", name.c_str(), n_sums, n_counts));
    }
    ImportanceEntry& e = matrix.entries[name];
    e.sums = read_f32(data + file.data_offset + sums->offset, n_sums);
    const std::vector<float> raw_counts = read_f32(data + file.data_offset + counts->offset, n_counts);
    for (float c : raw_counts) {
      // Counts are token numbers stored as floats; anything else is not an imatrix.
      if (!(c >= 0.0f && c <= 9.2e18f)) {
        return Status::error(format("imatrix GGUF: '%s' has an invalid count %g", name.c_str(), c));
      }
      e.counts.push_back(std::lround(c));
    }
  }
  if (matrix.entries.empty()) return Status::error("imatrix GGUF holds no .in_sum2/.counts pairs");
  return matrix;
}

// Reads the little-endian fields of the legacy format, refusing to run past the end.
class LegacyReader {
 public:
  LegacyReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool at_end() const { return at_ == size_; }
  bool i32(int32_t* v) {
    if (size_ - at_ < 4) return false;
    std::memcpy(v, data_ + at_, 4);
    at_ += 4;
    return true;
  }
  bool bytes(size_t n, const uint8_t** p) {
    if (size_ - at_ < n) return false;
    *p = data_ + at_;
    at_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

Result<ImportanceMatrix> parse_legacy_matrix(const uint8_t* data, size_t size) {
  LegacyReader in(data, size);
  int32_t n_entries = 0;
  if (!in.i32(&n_entries) || n_entries < 1) return Status::error("imatrix .dat file holds no entries");
  ImportanceMatrix matrix;
  matrix.is_legacy = true;
  for (int32_t i = 0; i < n_entries; ++i) {
    int32_t len = 0;
    const uint8_t* name = nullptr;
    if (!in.i32(&len) || len < 0 || !in.bytes(static_cast<size_t>(len), &name)) {
      return Status::error(format("imatrix .dat file is truncated in the name of entry %d of %d", i + 1, n_entries));
    }
    int32_t ncall = 0, nval = 0;
    const uint8_t* values = nullptr;
    if (!in.i32(&ncall) || !in.i32(&nval) || nval < 1) {
      return Status::error(format("imatrix .dat file: entry %d of %d has no values", i + 1, n_entries));
    }
    if (ncall < 0) {
      return Status::error(
          format("imatrix .dat file: entry %d of %d has a negative count (%d)", i + 1, n_entries, ncall));
    }
    if (!in.bytes(static_cast<size_t>(nval) * sizeof(float), &values)) {
      return Status::error(format("imatrix .dat file is truncated in the values of entry %d of %d", i + 1, n_entries));
    }
    // As llama.cpp, the name ends at its first NUL.
    const std::string key(reinterpret_cast<const char*>(name), strnlen(reinterpret_cast<const char*>(name), len));
    ImportanceEntry& e = matrix.entries[key];
    e.sums = read_f32(values, static_cast<uint64_t>(nval));
    e.counts = {ncall};
  }
  // The chunk count and dataset name that follow are optional.
  int32_t chunk_count = 0, len = 0;
  const uint8_t* dataset = nullptr;
  if (!in.at_end() && in.i32(&chunk_count)) {
    matrix.chunk_count = chunk_count;
    if (in.i32(&len) && len > 0 && in.bytes(static_cast<size_t>(len), &dataset)) {
      matrix.datasets.emplace_back(reinterpret_cast<const char*>(dataset),
                                   strnlen(reinterpret_cast<const char*>(dataset), len));
    }
  }
  return matrix;
}

void append_i32(std::vector<uint8_t>& out, int32_t v) {
  const size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(&out[at], &v, 4);
}

void append_bytes(std::vector<uint8_t>& out, const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

Status check_entry(const std::string& name, const ImportanceEntry& e) {
  if (e.counts.empty() || e.sums.empty() || e.sums.size() % e.counts.size() != 0) {
    return Status::error(
        format("imatrix entry '%s' has %zu sums for %zu counts", name.c_str(), e.sums.size(), e.counts.size()));
  }
  return Status::ok();
}

}  // namespace

Result<ImportanceMatrix> parse_importance_matrix(const uint8_t* data, size_t size) {
  if (starts_with_gguf_magic(data, size)) return parse_gguf_matrix(data, size);
  return parse_legacy_matrix(data, size);
}

Result<std::vector<uint8_t>> serialize_importance_matrix(const ImportanceMatrix& matrix) {
  GgufFile file;
  file.metadata.emplace_back("general.type", GgufValue::of_string("imatrix"));
  file.metadata.emplace_back(kDatasetsKey, GgufValue::of_strings(matrix.datasets));
  file.metadata.emplace_back(kChunkCountKey, GgufValue::of_u32(static_cast<uint32_t>(matrix.chunk_count)));
  file.metadata.emplace_back(kChunkSizeKey, GgufValue::of_u32(static_cast<uint32_t>(matrix.chunk_size)));
  std::vector<std::vector<float>> data;  // in tensor order
  for (const auto& [name, e] : matrix.entries) {
    WEBGGUF_RETURN_IF_ERROR(check_entry(name, e));
    const uint64_t n_mat = e.counts.size();
    GgufTensorInfo sums;
    sums.name = name + kSumsSuffix;
    sums.type = GgmlType::F32;
    sums.ne[0] = e.sums.size() / n_mat;
    sums.ne[1] = n_mat;
    sums.n_dims = n_mat > 1 ? 2 : 1;  // ggml_n_dims: trailing 1s dropped
    GgufTensorInfo counts = sums;
    counts.name = name + kCountsSuffix;
    counts.ne[0] = 1;
    file.tensors.push_back(sums);
    file.tensors.push_back(counts);
    data.push_back(e.sums);
    data.emplace_back(e.counts.begin(), e.counts.end());
  }
  Result<std::vector<uint8_t>> header = serialize_gguf_header(file);
  if (!header.is_ok()) return header.status();
  std::vector<uint8_t> out = header.take();
  for (const std::vector<float>& values : data) {
    append_bytes(out, values.data(), values.size() * sizeof(float));
    out.resize(out.size() + gguf_padding(values.size() * sizeof(float), file.alignment), 0);
  }
  return out;
}

Result<std::vector<uint8_t>> serialize_importance_matrix_legacy(const ImportanceMatrix& matrix) {
  // llama-imatrix skips entries whose every count is 0 and scales by the ncall of the default
  // chunk size; with no chunk size (a legacy file read back) ncall is the stored one.
  std::vector<const std::pair<const std::string, ImportanceEntry>*> stored;
  for (const auto& entry : matrix.entries) {
    WEBGGUF_RETURN_IF_ERROR(check_entry(entry.first, entry.second));
    const std::vector<int64_t>& c = entry.second.counts;
    if (std::any_of(c.begin(), c.end(), [](int64_t v) { return v != 0; })) stored.push_back(&entry);
  }
  if (stored.empty()) return Status::error("the imatrix has no entry with data");
  std::vector<uint8_t> out;
  append_i32(out, static_cast<int32_t>(stored.size()));
  for (const auto* entry : stored) {
    const std::string& name = entry->first;
    const ImportanceEntry& e = entry->second;
    append_i32(out, static_cast<int32_t>(name.size()));
    append_bytes(out, name.data(), name.size());
    const int64_t max_count = *std::max_element(e.counts.begin(), e.counts.end());
    const int32_t ncall = matrix.is_legacy || matrix.chunk_size <= 0
                              ? static_cast<int32_t>(max_count)
                              : static_cast<int32_t>((max_count + (matrix.chunk_size - 1)) / matrix.chunk_size);
    const size_t nval = e.sums.size();
    const size_t per_mat = nval / e.counts.size();
    append_i32(out, ncall);
    append_i32(out, static_cast<int32_t>(nval));
    for (size_t i = 0; i < nval; ++i) {
      float count = static_cast<float>(e.counts[i / per_mat]);
      float value = e.sums[i];
      if (count == 0.0f) value = count = 1.0f;  // partial data: 1, as llama-imatrix stores it
      const float stored_value = matrix.is_legacy ? value : (value / count) * static_cast<float>(ncall);
      append_bytes(out, &stored_value, sizeof(float));
    }
  }
  append_i32(out, matrix.chunk_count);
  const std::string dataset = matrix.datasets.empty() ? std::string() : matrix.datasets.back();
  append_i32(out, static_cast<int32_t>(dataset.size()));
  append_bytes(out, dataset.data(), dataset.size());
  return out;
}

Result<QuantizationWeights> quantization_weights(const ImportanceMatrix& matrix,
                                                 const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude) {
  if (!include.empty() && !exclude.empty()) {
    return Status::error("--include-weights and --exclude-weights cannot be used together");
  }
  if (!matrix.is_legacy && !matrix.has_metadata) {
    return Status::error("the imatrix GGUF lacks its metadata (imatrix.datasets, chunk_count, chunk_size)");
  }
  auto matches_any = [](const std::string& name, const std::vector<std::string>& parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](const std::string& part) { return name.find(part) != std::string::npos; });
  };
  QuantizationWeights weights;
  weights.dataset = matrix.datasets.empty() ? std::string() : matrix.datasets.front();
  weights.chunk_count = matrix.chunk_count;
  for (const auto& [name, e] : matrix.entries) {
    WEBGGUF_RETURN_IF_ERROR(check_entry(name, e));
    if (matches_any(name, exclude) || (!include.empty() && !matches_any(name, include))) continue;
    std::vector<float>& w = weights.by_name[name];
    w.resize(e.sums.size());
    if (matrix.is_legacy) {
      const int64_t ncall = e.counts[0];
      for (size_t i = 0; i < w.size(); ++i) w[i] = ncall > 0 ? e.sums[i] / static_cast<float>(ncall) : e.sums[i];
    } else {
      const size_t per_mat = e.sums.size() / e.counts.size();
      for (size_t j = 0; j < e.counts.size(); ++j) {
        const float count = static_cast<float>(e.counts[j]);
        for (size_t i = 0; i < per_mat; ++i) {
          w[j * per_mat + i] = count > 0.0f ? e.sums[j * per_mat + i] / count : 1.0f;
        }
      }
    }
    for (float v : w) {
      if (!std::isfinite(v)) return Status::error(format("imatrix entry '%s' holds a non-finite value", name.c_str()));
    }
  }
  return weights;
}

}  // namespace webgguf
