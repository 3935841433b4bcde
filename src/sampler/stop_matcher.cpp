#include "sampler/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace webgguf {

StopStringMatcher::StopStringMatcher(std::vector<std::string> stop_strings) {
  for (std::string& s : stop_strings) {
    if (!s.empty()) stop_strings_.push_back(std::move(s));
  }
}

StopStringMatcher::Output StopStringMatcher::push(const std::string& text) {
  pending_ += text;
  Output out;
  // The earliest complete stop string wins; a longer one at the same place wins a tie.
  size_t stop_at = std::string::npos;
  for (const std::string& stop : stop_strings_) {
    const size_t at = pending_.find(stop);
    if (at == std::string::npos) continue;
    if (at < stop_at || (at == stop_at && stop.size() > out.matched.size())) {
      stop_at = at;
      out.matched = stop;
    }
  }
  if (stop_at != std::string::npos) {
    out.text = pending_.substr(0, stop_at);
    out.stopped = true;
    pending_.clear();
    return out;
  }
  // Hold back the longest tail of pending_ that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stop_strings_) {
    const size_t longest = std::min(stop.size() - 1, pending_.size());
    for (size_t n = longest; n > hold; --n) {
      if (pending_.compare(pending_.size() - n, n, stop, 0, n) == 0) {
        hold = n;
        break;
      }
    }
  }
  out.text = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopStringMatcher::flush() {
  std::string rest;
  rest.swap(pending_);
  return rest;
}

}  // namespace webgguf
