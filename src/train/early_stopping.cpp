// EarlyStopping: the best value so far, the epochs since, and the best weights.
#include "plexus/train/early_stopping.hpp"

#include <cstring>
#include <limits>
#include <utility>

#include "base/check.hpp"
#include "nn/module_detail.hpp"
#include "plexus/nn/module.hpp"
#include "train/callback_support.hpp"

namespace plexus::train {

namespace {

// Copies the model's current tensors into `saved`, allocating only the first time.
void save_into(NamedTensors& saved, const nn::Module& model) {
  const NamedTensors current = model.state_dict();
  if (saved.empty()) {
    for (const auto& [name, tensor] : current) saved.emplace_back(name, tensor.clone());
    return;
  }
  for (size_t i = 0; i < current.size(); ++i)
    std::memcpy(saved[i].second.data(), current[i].second.data(),
                current[i].second.numel() * sizeof(float));
}

}  // namespace

EarlyStoppingCallback::EarlyStoppingCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(options_.min_delta >= 0, "EarlyStopping: min_delta must be >= 0, got ",
               options_.min_delta);
}

void EarlyStoppingCallback::on_train_begin() {
  higher_is_better_ = wants_higher(options_.mode, options_.monitor);
  best_ = higher_is_better_ ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  best_epoch_.reset();
  stopped_epoch_.reset();
  wait_ = 0;
}

void EarlyStoppingCallback::on_epoch_end(size_t epoch, const EpochLog& logs) {
  const double value = logs.get(options_.monitor);
  if (improves(value, best_, options_.min_delta, higher_is_better_)) {
    best_ = value;
    best_epoch_ = epoch;
    wait_ = 0;
    if (options_.restore_best_weights) save_into(best_weights_, model());
    return;
  }
  if (++wait_ >= options_.patience) {
    stopped_epoch_ = epoch;
    stop_training();
  }
}

void EarlyStoppingCallback::on_train_end(const History& /*history*/) {
  if (options_.restore_best_weights && best_epoch_)
    nn::detail::load_state_dict(model(), best_weights_, /*strict=*/true, "EarlyStopping");
}

CallbackState EarlyStoppingCallback::state() const {
  CallbackState state{{{"best", best_},
                       {"best_epoch", optional_count(best_epoch_)},
                       {"stopped_epoch", optional_count(stopped_epoch_)},
                       {"wait", static_cast<double>(wait_)}},
                      {}};
  for (const auto& [name, tensor] : best_weights_)
    state.tensors.emplace_back("best." + name, tensor);
  return state;
}

void EarlyStoppingCallback::load_state(const CallbackState& state) {
  best_ = scalar(state, "best", "EarlyStopping");
  best_epoch_ = count_or_none(scalar(state, "best_epoch", "EarlyStopping"));
  stopped_epoch_ = count_or_none(scalar(state, "stopped_epoch", "EarlyStopping"));
  wait_ = static_cast<size_t>(scalar(state, "wait", "EarlyStopping"));
  best_weights_.clear();
  for (const auto& [name, tensor] : state.tensors)
    if (name.starts_with("best.")) best_weights_.emplace_back(name.substr(5), tensor.clone());
}

}  // namespace plexus::train
