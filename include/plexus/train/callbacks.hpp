// Callbacks: code that fit() runs at fixed points of training (start, each epoch, each batch,
// end), to stop early, save checkpoints, step learning-rate schedules, report progress or log
// history. They observe and steer the loop; the loop itself lives in fit.cpp.
// One pattern for the built-in ones: a settings struct (EarlyStopping, ModelCheckpoint,
// LRSchedule, HistoryLogger) that fit's callbacks list accepts as it is, and the callback class it
// becomes (EarlyStoppingCallback, ...), to keep when its state is read afterwards.
#pragma once

#include <concepts>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "plexus/tensor/named_tensors.hpp"
#include "plexus/train/history.hpp"

namespace plexus::nn {
class Module;
}
namespace plexus::optim {
class Optimizer;
class LRScheduler;
}  // namespace plexus::optim

namespace plexus::train {

/// What a callback may look at and change during fit(), set before on_train_begin().
struct TrainContext {
  nn::Module& model;
  optim::Optimizer& optimizer;
  size_t epochs;           ///< epochs requested
  size_t steps_per_epoch;  ///< batches per epoch
  size_t samples;          ///< training samples
  bool has_validation;
  std::vector<std::string> metric_names;  ///< training metrics; validation adds "val_" versions
};

/// One optimizer step's record, for on_batch_end.
struct BatchLog {
  size_t epoch = 0;       ///< from 0
  size_t step = 0;        ///< within the epoch, from 0
  size_t batch_size = 0;  ///< samples in this batch
  double loss = 0;        ///< this batch's loss
  double mean_loss = 0;   ///< mean loss per sample over the epoch so far
};

/// What a callback needs to go on where it stood when a run resumes (see train/checkpoint.hpp):
/// named numbers and named tensors.
struct CallbackState {
  std::vector<std::pair<std::string, double>> scalars;
  NamedTensors tensors;
};

class Callback {
 public:
  virtual ~Callback() = default;
  /// Checkpoints save state() at each epoch's end; a resumed fit() calls load_state() right after
  /// on_train_begin(). Callbacks without state keep the defaults.
  virtual CallbackState state() const { return {}; }
  virtual void load_state(const CallbackState& /*state*/) {}

  virtual void on_train_begin() {}
  virtual void on_epoch_begin(size_t /*epoch*/) {}
  virtual void on_batch_end(size_t /*step*/, const BatchLog& /*log*/) {}
  virtual void on_epoch_end(size_t /*epoch*/, const EpochLog& /*logs*/) {}
  virtual void on_train_end(const History& /*history*/) {}

  /// Asks fit() to stop: after the current batch (from on_batch_end) or the current epoch.
  void stop_training() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }

  /// Called by fit() before on_train_begin(); clears an earlier stop request.
  void set_context(const TrainContext* context) {
    context_ = context;
    stop_requested_ = false;
  }

 protected:
  /// The running fit's context; throws outside fit().
  const TrainContext& context() const;
  nn::Module& model() const { return context().model; }
  optim::Optimizer& optimizer() const { return context().optimizer; }

 private:
  const TrainContext* context_ = nullptr;
  bool stop_requested_ = false;
};

struct EarlyStopping;
struct ModelCheckpoint;
struct LRSchedule;
struct HistoryLogger;

/// A callback in fit's options: an lvalue is used in place (the caller keeps it alive and can
/// read it afterwards), a temporary is moved in and owned: {early_stopping, ProgressBar()}.
/// The settings structs (EarlyStopping{...}, ModelCheckpoint{...}, LRSchedule{...},
/// HistoryLogger{...}) become owned callbacks.
class CallbackRef {
 public:
  CallbackRef(Callback& callback) : callback_(&callback) {}
  CallbackRef(const EarlyStopping& options);
  CallbackRef(const ModelCheckpoint& options);
  CallbackRef(const LRSchedule& options);
  CallbackRef(const HistoryLogger& options);
  template <typename C>
  requires std::derived_from<std::remove_cvref_t<C>, Callback> &&
      (!std::is_lvalue_reference_v<C>)CallbackRef(C&& callback)
      : owned_(std::make_shared<std::remove_cvref_t<C>>(std::forward<C>(callback))),
        callback_(owned_.get()) {}
  CallbackRef(std::shared_ptr<Callback> callback)
      : owned_(std::move(callback)), callback_(owned_.get()) {}

  Callback& get() const { return *callback_; }

 private:
  std::shared_ptr<Callback> owned_;
  Callback* callback_;
};

/// Whether a monitored value should fall or rise; automatic: rise for accuracy-like metrics
/// ("accuracy", "val_f1", ...), fall for losses and errors.
enum class Mode { automatic, min, max };

// ---- EarlyStopping
// -------------------------------------------------------------------------------

