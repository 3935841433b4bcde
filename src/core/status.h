// Errors as values: every fallible function returns Status or Result<T>.
// Nothing in the library throws across the wasm boundary or aborts.
#pragma once
#include <string>
#include <utility>

namespace webgguf {

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message), 0); }
  // "Need more bytes" is not a failure: the incremental GGUF reader asks for a longer prefix.
  static Status need_more(size_t bytes_needed, std::string message) {
    Status s(std::move(message), bytes_needed);
    return s;
  }

  bool is_ok() const { return !failed_; }
  bool needs_more() const { return failed_ && bytes_needed_ > 0; }
  size_t bytes_needed() const { return bytes_needed_; }
  const std::string& message() const { return message_; }

 private:
  Status(std::string message, size_t bytes_needed)
      : failed_(true), bytes_needed_(bytes_needed), message_(std::move(message)) {}
  bool failed_ = false;
  size_t bytes_needed_ = 0;
  std::string message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: must be an error
  bool is_ok() const { return status_.is_ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T take() { return std::move(value_); }

 private:
  Status status_;
  T value_{};
};

// Formats like printf into a std::string (for error messages naming fields and offsets).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace webgguf

#define WEBGGUF_RETURN_IF_ERROR(expr)     \
  do {                                    \
    ::webgguf::Status status_ = (expr);   \
    if (!status_.is_ok()) return status_; \
  } while (0)
