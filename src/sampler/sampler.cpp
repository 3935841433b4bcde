#include "sampler/sampler.h"

#include <cmath>

namespace webgguf {

namespace {
// Filters keep at least one token, like llama.cpp's common default.
constexpr size_t kMinKeep = 1;
}  // namespace

Status validate_sampler_params(const SamplerParams& p) {
  if (!std::isfinite(p.temperature)) return Status::error("temperature must be a finite number");
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) {
    return Status::error(format("top_p must be in (0, 1], got %g", p.top_p));
  }
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    return Status::error(format("min_p must be in [0, 1], got %g", p.min_p));
  }
  if (!(p.repeat_penalty > 0.0f) || !std::isfinite(p.repeat_penalty)) {
    return Status::error(format("repeat_penalty must be > 0, got %g", p.repeat_penalty));
  }
  if (p.repeat_last_n < -1) {
    return Status::error(format("repeat_last_n must be >= -1, got %d", p.repeat_last_n));
  }
  if (!std::isfinite(p.frequency_penalty) || !std::isfinite(p.presence_penalty)) {
    return Status::error("frequency_penalty and presence_penalty must be finite numbers");
  }
  return Status::ok();
}

Sampler::Sampler(const SamplerParams& params) : params_(params) {
  build_stages();
}

Result<Sampler> Sampler::create(const SamplerParams& params) {
  WEBGGUF_RETURN_IF_ERROR(validate_sampler_params(params));
  return Sampler(params);
}

Status Sampler::configure(const SamplerParams& params) {
  WEBGGUF_RETURN_IF_ERROR(validate_sampler_params(params));
  params_ = params;
  build_stages();
  return Status::ok();
}

void Sampler::reserve(size_t n_vocab) {
  candidates_.items.reserve(n_vocab);
}

void Sampler::build_stages() {
  const SamplerParams& params = params_;
  stages_.clear();
  stages_.push_back(std::make_unique<PenaltyStage>(params.repeat_last_n, params.repeat_penalty,
                                                   params.frequency_penalty, params.presence_penalty));
  if (params.temperature <= 0.0f) {
    stages_.push_back(std::make_unique<GreedyStage>());
    return;
  }
  stages_.push_back(std::make_unique<TopKStage>(params.top_k));
  stages_.push_back(std::make_unique<TopPStage>(params.top_p, kMinKeep));
  stages_.push_back(std::make_unique<MinPStage>(params.min_p, kMinKeep));
  stages_.push_back(std::make_unique<TemperatureStage>(params.temperature));
  stages_.push_back(std::make_unique<DistStage>(params.seed));
}

int32_t Sampler::sample(const float* logits, size_t n_vocab) {
  CandidateList& candidates = candidates_;
  candidates.fill(logits, n_vocab);
  for (auto& stage : stages_) stage->apply(candidates);
  if (candidates.selected < 0 || candidates.selected >= static_cast<int>(candidates.items.size())) {
    return -1;
  }
  return candidates.items[candidates.selected].id;
}

Result<int32_t> Sampler::sample(const float* logits, size_t n_vocab, GrammarMatcher& grammar) {
  const int32_t first = sample(logits, n_vocab);
  if (first < 0) return first;
  Result<bool> allowed = grammar.allows(first);
  if (!allowed.is_ok()) return allowed.status();
  if (allowed.value()) return first;
  CandidateList& candidates = candidates_;
  candidates.fill(logits, n_vocab);
  size_t n_allowed = 0;
  WEBGGUF_RETURN_IF_ERROR(grammar.apply(candidates, &n_allowed));
  if (n_allowed == 0) {
    return Status::error("grammar: no token of the vocabulary can continue the text here");
  }
  for (auto& stage : stages_) stage->apply(candidates);
  if (candidates.selected < 0 || candidates.selected >= static_cast<int>(candidates.items.size())) {
    return Status::error("grammar: the sampler selected no token");
  }
  return candidates.items[candidates.selected].id;
}

void Sampler::accept(int32_t token) {
  for (auto& stage : stages_) stage->accept(token);
}

void Sampler::reset() {
  for (auto& stage : stages_) stage->reset();
}

std::vector<const char*> Sampler::stage_names() const {
  std::vector<const char*> names;
  for (const auto& stage : stages_) names.push_back(stage->name());
  return names;
}

}  // namespace webgguf
