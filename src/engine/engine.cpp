#include "engine/engine.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <utility>

#include "engine/model_support.h"
#include "model/model_config.h"

namespace webgguf {

namespace {

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void fill_tokenizer_fields(const GgufFile& file, const Tokenizer& tokenizer, ModelSummary* s) {
  s->bos = tokenizer.bos();
  s->eos = tokenizer.eos();
  s->eot = tokenizer.eot();
  s->add_bos = tokenizer.adds_bos();
  s->chat_template = file.get_string("tokenizer.chat_template", "");
  s->quantization = file_type_name(s->model.file_type);
}

// Emscripten's malloc (dlmalloc, no mmap) extends its heap by less than 2 GB per request, so a
// larger buffer cannot be allocated from a small heap in one go. Allocating and freeing pieces
// below that limit first leaves one free block at the top of the heap (dlmalloc never gives
// memory back to wasm) that the whole buffer is then carved from. Pages are not touched.
void grow_heap_in_steps(size_t size_bytes) {
#ifdef __EMSCRIPTEN__
  constexpr size_t kStep = size_t{1} << 30;
  if (size_bytes <= kStep) return;
  const size_t pieces = size_bytes / kStep + 1;
  const size_t piece = size_bytes / pieces + (size_t{1} << 20);  // + room for alignment and headers
  std::vector<void*> blocks;
  for (size_t i = 0; i < pieces; ++i) {
    void* block = std::malloc(piece);
    if (block == nullptr) break;
    blocks.push_back(block);
  }
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) std::free(*it);
#else
  (void)size_bytes;
#endif
}

// The tokenizer holds its own copy of the vocabulary: the header's arrays (262,144 token strings,
// scores and types, half a million merges for Gemma) would be a second one. Released before the
// model allocates its KV cache and scratch, so the two copies never meet the model's memory at the
// peak. Only their counts are read later (the vocabulary size when there is no vocab_size key).
void release_tokenizer_arrays(GgufFile& file) {
  for (auto& entry : file.metadata) {
    GgufValue& value = entry.second;
    if (value.type != GgufValueType::ARRAY || entry.first.rfind("tokenizer.", 0) != 0) continue;
    std::vector<std::string>().swap(value.array_strings);
    std::vector<uint8_t>().swap(value.array_bytes);
  }
}

}  // namespace

Result<ModelSummary> summarize_model_header(const GgufFile& file, const Tokenizer& tokenizer,
                                            const MemoryEstimate& memory, uint32_t n_ctx) {
  Result<ModelConfig> parsed = parse_model_config(file);
  if (!parsed.is_ok()) return parsed.status();
  const ModelConfig& c = parsed.value();
  ModelSummary s;
  s.model.architecture = c.arch_name;
  s.model.name = c.name;
  for (const GgufTensorInfo& t : file.tensors) s.model.n_params += t.n_elements();
  s.model.n_vocab = c.n_vocab;
  s.model.n_ctx_train = c.n_ctx_train;
  s.model.n_ctx = static_cast<int32_t>(effective_context(c, n_ctx));
  s.model.n_embd = c.n_embd;
  s.model.n_layer = c.n_layer;
  s.model.n_head = c.n_head;
  s.model.n_head_kv = c.n_head_kv;
  s.model.n_ff = c.n_ff;
  s.model.file_type = c.file_type;
  s.model.memory = memory;
  fill_tokenizer_fields(file, tokenizer, &s);
  return s;
}

uint8_t* Engine::allocate_model(size_t size_bytes) {
  free_model();
  if (size_bytes == 0) return nullptr;
  grow_heap_in_steps(size_bytes);
  if (!file_buffer_.allocate(size_bytes)) return nullptr;
  return file_buffer_.as<uint8_t>();
}

void Engine::free_model() {
  perplexity_active_ = false;
  perplexity_ = PerplexityRun();
  imatrix_active_ = false;
  imatrix_ = ImatrixRun();
  kl_divergence_active_ = false;
  kl_divergence_ = KlDivergenceRun();
  reset_context();
  history_.shrink_to_fit();
  model_.reset();
  grammar_.reset();
  grammar_vocabulary_.reset();
  sampler_ = Sampler();  // and its candidate storage
  tokenizer_.reset();
  file_.reset();
  file_buffer_.allocate(0);
  summary_ = ModelSummary();
  has_model_identity_ = false;
  logits_.clear();
  logits_.shrink_to_fit();
}

