// Callback: code that fit() runs at fixed points of training (start, each epoch, each batch,
// end), what it may look at (TrainContext, BatchLog), the state it keeps across a resumed run
// (CallbackState), and CallbackRef, how fit's options hold one. The built-in callbacks have a
// header each; callbacks.hpp includes them all.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "plexus/base/named_scalars.hpp"
#include "plexus/tensor/named_tensors.hpp"
#include "plexus/train/history.hpp"

namespace plexus::nn {
class Module;
}
namespace plexus::optim {
class Optimizer;
}

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
  NamedScalars scalars;
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

/// A callback that CallbackRef takes by value and owns: a temporary of a Callback class.
template <typename C>
concept OwnedCallback =
    std::derived_from<std::remove_cvref_t<C>, Callback> && !std::is_lvalue_reference_v<C>;

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
  template <OwnedCallback C>
  CallbackRef(C&& callback)
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

}  // namespace plexus::train
