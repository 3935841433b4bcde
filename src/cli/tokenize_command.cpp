// `webgguf tokenize MODEL -f FILE`: the token ids of FILE's exact text (no BOS/EOS added, special
// token text not parsed) on one line, each preceded by a space, as in llama.cpp's `.out` vector
// files. Needs only the tokenizer, so vocab-only GGUFs work too.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/engine_loading.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace webgguf {

int command_tokenize(int argc, char** argv) {
  std::string model_path, text_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
      text_path = argv[++i];
    } else if (argv[i][0] != '-' && model_path.empty()) {
      model_path = argv[i];
    } else {
      model_path.clear();
      break;
    }
  }
  if (model_path.empty() || text_path.empty()) {
    std::fprintf(stderr, "usage: webgguf tokenize MODEL -f FILE\n");
    return 2;
  }
  std::string file_bytes, text;
  if (!read_text_file(model_path, &file_bytes) || !read_text_file(text_path, &text)) return 1;
  Result<GgufFile> file =
      parse_gguf(reinterpret_cast<const uint8_t*>(file_bytes.data()), file_bytes.size(), file_bytes.size());
  if (!file.is_ok()) {
    std::fprintf(stderr, "webgguf tokenize: %s: %s\n", model_path.c_str(), file.status().message().c_str());
    return 1;
  }
  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(file.value());
  if (!tokenizer.is_ok()) {
    std::fprintf(stderr, "webgguf tokenize: %s: %s\n", model_path.c_str(), tokenizer.status().message().c_str());
    return 1;
  }
  const std::vector<int32_t> ids = tokenizer.value()->encode(text, /*add_special=*/false, /*parse_special=*/false);
  std::string line;
  for (int32_t id : ids) line += " " + std::to_string(id);
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace webgguf