EngineError Engine::load_model(const LoadOptions& options) {
  if (file_buffer_.data() == nullptr) {
    return EngineError::make(ErrorCode::kBadRequest, "no model buffer: call allocateModel and write the file first");
  }
  if (model_ != nullptr) {
    return EngineError::make(ErrorCode::kBadRequest, "a model is already loaded from this buffer");
  }
  if (options.n_threads < 1) {
    return EngineError::make(ErrorCode::kBadRequest, format("n_threads must be >= 1, got %d", options.n_threads));
  }
  const uint8_t* data = file_buffer_.as<uint8_t>();
  const size_t size = file_buffer_.size();
  Result<GgufFile> parsed = parse_gguf(data, size, size);
  if (!parsed.is_ok()) return EngineError::from(ErrorCode::kNotGguf, parsed.status());
  auto file = std::make_unique<GgufFile>(parsed.take());

  EngineError support = check_model_support(*file);
  if (!support.ok()) return support;
  const uint32_t n_ctx = options.n_ctx != 0
                             ? options.n_ctx
                             : largest_fitting_context(*file, size, options.cache_types, options.memory_budget);
  MemoryEstimate memory;
  EngineError fits = estimate_model_memory(*file, size, n_ctx, &memory, options.cache_types);
  if (!fits.ok()) return fits;

  Result<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::from_gguf(*file);
  if (!tokenizer.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, tokenizer.status());
  release_tokenizer_arrays(*file);
  // Sampling needs one candidate per token (3 MB for a 262k vocabulary); taken now, it fills the
  // space the header's arrays left instead of growing the heap after the KV cache.
  sampler_.reserve(static_cast<size_t>(tokenizer.value()->n_vocab()));

  ModelOptions model_options;
  model_options.n_ctx = n_ctx;
  model_options.n_threads = options.n_threads;
  model_options.cache_types = options.cache_types;
  Result<std::unique_ptr<Model>> model = Model::load(*file, data, size, model_options);
  if (!model.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, model.status());

  file_ = std::move(file);
  tokenizer_ = tokenizer.take();
  model_ = model.take();
  summary_ = ModelSummary();
  summary_.model = model_->info();
  fill_tokenizer_fields(*file_, *tokenizer_, &summary_);
  logits_.assign(static_cast<size_t>(summary_.model.n_vocab), 0.0f);
  reset_context();
  // Sized once, so heap use does not creep with the conversation (the fault tests compare it).
  history_.reserve(static_cast<size_t>(summary_.model.n_ctx));
  return EngineError::none();
}

void Engine::set_threads(int n_threads) {
  if (model_ != nullptr && n_threads >= 1) model_->set_threads(n_threads);
}

EngineError Engine::require_model() const {
  if (model_ == nullptr) return EngineError::make(ErrorCode::kNoModel, "no model is loaded");
  return EngineError::none();
}

EngineError Engine::tokenize(const std::string& text, bool add_special, bool parse_special,
                             std::vector<int32_t>* ids) const {
  EngineError e = require_model();
  if (!e.ok()) return e;
  *ids = tokenizer_->encode(text, add_special, parse_special);
  return EngineError::none();
}

EngineError Engine::detokenize(const std::vector<int32_t>& ids, bool render_special, std::string* text) const {
  EngineError e = require_model();
  if (!e.ok()) return e;
  *text = tokenizer_->decode(ids, render_special);
  return EngineError::none();
}

EngineError Engine::token_piece(int32_t id, std::string* bytes) const {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (id < 0 || id >= tokenizer_->n_vocab()) {
    return EngineError::make(ErrorCode::kBadRequest, format("token id %d is outside the vocabulary", id));
  }
  *bytes = tokenizer_->token_to_piece(id, /*render_special=*/true);
  return EngineError::none();
}

EngineError Engine::compile_grammar(const std::string& text, std::unique_ptr<GrammarMatcher>* matcher) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  // `<text>` token references: the text must be exactly one token (special tokens parsed).
  const GrammarTokenResolver resolve = [this](const std::string& token_text) -> Result<uint32_t> {
    const std::vector<int32_t> ids = tokenizer_->encode(token_text, /*add_special=*/false, /*parse_special=*/true);
    if (ids.size() != 1) {
      return Status::error(
          format("%s is not exactly one token of this model (it is %zu)", token_text.c_str(), ids.size()));
    }
    return static_cast<uint32_t>(ids[0]);
  };
  Result<Grammar> grammar = Grammar::compile(text, resolve);
  if (!grammar.is_ok()) return EngineError::from(ErrorCode::kBadRequest, grammar.status());
  if (grammar_vocabulary_ == nullptr) {
    const int32_t n_vocab = tokenizer_->n_vocab();
    std::vector<std::string> pieces(static_cast<size_t>(n_vocab));
    std::vector<bool> end_of_generation(static_cast<size_t>(n_vocab));
    for (int32_t id = 0; id < n_vocab; ++id) {
      // As llama.cpp's grammar: the piece with special tokens rendered.
      pieces[static_cast<size_t>(id)] = tokenizer_->token_to_piece(id, /*render_special=*/true);
      end_of_generation[static_cast<size_t>(id)] = tokenizer_->is_end_of_generation(id);
    }
    grammar_vocabulary_ = std::make_shared<const GrammarVocabulary>(std::move(pieces), std::move(end_of_generation));
  }
  *matcher = std::make_unique<GrammarMatcher>(std::make_shared<const Grammar>(grammar.take()), grammar_vocabulary_);
  return EngineError::none();
}

