#include "engine/engine_json.h"

#include <chrono>
#include <climits>
#include <cmath>

#include "engine/json.h"
#include "engine/model_support.h"

namespace webgguf {

namespace {

void write_memory(JsonWriter& w, const char* key, const MemoryEstimate& m) {
  w.begin_object(key)
      .field("weights_bytes", m.weights_bytes)
      .field("kv_bytes", m.kv_bytes)
      .field("recurrent_bytes", m.recurrent_bytes)
      .field("scratch_bytes", m.scratch_bytes)
      .field("total_bytes", m.total_bytes)
      .end_object();
}

void write_summary(JsonWriter& w, const ModelSummary& s) {
  const ModelInfo& m = s.model;
  w.begin_object("info")
      .field("architecture", m.architecture)
      .field("name", m.name)
      .field("n_params", m.n_params)
      .field("n_vocab", m.n_vocab)
      .field("n_ctx", m.n_ctx)
      .field("n_ctx_train", m.n_ctx_train)
      .field("n_embd", m.n_embd)
      .field("n_layer", m.n_layer)
      .field("n_head", m.n_head)
      .field("n_head_kv", m.n_head_kv)
      .field("n_ff", m.n_ff)
      .field("file_type", static_cast<uint64_t>(m.file_type))
      .field("cache_type_k", m.cache_type_k)
      .field("cache_type_v", m.cache_type_v)
      .field("quantization", s.quantization);
  write_memory(w, "memory", m.memory);
  w.field("bos", s.bos).field("eos", s.eos).field("eot", s.eot).field("add_bos", s.add_bos);
  if (s.chat_template.empty()) {
    w.null_field("chat_template");
  } else {
    w.field("chat_template", s.chat_template);
  }
  w.end_object();
}

EngineError parse_request(const std::string& json, JsonObject* out) {
  Result<JsonObject> parsed = JsonObject::parse(json.empty() ? std::string("{}") : json);
  if (!parsed.is_ok()) return EngineError::from(ErrorCode::kBadRequest, parsed.status());
  *out = parsed.take();
  return EngineError::none();
}

EngineError read_sampler_options(const JsonObject& o, SamplerParams* p, std::vector<std::string>* stops) {
  double temperature = p->temperature, top_p = p->top_p, min_p = p->min_p, repeat_penalty = p->repeat_penalty,
         frequency = p->frequency_penalty, presence = p->presence_penalty;
  int64_t top_k = p->top_k, last_n = p->repeat_last_n, seed = -1;
  Status checks[] = {
      o.read_number("temperature", &temperature),
      o.read_int("top_k", &top_k),
      o.read_number("top_p", &top_p),
      o.read_number("min_p", &min_p),
      o.read_number("repeat_penalty", &repeat_penalty),
      o.read_int("repeat_last_n", &last_n),
      o.read_number("frequency_penalty", &frequency),
      o.read_number("presence_penalty", &presence),
      o.read_int("seed", &seed),
      o.read_string_array("stop", stops),
  };
  for (const Status& s : checks) {
    if (!s.is_ok()) return EngineError::from(ErrorCode::kBadRequest, s);
  }
  if (top_k > INT32_MAX || top_k < INT32_MIN || last_n > INT32_MAX || last_n < INT32_MIN) {
    return EngineError::make(ErrorCode::kBadRequest, "top_k and repeat_last_n must fit in 32 bits");
  }
  p->temperature = static_cast<float>(temperature);
  p->top_k = static_cast<int>(top_k);
  p->top_p = static_cast<float>(top_p);
  p->min_p = static_cast<float>(min_p);
  p->repeat_penalty = static_cast<float>(repeat_penalty);
  p->repeat_last_n = static_cast<int>(last_n);
  p->frequency_penalty = static_cast<float>(frequency);
  p->presence_penalty = static_cast<float>(presence);
  // No seed: a different sequence every time, as llama.cpp's LLAMA_DEFAULT_SEED.
  p->seed = seed >= 0 ? static_cast<uint32_t>(seed)
                      : static_cast<uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return EngineError::none();
}

}  // namespace

std::string error_json(const EngineError& error) {
  return JsonWriter()
      .begin_object()
      .field("ok", false)
      .field("code", error_code_name(error.code))
      .field("error", error.message)
      .end_object()
      .text();
}

std::string EngineJsonApi::load_model(const std::string& options_json) {
  JsonObject o;
  EngineError e = parse_request(options_json, &o);
  if (!e.ok()) return error_json(e);
  int64_t n_ctx = 0, n_threads = 1;
  double memory_budget = 0;
  for (const Status& s : {o.read_int("n_ctx", &n_ctx), o.read_int("n_threads", &n_threads),
                          o.read_number("memory_budget", &memory_budget)}) {
    if (!s.is_ok()) return error_json(EngineError::from(ErrorCode::kBadRequest, s));
  }
  if (!(memory_budget >= 0) || memory_budget > 1e18) {
    return error_json(EngineError::make(ErrorCode::kBadRequest, "memory_budget must be a byte count >= 0"));
  }
  if (n_ctx < 0 || n_ctx > INT32_MAX || n_threads < 1 || n_threads > 256) {
    return error_json(EngineError::make(ErrorCode::kBadRequest, "n_ctx must be >= 0 and n_threads in 1..256"));
  }
  LoadOptions options;
  options.n_ctx = static_cast<uint32_t>(n_ctx);
  options.n_threads = static_cast<int>(n_threads);
  options.memory_budget = static_cast<uint64_t>(memory_budget);
  for (const auto& [key, type] : {std::make_pair("cache_type_k", &options.cache_types.keys),
                                  std::make_pair("cache_type_v", &options.cache_types.values)}) {
    std::string name = kv_cache_type_name(*type);
    const Status s = o.read_string(key, &name);
    if (!s.is_ok()) return error_json(EngineError::from(ErrorCode::kBadRequest, s));
    if (!parse_kv_cache_type(name, type)) {
      return error_json(EngineError::make(ErrorCode::kBadRequest, format("%s '%s' is not a KV cache type (%s)", key,
                                                                         name.c_str(), kv_cache_type_names().c_str())));
    }
  }
  e = engine_.load_model(options);
  if (!e.ok()) return error_json(e);
  return info();
}

std::string EngineJsonApi::probe_header(const uint8_t* bytes, size_t size, double file_size, int32_t n_ctx,
                                        double memory_budget) {
  const uint64_t total = file_size > 0 ? static_cast<uint64_t>(file_size) : kUnknownFileSize;
  HeaderProbe probe = probe_model_header(bytes, size, total, n_ctx > 0 ? static_cast<uint32_t>(n_ctx) : 0,
                                         memory_budget > 0 ? static_cast<uint64_t>(memory_budget) : 0);
  JsonWriter w;
  w.begin_object();
  if (probe.state == HeaderProbe::State::kNeedMore) {
    w.field("status", "need_more").field("bytesNeeded", static_cast<uint64_t>(probe.bytes_needed));
    return w.end_object().text();
  }
  if (probe.state == HeaderProbe::State::kOk) {
    Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(probe.file);
    if (!tokenizer.is_ok()) {
      probe.error = EngineError::from(ErrorCode::kInvalidModel, tokenizer.status());
    } else {
      Result<ModelSummary> summary = summarize_model_header(probe.file, *tokenizer.value(), probe.memory, probe.n_ctx);
      if (!summary.is_ok()) {
        probe.error = EngineError::from(ErrorCode::kInvalidModel, summary.status());
      } else {
        w.field("status", "ok").field("bytesNeeded", static_cast<uint64_t>(0));
        write_summary(w, summary.value());
        write_memory(w, "memory", probe.memory);
        return w.end_object().text();
      }
    }
  }
  w.field("status", "error")
      .field("bytesNeeded", static_cast<uint64_t>(0))
      .field("code", error_code_name(probe.error.code))
      .field("error", probe.error.message);
  return w.end_object().text();
}

std::vector<int32_t> EngineJsonApi::tokenize(const std::string& text, bool add_special, bool parse_special) const {
  std::vector<int32_t> ids;
  engine_.tokenize(text, add_special, parse_special, &ids);
  return ids;
}

std::string EngineJsonApi::detokenize(const std::vector<int32_t>& ids, bool render_special) const {
  std::string text;
  engine_.detokenize(ids, render_special, &text);
  return text;
}

std::string EngineJsonApi::token_piece(int32_t id) const {
  std::string bytes;
  engine_.token_piece(id, &bytes);
  return bytes;
}

std::string EngineJsonApi::set_sampler(const std::string& options_json) {
  JsonObject o;
  EngineError e = parse_request(options_json, &o);
  if (!e.ok()) return error_json(e);
  SamplerParams params;
  std::vector<std::string> stops;
  e = read_sampler_options(o, &params, &stops);
  if (!e.ok()) return error_json(e);
  std::string grammar;
  bool logprobs = false, context_shift = false;
  int64_t top_logprobs = 0, n_keep = 0;
  for (const Status& s : {o.read_string("grammar", &grammar), o.read_bool("logprobs", &logprobs),
                          o.read_int("top_logprobs", &top_logprobs), o.read_bool("context_shift", &context_shift),
                          o.read_int("n_keep", &n_keep)}) {
    if (!s.is_ok()) return error_json(EngineError::from(ErrorCode::kBadRequest, s));
  }
  if (top_logprobs < 0 || top_logprobs > kMaxTopLogprobs) {
    return error_json(
        EngineError::make(ErrorCode::kBadRequest, format("top_logprobs must be an integer in 0..%d", kMaxTopLogprobs)));
  }
  if (n_keep < 0 || n_keep > INT32_MAX) {
    return error_json(
        EngineError::make(ErrorCode::kBadRequest, format("n_keep %lld is out of range", (long long)n_keep)));
  }
  e = engine_.set_context_shift(context_shift, static_cast<int32_t>(n_keep));
  if (!e.ok()) return error_json(e);
  e = engine_.set_sampler(params, std::move(stops), grammar, logprobs ? static_cast<int32_t>(top_logprobs) : -1);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("seed", static_cast<uint64_t>(params.seed))
      .end_object()
      .text();
}

std::string EngineJsonApi::set_prompt(const std::vector<int32_t>& tokens) {
  return prefill(tokens, INT32_MAX);
}

std::string EngineJsonApi::prefill(const std::vector<int32_t>& tokens, int32_t max_tokens) {
  PromptResult r;
  EngineError e = engine_.prefill(tokens, max_tokens, &r);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("n_past", r.n_past)
      .field("n_reused", r.n_reused)
      .field("n_evaluated", r.n_evaluated)
      .field("n_shifted", r.n_shifted)
      .field("ms", r.ms)
      .field("done", r.done)
      .end_object()
      .text();
}

std::string EngineJsonApi::step() {
  StepResult r;
  EngineError e = engine_.step(&r);
  if (!e.ok()) return error_json(e);
  JsonWriter w;
  w.begin_object()
      .field("ok", true)
      .field("token", r.token)
      .field("eog", r.end_of_generation)
      .field("text", r.text)
      .field("n_past", r.n_past);
  if (!r.stop_string.empty()) w.field("stop", r.stop_string);
  if (r.context_shifted) w.field("shifted", true);
  if (r.has_logprobs) {
    w.field("logprob", static_cast<double>(r.logprob));
    w.begin_array("top_ids");
    for (const TokenLogprob& t : r.top_logprobs) w.field(nullptr, t.token);
    w.end_array().begin_array("top_logprobs");
    for (const TokenLogprob& t : r.top_logprobs) w.field(nullptr, static_cast<double>(t.logprob));
    w.end_array();
  }
  return w.end_object().text();
}

std::string EngineJsonApi::save_session(const Engine::SessionOutput& out) {
  uint64_t bytes = 0;
  const Engine::SessionOutput counted{[&](uint64_t total) {
                                        bytes = total;
                                        return out.begin(total);
                                      },
                                      out.write};
  EngineError e = engine_.save_session(counted);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("n_tokens", static_cast<int32_t>(engine_.context_tokens().size()))
      .field("bytes", bytes)
      .end_object()
      .text();
}

std::string EngineJsonApi::load_session(const uint8_t* data, size_t size) {
  int32_t n_tokens = 0;
  EngineError e = engine_.load_session(data, size, &n_tokens);
  if (!e.ok()) return error_json(e);
  return JsonWriter().begin_object().field("ok", true).field("n_tokens", n_tokens).end_object().text();
}

std::string EngineJsonApi::perplexity_begin(const std::string& text, int32_t n_ctx) {
  PerplexityProgress p;
  EngineError e = engine_.perplexity_begin(text, n_ctx, &p);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("n_chunks", p.n_chunks)
      .field("n_tokens", static_cast<uint64_t>(p.n_tokens))
      .end_object()
      .text();
}

std::string EngineJsonApi::perplexity_next() {
  PerplexityProgress p;
  EngineError e = engine_.perplexity_next(&p);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("chunk", p.chunk)
      .field("n_chunks", p.n_chunks)
      .field("ppl", p.ppl)
      .field("error_estimate", p.uncertainty)
      .field("done", p.done)
      .end_object()
      .text();
}

std::string EngineJsonApi::imatrix_begin(const std::string& text, int32_t n_ctx, int32_t max_chunks) {
  ImatrixProgress p;
  EngineError e = engine_.imatrix_begin(text, n_ctx, max_chunks, &p);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("n_chunks", p.n_chunks)
      .field("n_tokens", static_cast<uint64_t>(p.n_tokens))
      .end_object()
      .text();
}

std::string EngineJsonApi::imatrix_next() {
  ImatrixProgress p;
  EngineError e = engine_.imatrix_next(&p);
  if (!e.ok()) return error_json(e);
  return JsonWriter()
      .begin_object()
      .field("ok", true)
      .field("chunk", p.chunk)
      .field("n_chunks", p.n_chunks)
      .field("done", p.done)
      .end_object()
      .text();
}

std::string EngineJsonApi::info() const {
  if (!engine_.has_model()) return error_json(EngineError::make(ErrorCode::kNoModel, "no model is loaded"));
  JsonWriter w;
  w.begin_object().field("ok", true);
  write_summary(w, engine_.summary());
  return w.end_object().text();
}

}  // namespace webgguf
