// ModelCheckpoint: saves the model's state after an improving (or every) epoch.
#include "plexus/train/model_checkpoint.hpp"

#include <cmath>
#include <utility>

#include "base/check.hpp"
#include "plexus/io/safetensors.hpp"
#include "plexus/nn/module.hpp"
#include "train/callback_support.hpp"

namespace plexus::train {

ModelCheckpointCallback::ModelCheckpointCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(!options_.path.empty(), "ModelCheckpoint: path is empty");
}

void ModelCheckpointCallback::on_train_begin() {
  higher_is_better_ = wants_higher(options_.mode, options_.monitor);
  best_.reset();
}

void ModelCheckpointCallback::on_epoch_end(size_t epoch, const EpochLog& logs) {
  if (options_.save_best_only) {
    const double value = logs.get(options_.monitor);
    if (std::isnan(value) || (best_ && !improves(value, *best_, 0.0, higher_is_better_))) return;
    best_ = value;
  }
  std::string path = options_.path.string();
  const std::string placeholder = "{epoch}";
  for (size_t at = path.find(placeholder); at != std::string::npos; at = path.find(placeholder))
    path.replace(at, placeholder.size(), std::to_string(epoch + 1));
  io::save_state_dict(model(), path);
  saved_epoch_ = epoch;
  saved_path_ = path;
}

CallbackState ModelCheckpointCallback::state() const {
  return {{{"has_best", best_ ? 1.0 : 0.0},
           {"best", best_.value_or(0.0)},
           {"saved_epoch", optional_count(saved_epoch_)}},
          {}};
}

void ModelCheckpointCallback::load_state(const CallbackState& state) {
  best_.reset();
  if (scalar(state, "has_best", "ModelCheckpoint") != 0.0)
    best_ = scalar(state, "best", "ModelCheckpoint");
  saved_epoch_ = count_or_none(scalar(state, "saved_epoch", "ModelCheckpoint"));
}

}  // namespace plexus::train