EngineError Engine::set_sampler(const SamplerParams& params, std::vector<std::string> stop_strings,
                                const std::string& grammar, int32_t top_logprobs) {
  if (top_logprobs < -1 || top_logprobs > kMaxTopLogprobs) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("top_logprobs must be in 0..%d, got %d", kMaxTopLogprobs, top_logprobs));
  }
  const Status valid = validate_sampler_params(params);
  if (!valid.is_ok()) return EngineError::from(ErrorCode::kBadRequest, valid);
  std::unique_ptr<GrammarMatcher> matcher;
  if (!grammar.empty()) {
    EngineError e = compile_grammar(grammar, &matcher);
    if (!e.ok()) return e;
  }
  (void)sampler_.configure(params);  // validated above
  grammar_ = std::move(matcher);
  top_logprobs_ = top_logprobs;
  stop_strings_ = std::move(stop_strings);
  // The new sampler starts from the tokens already in the context (for the penalties).
  begin_generation();
  return EngineError::none();
}

void Engine::begin_generation() {
  sampler_.reset();
  for (int32_t t : history_) sampler_.accept(t);
  // The grammar constrains what is generated from here, not the prompt.
  if (grammar_ != nullptr) grammar_->reset();
  stop_matcher_ = StopStringMatcher(stop_strings_);
  utf8_ = Utf8StreamDecoder();
}

EngineError Engine::set_context_shift(bool enabled, int32_t n_keep) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  const int32_t n_ctx = summary_.model.n_ctx;
  if (n_keep < 0 || n_keep > n_ctx / 2) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("n_keep %d must be between 0 and half the context (%d tokens)", n_keep, n_ctx / 2));
  }
  shift_enabled_ = enabled;
  shift_n_keep_ = n_keep;
  return EngineError::none();
}

void Engine::drop_cached(size_t n_keep, size_t count, size_t cached) {
  if (cached > n_keep + count &&
      model_->shift_context(static_cast<int32_t>(n_keep), static_cast<int32_t>(count), static_cast<int32_t>(cached))
          .is_ok()) {
    history_.resize(cached);
    history_.erase(history_.begin() + static_cast<std::ptrdiff_t>(n_keep),
                   history_.begin() + static_cast<std::ptrdiff_t>(n_keep + count));
    return;
  }
  // Nothing after the dropped range to keep, or a model whose caches cannot shift (sliding
  // windows): the kept part is evaluated again.
  history_.resize(model_->resume_point(static_cast<int32_t>(std::min(cached, n_keep))));
}

EngineError Engine::set_prompt(const std::vector<int32_t>& tokens, PromptResult* result) {
  return prefill(tokens, INT32_MAX, result);
}

