// Split models as llama.cpp's gguf-split writes them: NAME-00001-of-0000N.gguf, each part a
// complete GGUF holding some of the tensors and the keys split.no / split.count /
// split.tensors.count (the same keys under "general." are accepted too).
#include <cctype>
#include <cinttypes>
#include <unordered_map>

#include "gguf/gguf.h"

namespace webgguf {
namespace {

// The value of `split.<name>` or `general.split.<name>`; nullptr when neither is present.
const GgufValue* find_split_key(const GgufFile& file, const std::string& name, std::string* key_found) {
  for (const char* prefix : {"split.", "general.split."}) {
    *key_found = prefix + name;
    if (const GgufValue* v = file.find(*key_found)) return v;
  }
  return nullptr;
}

Status read_split_key(const GgufFile& file, const std::string& name, uint64_t* out) {
  std::string key;
  const GgufValue* value = find_split_key(file, name, &key);
  if (value == nullptr) return Status::error(format("split model lacks key 'split.%s'", name.c_str()));
  const uint64_t v = file.get_uint(key, ~0ull);
  if (!value->is_integer() || v == ~0ull) {
    return Status::error(
        format("key '%s' must be a non-negative integer, not %s", key.c_str(), gguf_value_type_name(value->type)));
  }
  *out = v;
  return Status::ok();
}

bool parse_digits(const std::string& s, size_t at, size_t n, uint32_t* out) {
  *out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    *out = *out * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  return true;
}

}  // namespace

Result<GgufSplitInfo> gguf_split_info(const GgufFile& file) {
  GgufSplitInfo info;
  std::string key;
  if (find_split_key(file, "count", &key) == nullptr) {  // not split: one part holding everything
    info.tensor_count = file.tensors.size();
    return info;
  }
  uint64_t index = 0, count = 0, tensor_count = 0;
  WEBGGUF_RETURN_IF_ERROR(read_split_key(file, "count", &count));
  WEBGGUF_RETURN_IF_ERROR(read_split_key(file, "no", &index));
  WEBGGUF_RETURN_IF_ERROR(read_split_key(file, "tensors.count", &tensor_count));
  if (count == 0 || count > UINT16_MAX) {
    return Status::error(format("split.count %" PRIu64 " is not in [1, 65535]", count));
  }
  if (index >= count) {
    return Status::error(format("split.no %" PRIu64 " is not below split.count %" PRIu64, index, count));
  }
  if (file.tensors.size() > tensor_count) {
    return Status::error(format("part %" PRIu64 " holds %zu tensors, more than split.tensors.count %" PRIu64, index + 1,
                                file.tensors.size(), tensor_count));
  }
  info.index = static_cast<uint32_t>(index);
  info.count = static_cast<uint32_t>(count);
  info.tensor_count = tensor_count;
  return info;
}

Status validate_split_parts(const std::vector<const GgufFile*>& parts_in_order) {
  if (parts_in_order.empty()) return Status::error("a split model needs at least one part");
  std::vector<GgufSplitInfo> infos;
  for (size_t i = 0; i < parts_in_order.size(); ++i) {
    Result<GgufSplitInfo> info = gguf_split_info(*parts_in_order[i]);
    if (!info.is_ok()) return Status::error(format("part %zu: %s", i + 1, info.status().message().c_str()));
    infos.push_back(info.value());
  }

  const GgufSplitInfo& first = infos[0];
  for (size_t i = 0; i < infos.size(); ++i) {
    const GgufSplitInfo& info = infos[i];
    if (info.count != first.count || info.tensor_count != first.tensor_count) {
      return Status::error(format("part %zu says %" PRIu32 " parts and %" PRIu64 " tensors, part 1 says %" PRIu32
                                  " parts and %" PRIu64 " tensors",
                                  i + 1, info.count, info.tensor_count, first.count, first.tensor_count));
    }
    if (info.index > i) return Status::error(format("part %zu of %" PRIu32 " is missing", i + 1, first.count));
    if (info.index < i) {
      return Status::error(format("part %" PRIu32 " of %" PRIu32 " is given twice", info.index + 1, first.count));
    }
  }
  if (infos.size() != first.count) {
    return Status::error(infos.size() < first.count
                             ? format("part %zu of %" PRIu32 " is missing", infos.size() + 1, first.count)
                             : format("%zu parts given but split.count is %" PRIu32, infos.size(), first.count));
  }

  std::unordered_map<std::string, size_t> part_of_tensor;
  uint64_t total = 0;
  for (size_t i = 0; i < parts_in_order.size(); ++i) {
    for (const GgufTensorInfo& t : parts_in_order[i]->tensors) {
      const auto [it, inserted] = part_of_tensor.emplace(t.name, i);
      if (!inserted) {
        return Status::error(format("tensor '%s' is in part %zu and part %zu", t.name.c_str(), it->second + 1, i + 1));
      }
    }
    total += parts_in_order[i]->tensors.size();
  }
  if (total != first.tensor_count) {
    return Status::error(
        format("the parts hold %" PRIu64 " tensors but split.tensors.count is %" PRIu64, total, first.tensor_count));
  }
  return Status::ok();
}

std::vector<std::string> gguf_split_part_names(const std::string& first_part_name) {
  // "-00001-of-00003.gguf": llama.cpp's "%s-%05d-of-%05d.gguf".
  static const std::string kOf = "-of-", kExtension = ".gguf";
  const size_t suffix_length = 1 + 5 + kOf.size() + 5 + kExtension.size();
  const std::string& name = first_part_name;
  if (name.size() < suffix_length) return {};
  const size_t at = name.size() - suffix_length;
  uint32_t index = 0, count = 0;
  if (name[at] != '-' || name.compare(at + 6, kOf.size(), kOf) != 0 ||
      name.compare(name.size() - kExtension.size(), kExtension.size(), kExtension) != 0 ||
      !parse_digits(name, at + 1, 5, &index) || !parse_digits(name, at + 6 + kOf.size(), 5, &count) || index == 0 ||
      count == 0 || index > count) {
    return {};
  }
  const std::string prefix = name.substr(0, at);
  std::vector<std::string> names;
  for (uint32_t i = 1; i <= count; ++i) names.push_back(prefix + format("-%05u-of-%05u.gguf", i, count));
  return names;
}

}  // namespace webgguf
