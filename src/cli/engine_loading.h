// Shared by the model commands (run, perplexity): reading a GGUF file straight into the
// engine's model buffer, and the small argument parsing they have in common.
#pragma once
#include <string>

#include "engine/engine.h"

namespace webgguf {

// Prints the error (with its code) to stderr and returns false on failure.
bool load_engine_from_file(Engine& engine, const std::string& path, const LoadOptions& options);

// Whole file as text; false (and a message on stderr) when it cannot be read.
bool read_text_file(const std::string& path, std::string* text);

// Parses a whole decimal/float argument of an option; prints a usage error when it is not one.
bool parse_int_option(const char* option, const char* value, long long min, long long max, long long* out);
bool parse_float_option(const char* option, const char* value, double* out);
// -ctk / -ctv: a KV cache type name (kv_cache_type_names()), as llama.cpp's tools take them.
bool parse_cache_type_option(const char* option, const char* value, GgmlType* out);

}  // namespace webgguf