EngineError Engine::prefill(const std::vector<int32_t>& tokens_in, int32_t max_tokens, PromptResult* result) {
  if (max_tokens < 1) return EngineError::make(ErrorCode::kBadRequest, "prefill needs max_tokens >= 1");
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (tokens_in.empty()) return EngineError::make(ErrorCode::kBadRequest, "the prompt has no tokens");
  const int32_t n_vocab = summary_.model.n_vocab;
  for (int32_t t : tokens_in) {
    if (t < 0 || t >= n_vocab) {
      return EngineError::make(ErrorCode::kBadRequest, format("token id %d is outside the vocabulary", t));
    }
  }
  const int32_t n_ctx = summary_.model.n_ctx;
  // After a context shift the cache holds the conversation without its dropped range.
  std::vector<int32_t> mapped;
  if (shifted_.active() && (shifted_.n_keep() != shift_n_keep_ || !shifted_.map(tokens_in, &mapped))) {
    shifted_.forget();
  }
  const std::vector<int32_t>& visible = shifted_.active() ? mapped : tokens_in;
  std::vector<int32_t> shortened;
  int32_t n_shifted = 0;
  if (visible.size() > static_cast<size_t>(n_ctx)) {
    if (!shift_enabled_) {
      return EngineError::make(ErrorCode::kContextFull,
                               format("the prompt has %zu tokens but the context holds %d; shorten the "
                                      "conversation or load the model with a larger context",
                                      visible.size(), n_ctx));
    }
    // Keep n_keep tokens and the newest half of the rest of the context: room for the reply.
    const size_t n_keep = static_cast<size_t>(shift_n_keep_);
    const size_t count = visible.size() - n_keep - (static_cast<size_t>(n_ctx) - n_keep) / 2;
    size_t cached = 0;
    while (cached < history_.size() && cached < visible.size() && history_[cached] == visible[cached]) ++cached;
    drop_cached(n_keep, count, cached);
    shifted_.drop(visible, n_keep, count);
    shortened.assign(visible.begin(), visible.begin() + static_cast<std::ptrdiff_t>(n_keep));
    shortened.insert(shortened.end(), visible.begin() + static_cast<std::ptrdiff_t>(n_keep + count), visible.end());
    n_shifted = static_cast<int32_t>(count);
  }
  const std::vector<int32_t>& tokens = n_shifted > 0 ? shortened : visible;
  const auto start = std::chrono::steady_clock::now();
  perplexity_active_ = false;

  size_t common = 0;
  while (common < history_.size() && common < tokens.size() && history_[common] == tokens[common]) ++common;
  // The last prompt token is always evaluated: its logits are what step() samples from.
  if (common == tokens.size()) --common;
  // Rolled back further than the caches reach (a sliding window's ring, a recurrent state kept only
  // at its checkpoints): continue from the nearest point before, or start over.
  common = static_cast<size_t>(model_->resume_point(static_cast<int32_t>(common)));

  history_.resize(common);
  has_logits_ = false;
  const int32_t n_new = static_cast<int32_t>(std::min<size_t>(tokens.size() - common, static_cast<size_t>(max_tokens)));
  const bool finishes = common + n_new == tokens.size();
  // Recurrent layers: checkpoint the state before the prompt's last token (where regenerate and a
  // next turn whose reply re-tokenizes differently come back to), so the last token is evaluated
  // on its own; and where an unfinished prefill stops (an abort point).
  const int32_t first_part = finishes && model_->has_recurrent_layers() ? n_new - 1 : n_new;
  const int32_t at = static_cast<int32_t>(common);
  Status status = Status::ok();
  if (first_part > 0) status = model_->forward(tokens.data() + common, first_part, at, false, logits_.data());
  if (status.is_ok() && first_part < n_new) {
    model_->save_checkpoint(at + first_part, CheckpointKind::kTurnBoundary);
    status = model_->forward(tokens.data() + common + first_part, 1, at + first_part, false, logits_.data());
  }
  if (!status.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, status);
  if (!finishes) model_->save_checkpoint(at + n_new, CheckpointKind::kAbortPoint);
  history_.insert(history_.end(), tokens.begin() + static_cast<std::ptrdiff_t>(common),
                  tokens.begin() + static_cast<std::ptrdiff_t>(common) + n_new);
  result->done = history_.size() == tokens.size();
  if (result->done) {
    has_logits_ = true;
    begin_generation();
  }

  result->n_past = static_cast<int32_t>(history_.size());
  result->n_reused = static_cast<int32_t>(common);
  result->n_evaluated = n_new;
  result->n_shifted = n_shifted;
  result->ms = milliseconds_since(start);
  return EngineError::none();
}

