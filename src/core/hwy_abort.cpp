// Highway calls hwy::Abort on internal contract violations. We link no libhwy (it is not built
// for wasm), so we define it. It is only reachable through a bug in our kernel code.
#include "hwy/base.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace hwy {
void Abort(const char* file, int line, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::fprintf(stderr, "Highway abort at %s:%d: ", file, line);
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  va_end(args);
  std::abort();
}
}  // namespace hwy
