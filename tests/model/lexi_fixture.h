// Shared by the model tests: the lexi-28m fixture files, loaded once per test binary, and the
// token ids of the reference JSON (read with a tiny extractor for its fixed layout).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "model/model.h"
#include "test_paths.h"

namespace webgguf::testing {

struct LoadedFile {
  std::vector<uint8_t> bytes;
  GgufFile header;
};

// Files stay in memory for the whole test binary (models bind their weights in place).
inline const LoadedFile& lexi_file(const std::string& name) {
  static std::vector<std::pair<std::string, std::unique_ptr<LoadedFile>>> cache;
  for (const auto& entry : cache) {
    if (entry.first == name) return *entry.second;
  }
  auto file = std::make_unique<LoadedFile>();
  file->bytes = read_file_bytes(shared_path("models/" + name));
  EXPECT_GT(file->bytes.size(), 1000u) << name;
  Result<GgufFile> header = parse_gguf(file->bytes.data(), file->bytes.size(), file->bytes.size());
  EXPECT_TRUE(header.is_ok()) << header.status().message();
  file->header = header.take();
  cache.emplace_back(name, std::move(file));
  return *cache.back().second;
}

inline std::unique_ptr<Model> load_lexi(const std::string& name, uint32_t n_ctx, int n_threads = 1) {
  const LoadedFile& file = lexi_file(name);
  ModelOptions options;
  options.n_ctx = n_ctx;
  options.n_threads = n_threads;
  Result<std::unique_ptr<Model>> model = Model::load(file.header, file.bytes.data(), file.bytes.size(), options);
  EXPECT_TRUE(model.is_ok()) << model.status().message();
  return model.is_ok() ? model.take() : nullptr;
}

// The integers of `"<key>": [ ... ]` inside the `"<prompt>": {` object of a reference JSON.
inline std::vector<int32_t> reference_ids(const std::string& json_name, const std::string& prompt,
                                          const std::string& key) {
  const std::vector<uint8_t> bytes = read_file_bytes(shared_path("models/" + json_name));
  const std::string json(bytes.begin(), bytes.end());
  std::vector<int32_t> ids;
  size_t at = json.find("\"" + prompt + "\": {");
  if (at == std::string::npos) return ids;
  at = json.find("\"" + key + "\": [", at);
  if (at == std::string::npos) return ids;
  at = json.find('[', at) + 1;
  const size_t end = json.find(']', at);
  while (at < end) {
    const size_t next = json.find_first_of("0123456789", at);
    if (next == std::string::npos || next >= end) break;
    size_t used = 0;
    ids.push_back(static_cast<int32_t>(std::stol(json.substr(next), &used)));
    at = next + used;
  }
  return ids;
}

inline int32_t argmax(const float* v, int32_t n) {
  return static_cast<int32_t>(std::max_element(v, v + n) - v);
}

}  // namespace webgguf::testing