EngineError Engine::step(StepResult* result) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (!has_logits_) {
    return EngineError::make(ErrorCode::kBadRequest, "nothing to continue: call setPrompt first");
  }
  const int32_t n_ctx = summary_.model.n_ctx;
  *result = StepResult();
  if (history_.size() >= static_cast<size_t>(n_ctx)) {
    if (!shift_enabled_) {
      return EngineError::make(ErrorCode::kContextFull,
                               format("the context is full (%d tokens); start a new conversation or "
                                      "load the model with a larger context",
                                      n_ctx));
    }
    // Drop the oldest half after n_keep; the logits of the last position stay valid.
    const size_t n_keep = static_cast<size_t>(shift_n_keep_);
    const size_t count = (history_.size() - n_keep) / 2;
    const std::vector<int32_t> visible = history_;
    shifted_.drop(visible, n_keep, count);
    drop_cached(n_keep, count, history_.size());
    if (history_.size() + count != visible.size()) {  // not shifted in place: evaluate the kept part again
      std::vector<int32_t> kept(visible.begin(), visible.begin() + static_cast<std::ptrdiff_t>(n_keep));
      kept.insert(kept.end(), visible.begin() + static_cast<std::ptrdiff_t>(n_keep + count), visible.end());
      const size_t from = history_.size();
      Status status = model_->forward(kept.data() + from, static_cast<int32_t>(kept.size() - from),
                                      static_cast<int32_t>(from), false, logits_.data());
      if (!status.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, status);
      history_ = std::move(kept);
    }
    result->context_shifted = true;
  }
  int32_t token = -1;
  if (grammar_ != nullptr) {
    Result<int32_t> sampled = sampler_.sample(logits_.data(), logits_.size(), *grammar_);
    if (!sampled.is_ok()) return EngineError::from(ErrorCode::kBadRequest, sampled.status());
    token = sampled.value();
  } else {
    token = sampler_.sample(logits_.data(), logits_.size());
  }
  result->token = token;
  if (top_logprobs_ >= 0) {
    result->has_logprobs = true;
    compute_logprobs(logits_.data(), logits_.size(), token, top_logprobs_, &result->logprob, &result->top_logprobs);
  }
  if (tokenizer_->is_end_of_generation(token)) {
    result->end_of_generation = true;
    result->text = stop_matcher_.push(utf8_.flush()).text + stop_matcher_.flush();
    has_logits_ = false;
    result->n_past = static_cast<int32_t>(history_.size());
    return EngineError::none();
  }
  if (grammar_ != nullptr) {
    Status accepted = grammar_->accept(token);
    if (!accepted.is_ok()) return EngineError::from(ErrorCode::kBadRequest, accepted);
  }
  sampler_.accept(token);
  const StopStringMatcher::Output shown = stop_matcher_.push(utf8_.push(tokenizer_->token_to_piece(token, false)));
  result->text = shown.text;
  if (shown.stopped) {
    result->end_of_generation = true;
    result->stop_string = shown.matched;
    has_logits_ = false;
    result->n_past = static_cast<int32_t>(history_.size());
    return EngineError::none();
  }
  has_logits_ = false;
  Status status = model_->forward(&token, 1, static_cast<int32_t>(history_.size()), false, logits_.data());
  if (!status.is_ok()) return EngineError::from(ErrorCode::kInvalidModel, status);
  history_.push_back(token);
  has_logits_ = true;
  result->n_past = static_cast<int32_t>(history_.size());
  return EngineError::none();
}

void Engine::reset_context() {
  history_.clear();
  shifted_.forget();
  has_logits_ = false;
  begin_generation();
}

PerplexityProgress Engine::perplexity_progress() const {
  PerplexityProgress p;
  p.chunk = perplexity_.chunks_done();
  p.n_chunks = perplexity_.n_chunks();
  p.n_tokens = perplexity_.n_tokens();
  p.ppl = perplexity_.totals().perplexity();
  p.uncertainty = perplexity_.totals().uncertainty();
  p.done = perplexity_.done();
  return p;
}

EngineError Engine::perplexity_begin(const std::string& text, int32_t n_ctx, PerplexityProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (n_ctx <= 0) n_ctx = summary_.model.n_ctx;
  if (n_ctx > summary_.model.n_ctx) {
    return EngineError::make(ErrorCode::kBadRequest,
                             format("perplexity context %d exceeds the loaded context %d; load the "
                                    "model with n_ctx >= %d",
                                    n_ctx, summary_.model.n_ctx, n_ctx));
  }
  // As llama-perplexity: BOS added when the model adds one, special-token text not parsed.
  std::vector<int32_t> tokens = tokenizer_->encode(text, /*add_special=*/true, /*parse_special=*/false);
  const int32_t bos = tokenizer_->adds_bos() ? tokenizer_->bos() : -1;
  Result<PerplexityRun> run = PerplexityRun::plan(std::move(tokens), n_ctx, bos);
  if (!run.is_ok()) return EngineError::from(ErrorCode::kBadRequest, run.status());
  reset_context();
  perplexity_ = run.take();
  perplexity_active_ = true;
  *progress = perplexity_progress();
  return EngineError::none();
}

EngineError Engine::perplexity_next(PerplexityProgress* progress) {
  EngineError e = require_model();
  if (!e.ok()) return e;
  if (!perplexity_active_) {
    return EngineError::make(ErrorCode::kBadRequest, "no perplexity run: call perplexityBegin first");
  }
  if (!perplexity_.done()) {
    Status status = perplexity_.evaluate_next_chunk(*model_);
    if (!status.is_ok()) {
      perplexity_active_ = false;
      return EngineError::from(ErrorCode::kInvalidModel, status);
    }
  }
  *progress = perplexity_progress();
  return EngineError::none();
}

}  // namespace webgguf
