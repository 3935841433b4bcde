// Stop strings over streamed text: text is released only when it can no longer turn out to be
// the start of a stop string, so a caller never shows "<|us" before learning it was "<|user|>".
#pragma once
#include <string>
#include <vector>

namespace webgguf {

class StopStringMatcher {
 public:
  StopStringMatcher() = default;
  // Empty strings are ignored.
  explicit StopStringMatcher(std::vector<std::string> stop_strings);

  struct Output {
    std::string text;      // safe to show now
    bool stopped = false;  // a stop string completed; text ends right before it
    std::string matched;   // which one
  };
  // Feeds the next piece of (UTF-8 complete) text.
  Output push(const std::string& text);
  // End of generation without a stop: whatever was held back.
  std::string flush();
  void reset() { pending_.clear(); }
  bool empty() const { return stop_strings_.empty(); }

 private:
  std::vector<std::string> stop_strings_;
  std::string pending_;  // text not yet released
};

}  // namespace webgguf
