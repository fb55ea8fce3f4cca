// The Callback base, CallbackRef's owning constructors, and what the built-in callbacks share.
#include "plexus/train/callback.hpp"

#include "base/check.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/metrics.hpp"
#include "train/callback_support.hpp"

namespace plexus::train {

const TrainContext& Callback::context() const {
  PLEXUS_CHECK(context_ != nullptr,
               "callback: the model and optimizer are known only during fit()");
  return *context_;
}

CallbackRef::CallbackRef(const EarlyStopping& options)
    : owned_(std::make_shared<EarlyStoppingCallback>(options)), callback_(owned_.get()) {}

CallbackRef::CallbackRef(const ModelCheckpoint& options)
    : owned_(std::make_shared<ModelCheckpointCallback>(options)), callback_(owned_.get()) {}

CallbackRef::CallbackRef(const LRSchedule& options)
    : owned_(std::make_shared<LRScheduleCallback>(options)), callback_(owned_.get()) {}

CallbackRef::CallbackRef(const HistoryLogger& options)
    : owned_(std::make_shared<HistoryLoggerCallback>(options)), callback_(owned_.get()) {}

bool wants_higher(Mode mode, const std::string& monitor) {
  if (mode == Mode::automatic) return metrics::higher_is_better(monitor);
  return mode == Mode::max;
}

// Whether `value` beats `best` by more than `margin` in the monitored direction; NaN never does.
bool improves(double value, double best, double margin, bool higher) {
  return higher ? value > best + margin : value < best - margin;
}

// An optional count as a number: -1 for none.
double optional_count(const std::optional<size_t>& value) {
  return value ? static_cast<double>(*value) : -1.0;
}
std::optional<size_t> count_or_none(double value) {
  if (value < 0) return std::nullopt;
  return static_cast<size_t>(value);
}
double scalar(const CallbackState& state, const std::string& name, const char* callback) {
  for (const auto& [key, value] : state.scalars)
    if (key == name) return value;
  detail::throw_error(callback, ": the checkpoint's state has no \"", name, "\"");
}

}  // namespace plexus::train
