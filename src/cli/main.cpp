// webgguf: native command-line tool. Dispatches `webgguf COMMAND ARGS...` through kCommands.
#include <cstdio>
#include <cstring>

#include "cli/commands.h"

namespace {

void print_help(std::FILE* out) {
  std::fprintf(out, "usage: webgguf COMMAND [ARGS...]\n\ncommands:\n");
  for (const webgguf::Command& c : webgguf::kCommands) {
    std::fprintf(out, "  %-10s %-20s %s\n", c.name, c.arguments, c.summary);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return 2;
  }
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    print_help(stdout);
    return 0;
  }
  for (const webgguf::Command& c : webgguf::kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "webgguf: unknown command '%s' (see webgguf --help)\n", argv[1]);
  return 2;
}
