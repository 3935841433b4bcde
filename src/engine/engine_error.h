// The engine's failures, each with a stable code the JavaScript side maps to a named error class.
#pragma once
#include <string>
#include <utility>

#include "core/status.h"

namespace webgguf {

enum class ErrorCode {
  kNone,
  kNotGguf,                  // not_gguf: the bytes are not a GGUF file (or a truncated one)
  kUnsupportedArchitecture,  // unsupported_architecture
  kUnsupportedType,          // unsupported_type: a tensor type we cannot compute with
  kTooBig,                   // too_big: does not fit the address space (wasm32: 4 GB)
  kContextFull,              // context_full: the KV cache has no room for the request
  kBadRequest,               // bad_request: invalid arguments or options
  kNoModel,                  // no_model: the call needs a loaded model
  kInvalidModel,             // invalid_model: a GGUF whose contents make no model
  kInvalidSession,           // invalid_session: a saved session that is not whole or not for this model
};

const char* error_code_name(ErrorCode code);

struct EngineError {
  ErrorCode code = ErrorCode::kNone;
  std::string message;

  bool ok() const { return code == ErrorCode::kNone; }
  static EngineError none() { return EngineError{}; }
  static EngineError make(ErrorCode code, std::string message) { return EngineError{code, std::move(message)}; }
  static EngineError from(ErrorCode code, const Status& status) {
    return status.is_ok() ? EngineError{} : EngineError{code, status.message()};
  }
};

}  // namespace webgguf