/// EarlyStopping's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::EarlyStopping{.monitor = "val_loss", .patience = 10}}
/// To read the outcome afterwards (stopped_epoch(), best_epoch()), keep an EarlyStoppingCallback.
struct EarlyStopping {
  std::string monitor = "val_loss";
  /// Epochs without improvement tolerated; training stops after the patience-th such epoch.
  size_t patience = 10;
  /// An improvement must beat the best so far by more than this.
  double min_delta = 0.0;
  Mode mode = Mode::automatic;
  /// At the end of training (early or not) the weights of the best epoch are put back.
  bool restore_best_weights = false;
};

/// The primer's early stopping: keep the best value so far; stop once `patience` epochs in a row
/// fail to improve on it by more than min_delta.
/// `px::train::EarlyStoppingCallback early({.monitor = "val_loss", .patience = 10});`
class EarlyStoppingCallback : public Callback {
 public:
  using Options = EarlyStopping;
  explicit EarlyStoppingCallback(Options options = {});

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  void on_train_end(const History& history) override;
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

  /// The epoch after which training stopped, if it stopped early.
  std::optional<size_t> stopped_epoch() const { return stopped_epoch_; }
  /// The best epoch so far and its monitored value.
  std::optional<size_t> best_epoch() const { return best_epoch_; }
  double best() const { return best_; }
  /// Epochs since the best one.
  size_t wait() const { return wait_; }

 private:
  Options options_;
  bool higher_is_better_ = false;
  double best_ = 0;
  std::optional<size_t> best_epoch_;
  std::optional<size_t> stopped_epoch_;
  size_t wait_ = 0;
  NamedTensors best_weights_;
};

// ---- ModelCheckpoint
// -----------------------------------------------------------------------------

/// ModelCheckpoint's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::ModelCheckpoint{.path = "best.safetensors", .monitor = "val_loss"}}
struct ModelCheckpoint {
  /// Where the state goes (safetensors); "{epoch}" in it becomes the epoch number (from 1).
  std::filesystem::path path;
  std::string monitor = "val_loss";
  /// Save only epochs that improve on the best so far; false: save every epoch.
  bool save_best_only = true;
  Mode mode = Mode::automatic;
};

/// Saves the model's parameters and buffers with io::save_state_dict, atomically, so an interrupted
/// run always leaves a whole checkpoint.
class ModelCheckpointCallback : public Callback {
 public:
  using Options = ModelCheckpoint;
  explicit ModelCheckpointCallback(Options options);

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

  /// The epoch saved last, if any, and its file.
  std::optional<size_t> saved_epoch() const { return saved_epoch_; }
  const std::filesystem::path& saved_path() const { return saved_path_; }

 private:
  Options options_;
  bool higher_is_better_ = false;
  std::optional<double> best_;
  std::optional<size_t> saved_epoch_;
  std::filesystem::path saved_path_;
};

// ---- LRSchedule
// ----------------------------------------------------------------------------------

/// LRSchedule's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::LRSchedule{.scheduler = &schedule, .monitor = "loss"}}
/// The caller keeps the scheduler alive.
struct LRSchedule {
  optim::LRScheduler* scheduler = nullptr;
  /// The value passed to schedules that watch a metric (ReduceLROnPlateau).
  std::string monitor = "val_loss";
  /// Step after every batch (OneCycleLR) instead of after every epoch.
  bool per_batch = false;
};

/// Steps a learning-rate schedule during fit(): scheduler.step() after each epoch (or batch), or
/// scheduler.step(logs[monitor]) for ReduceLROnPlateau.
class LRScheduleCallback : public Callback {
 public:
  using Options = LRSchedule;
  explicit LRScheduleCallback(Options options);
  /// The same with options.scheduler = &scheduler.
  explicit LRScheduleCallback(optim::LRScheduler& scheduler, Options options = {});

  void on_batch_end(size_t step, const BatchLog& log) override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  /// The schedule's own state_dict().
  CallbackState state() const override;
  void load_state(const CallbackState& state) override;

 private:
  Options options_;
};

// ---- HistoryLogger
// -------------------------------------------------------------------------------

enum class LogFormat { csv, json_lines };

/// HistoryLogger's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::HistoryLogger{.path = "history.csv"}}
struct HistoryLogger {
  std::filesystem::path path;
  /// Default: JSON lines for a ".jsonl" or ".json" path, CSV otherwise.
  std::optional<LogFormat> format;
  /// Add to an existing file instead of starting a new one (a CSV header is then not repeated).
  bool append = false;
};

/// Writes each epoch's values as one CSV row (header: epoch,loss,<metrics>,val_loss,...,lr,seconds)
/// or one JSON object per line, flushed at every epoch so a crash loses at most the current one.
class HistoryLoggerCallback : public Callback {
 public:
  using Options = HistoryLogger;
  explicit HistoryLoggerCallback(Options options);

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  void on_train_end(const History& history) override;

 private:
  Options options_;
  LogFormat format_;
  std::ofstream out_;
  bool header_written_ = false;
};

}  // namespace plexus::train
