// px::train::fit: the Keras-style training loop. For each epoch: shuffle, and for each mini-batch
// forward, loss, backward, (clip), optimizer step; then validate in eval mode without grad, record
// the epoch in the History and run the callbacks. A NaN or Inf in the loss or in a gradient stops
// training with an error naming the epoch, the step and the layer.
// It does not build models or optimizers: pass your own.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "plexus/data/batch_source.hpp"
#include "plexus/data/dataset.hpp"
#include "plexus/error.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/history.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::nn {
class Module;
}
namespace plexus::optim {
class Optimizer;
}

namespace plexus::train {

class Loss;

/// A callable (pred, target) -> Tensor that Loss wraps (a Loss itself is copied, not wrapped).
template <typename F>
concept LossFunction = !std::same_as<std::remove_cvref_t<F>, Loss> &&
                       std::is_invocable_r_v<Tensor, F&, const Tensor&, const Tensor&>;

/// The loss fit() minimises: any callable (pred, target) -> scalar Tensor, or a name.
///   [](auto& p, auto& t) { return px::loss::cross_entropy(p, t); }    or    "cross_entropy"
/// Names: those of px::loss::registry() (loss/registry.hpp), with px::loss's defaults.
/// A loss by name, or a weighted function (pred, target, sample_weight), takes sample weights:
/// fit passes each batch's rows' weights (data::Dataset's weights) and weighs each batch by
/// total_weight when it averages the loss over an epoch or a validation set.
/// NOTE: for the element-wise losses (all but cross_entropy, nll, multi_margin) a target with the
/// prediction's number of elements is reshaped to its shape, so targets [B] fit predictions [B, 1].
class Loss {
 public:
  using Function = std::function<Tensor(const Tensor& pred, const Tensor& target)>;
  /// (pred, target, sample_weight [B] or empty) -> the weighted mean (loss::weighted_by_name).
  using WeightedFunction =
      std::function<Tensor(const Tensor& pred, const Tensor& target, const Tensor& sample_weight)>;

  template <LossFunction F>
  Loss(F function, std::string name = "loss")
      : function_(std::move(function)), name_(std::move(name)) {}
  Loss(const char* name) : Loss(std::string(name)) {}
  Loss(const std::string& name);
  /// A weighted loss; class_weight [C] (empty: none) is the one the function applies to class
  /// indices, which total_weight needs to say what its mean divides by.
  Loss(WeightedFunction function, std::string name, Tensor class_weight = {});

  Tensor operator()(const Tensor& pred, const Tensor& target) const {
    return function_(pred, target);
  }
  /// With sample weights (empty: the plain call); throws for a loss that takes none.
  Tensor operator()(const Tensor& pred, const Tensor& target, const Tensor& sample_weight) const;
  /// What the loss's mean over a batch divides by: sum_i s_i w_{y_i} with s_i the sample weights
  /// (1 when empty) and w the class weights (1 when none); B when neither.
  double total_weight(const Tensor& target, const Tensor& sample_weight) const;
  /// Whether it applies class weights.
  bool class_weighted() const { return class_weight_.defined(); }
  const std::string& name() const { return name_; }

 private:
  Function function_;
  WeightedFunction weighted_;  // empty for a plain callable: no sample weights
  Tensor class_weight_;
  std::string name_;
};

struct FitOptions {
  size_t epochs = 1;
  /// 1: stochastic gradient descent; the training set's size: full-batch gradient descent.
  size_t batch_size = 32;
  /// Evaluated after every epoch (eval mode, no grad): val_loss and val_<metric>.
  std::optional<data::Dataset> validation;
  /// The same from a source of batches (read from files while training), for fit() over a
  /// BatchSource; the caller keeps it alive.
  data::BatchSource* validation_batches = nullptr;
  /// By name ("accuracy", "top5", "f1", "mse", "mae", "r2", ...) or as objects (metrics::top_k(3)).
  std::vector<metrics::MetricRef> metrics;
  std::vector<CallbackRef> callbacks;
  /// 0: silent; 1: a progress bar on a terminal, one line per epoch otherwise; 2: one line per
  /// epoch always.
  int verbose = 1;
  bool shuffle = true;
  /// Picks the shuffling order of every epoch (with the epoch number); the model's own seeds
  /// (initialisation, dropout) are set where it is built.
  uint64_t seed = 0;
  /// Rescales the gradients so their global L2 norm is at most this; 0: no clipping.
  double clip_grad_norm = 0.0;
  /// Check the loss and every gradient for NaN/Inf after each backward (a pass over the gradients).
  bool check_finite = true;

