#include "engine/engine_error.h"

namespace webgguf {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone: return "ok";
    case ErrorCode::kNotGguf: return "not_gguf";
    case ErrorCode::kUnsupportedArchitecture: return "unsupported_architecture";
    case ErrorCode::kUnsupportedType: return "unsupported_type";
    case ErrorCode::kTooBig: return "too_big";
    case ErrorCode::kContextFull: return "context_full";
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kNoModel: return "no_model";
    case ErrorCode::kInvalidModel: return "invalid_model";
    case ErrorCode::kInvalidSession: return "invalid_session";
  }
  return "invalid_model";
}

}  // namespace webgguf
