// The callbacks fit() ships with: early stopping, checkpoints, schedule stepping, history logging.
// (The progress bar is in progress.cpp.)
#include "plexus/train/callbacks.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "base/check.hpp"
#include "nn/module_detail.hpp"
#include "plexus/io/safetensors.hpp"
#include "plexus/nn/module.hpp"
#include "plexus/optim/schedule.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::train {

namespace {

bool wants_higher(Mode mode, const std::string& monitor) {
  if (mode == Mode::automatic) return metrics::higher_is_better(monitor);
  return mode == Mode::max;
}

// Whether `value` beats `best` by more than `margin` in the monitored direction; NaN never does.
bool improves(double value, double best, double margin, bool higher) {
  return higher ? value > best + margin : value < best - margin;
}

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

// Shortest text that reads back as the same double; "nan" / "inf" as to_chars writes them.
std::string number(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

// A metric name as a JSON string (user-defined metrics may name themselves anything).
std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) quoted += c;
  }
  return quoted + '"';
}

}  // namespace

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

// ---- EarlyStopping -----------------------------------------------------------------------------

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

// ---- ModelCheckpoint ---------------------------------------------------------------------------

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

// ---- LRSchedule --------------------------------------------------------------------------------

LRScheduleCallback::LRScheduleCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(options_.scheduler != nullptr, "LRSchedule: scheduler is null");
  PLEXUS_CHECK(!(options_.per_batch && options_.scheduler->needs_metric()),
               "LRSchedule: a schedule that watches a metric steps per epoch, not per batch");
}

LRScheduleCallback::LRScheduleCallback(optim::LRScheduler& scheduler, Options options)
    : LRScheduleCallback([&] {
        options.scheduler = &scheduler;
        return std::move(options);
      }()) {}

void LRScheduleCallback::on_batch_end(size_t /*step*/, const BatchLog& /*log*/) {
  if (options_.per_batch) options_.scheduler->step();
}

void LRScheduleCallback::on_epoch_end(size_t /*epoch*/, const EpochLog& logs) {
  if (options_.per_batch) return;
  if (options_.scheduler->needs_metric()) {
    options_.scheduler->step(logs.get(options_.monitor));
  } else {
    options_.scheduler->step();
  }
}

// ---- HistoryLogger -----------------------------------------------------------------------------

HistoryLoggerCallback::HistoryLoggerCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(!options_.path.empty(), "HistoryLogger: path is empty");
  const auto extension = options_.path.extension();
  format_ = options_.format.value_or(
      extension == ".jsonl" || extension == ".json" ? LogFormat::json_lines : LogFormat::csv);
}

void HistoryLoggerCallback::on_train_begin() {
  namespace fs = std::filesystem;
  std::error_code error;
  header_written_ = options_.append && fs::exists(options_.path, error) &&
                    fs::file_size(options_.path, error) > 0;
  out_.close();
  out_.open(options_.path, options_.append ? std::ios::app : std::ios::trunc);
  PLEXUS_CHECK(out_.is_open(), "HistoryLogger: cannot open ", options_.path.string(), ": ",
               std::strerror(errno));
}

void HistoryLoggerCallback::on_epoch_end(size_t epoch, const EpochLog& logs) {
  const auto values = logs.values();
  if (format_ == LogFormat::csv) {
    if (!header_written_) {
      out_ << "epoch";
      for (const auto& [name, value] : values) out_ << ',' << name;
      out_ << '\n';
      header_written_ = true;
    }
    out_ << epoch;
    for (const auto& [name, value] : values) out_ << ',' << number(value);
    out_ << '\n';
  } else {
    out_ << "{\"epoch\": " << epoch;
    for (const auto& [name, value] : values)
      out_ << ", " << json_string(name) << ": " << (std::isfinite(value) ? number(value) : "null");
    out_ << "}\n";
  }
  out_.flush();
  PLEXUS_CHECK(out_.good(), "HistoryLogger: cannot write ", options_.path.string());
}

void HistoryLoggerCallback::on_train_end(const History& /*history*/) { out_.close(); }

// ---- state, for checkpoints -------------------------------------------------------------------

namespace {
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
}  // namespace

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

CallbackState LRScheduleCallback::state() const { return {options_.scheduler->state_dict(), {}}; }

void LRScheduleCallback::load_state(const CallbackState& state) {
  options_.scheduler->load_state_dict(state.scalars);
}

}  // namespace plexus::train