  // ---- checkpoints and resuming (train/checkpoint.hpp) ----
  /// Writes a checkpoint into this folder after every epoch.
  std::optional<std::filesystem::path> checkpoint_dir;
  /// The run's configuration (JSON text) that every checkpoint carries.
  std::string checkpoint_config = "{}";
  /// Continues the run this checkpoint holds (made by fit with the same model architecture,
  /// optimizer and callbacks); `epochs` counts all epochs, those already done included.
  const Checkpoint* resume = nullptr;
  /// When this flag turns true (a signal handler may set it), fit stops after the running step,
  /// writes the last finished epoch's checkpoint into interrupt_checkpoint_dir (or
  /// checkpoint_dir; none when neither is set) and throws Interrupted. Resuming from it runs the
  /// interrupted epoch again from its start, so the result is the uninterrupted run's.
  const std::atomic<bool>* interrupt = nullptr;
  std::optional<std::filesystem::path> interrupt_checkpoint_dir;

  // ---- data-parallel training (distributed/distributed.hpp) ----
  /// Every process of an MPI job (distributed::init() called) runs fit on the same data: each
  /// takes its shard of every global batch (distributed::shard_of), the gradients of the global
  /// batch's mean loss are summed over the processes in a fixed order, and every process applies
  /// the same step, so each holds the model one process trains on the same batches (to float
  /// rounding) and the processes hold the same bits. Validation runs whole on every process.
  /// Only rank 0 shows progress and writes checkpoints; callbacks run on every process (one that
  /// writes files should ask distributed::rank()). Every batch needs at least one row per process.
  bool distributed = false;
  /// With distributed: batch norm normalises by the statistics of the global batch (synchronised
  /// batch norm). false: of each process's shard, as PyTorch's DDP does by default; faster, but
  /// the model then depends on the number of processes.
  bool sync_batch_norm = true;
};

/// Thrown by fit() when the loss or a gradient is NaN or Inf (FitOptions::check_finite). The
/// message names the epoch, the step and the parameter to blame, with a hint.
class DivergedError : public Error {
 public:
  /// What fit() blames: a gradient or a parameter that is not finite (a learning rate too high,
  /// or gradients in need of clipping), or the loss alone, its parameters and gradients finite
  /// (NaN or Inf in the data, log(0) in the loss).
  enum class Cause { gradient, parameter, loss };

  DivergedError(const std::string& message, size_t epoch, size_t step, double loss, Cause cause,
                std::string parameter)
      : Error(message),
        epoch(epoch),
        step(step),
        loss(loss),
        cause(cause),
        parameter(std::move(parameter)) {}
  size_t epoch;  ///< from 0
  size_t step;   ///< within the epoch, from 0
  double loss;   ///< the step's loss (finite when only a gradient is not)
  Cause cause;
  std::string parameter;  ///< the parameter blamed ("2.weight"); empty when the cause is the loss
};

/// Trains `model` on `train_data` and returns one EpochLog per epoch run. The model is in train()
/// mode while training and eval() mode (under a NoGradGuard) while validating; afterwards it is
/// back in the mode it had. Throws DivergedError on a NaN/Inf loss or gradient.
History fit(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
            const data::Dataset& train_data, const FitOptions& options = {});
/// The same over batches from a source (data/batch_source.hpp: e.g. rows streamed from files),
/// validating on options.validation_batches. Each epoch calls start_epoch(epoch) first, so a
/// resumed run reads the epochs it would have read. The source's batches carry no weights.
History fit(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
            data::BatchSource& train_batches, const FitOptions& options = {});

struct EvaluateOptions {
  size_t batch_size = 256;
  std::vector<metrics::MetricRef> metrics;
};

struct Evaluation {
  double loss = 0;  ///< mean per sample
  std::vector<std::pair<std::string, double>> metrics;
  /// A metric by name; throws if it was not computed.
  double metric(std::string_view name) const;
};

/// The loss and metrics of `model` on `data`, in eval mode under a NoGradGuard (the model's mode is
/// restored afterwards).
Evaluation evaluate(nn::Module& model, const Loss& loss, const data::Dataset& data,
                    const EvaluateOptions& options = {});

}  // namespace plexus::train
