// The training loop, its validation pass, and the NaN/Inf diagnosis. Per step:
//   zero_grad -> forward -> loss -> backward -> check finite -> (clip) -> step -> metrics,
//   callbacks
#include "plexus/train/fit.hpp"

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>

#include "base/check.hpp"
#include "plexus/data/loader.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/loss/loss.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/module.hpp"
#include "plexus/ops/dropout.hpp"
#include "plexus/ops/norm.hpp"
#include "plexus/optim/clip.hpp"
#include "plexus/optim/optimizer.hpp"
#include "plexus/train/progress.hpp"

namespace plexus::train {

namespace {

using NamedParameters = NamedTensors;
using MetricList = std::vector<std::unique_ptr<metrics::Metric>>;

// ---- NaN / Inf ---------------------------------------------------------------------------------

// An IEEE float is NaN or Inf exactly when its exponent bits are all ones. Integer tests vectorise,
// so this pass costs about as much as reading the gradients once.
bool all_finite(const Tensor& t) {
  const float* x = t.data();
  const size_t n = t.numel();
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i)
    bad |= static_cast<uint32_t>((std::bit_cast<uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

bool gradients_finite(const NamedParameters& parameters) {
  for (const auto& [name, parameter] : parameters) {
    const Tensor grad = parameter.grad();
    if (grad.defined() && !all_finite(grad)) return false;
  }
  return true;
}

const char* nan_or_inf(const Tensor& t) {
  const float* x = t.data();
  for (size_t i = 0; i < t.numel(); ++i)
    if (std::isnan(x[i])) return "NaN";
  return "Inf";
}

// The module that owns parameter "1.0.weight": child "1", then its child "0".
const nn::Module& owner_of(const nn::Module& root, const std::string& parameter) {
  const nn::Module* module = &root;
  size_t begin = 0;
  for (size_t dot = parameter.find('.'); dot != std::string::npos;
       begin = dot + 1, dot = parameter.find('.', begin)) {
    const std::string_view child(parameter.data() + begin, dot - begin);
    const nn::Module* next = nullptr;
    for (const auto& [name, m] : module->children())
      if (name == child) next = m.get();
    if (next == nullptr) break;
    module = next;
  }
  return *module;
}

std::string describe(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  std::ostringstream text;
  text << value;
  return text.str();
}

// The error for a non-finite loss or gradient: blames the first parameter (in named_parameters()
// order) whose gradient is not finite, else the first whose value is not.
[[noreturn]] void throw_non_finite(const nn::Module& model, const NamedParameters& parameters,
                                   size_t epoch, size_t step, double loss) {
  std::ostringstream message;
  message << "epoch " << epoch + 1 << ", step " << step + 1 << ": loss is " << describe(loss);
  for (const auto& [name, parameter] : parameters) {
    const Tensor grad = parameter.grad();
    if (grad.defined() && !all_finite(grad)) {
      message << "; gradient of " << name << " (" << owner_of(model, name).name() << ") has "
              << nan_or_inf(grad)
              << ". hint: lower the learning rate or clip gradients (clip_grad_norm)";
      throw Error(message.str());
    }
  }
  for (const auto& [name, parameter] : parameters) {
    if (!all_finite(parameter)) {
      message << "; " << name << " (" << owner_of(model, name).name() << ") holds "
              << nan_or_inf(parameter)
              << ". hint: lower the learning rate or clip gradients (clip_grad_norm)";
      throw Error(message.str());
    }
  }
  message << "; the parameters and their gradients are finite. hint: check the inputs and "
             "targets for NaN or Inf, and the loss for log(0)";
  throw Error(message.str());
}

// ---- shared pieces -----------------------------------------------------------------------------

// Puts the model back in the mode it had, also when training throws.
class ModeGuard {
 public:
  explicit ModeGuard(nn::Module& model) : model_(model), training_(model.is_training()) {}
  ~ModeGuard() { model_.train(training_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  nn::Module& model_;
  bool training_;
};

MetricList make_metrics(const std::vector<metrics::MetricRef>& refs) {
  MetricList list;
  for (const auto& ref : refs) list.push_back(ref.make());
  return list;
}

// Mean loss per sample over the loader's data, in eval mode without grad; fills `metric_list`.
double run_evaluation(nn::Module& model, const Loss& loss, data::DataLoader& loader,
                      MetricList& metric_list) {
  ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;
  for (auto& metric : metric_list) metric->reset();
  double total = 0;
  size_t seen = 0;
  for (const data::Batch& batch : loader) {
    const Tensor pred = model(batch.x);
    const Tensor value = loss(pred, batch.y);
    const auto b = static_cast<size_t>(batch.x.shape(0));
    total += static_cast<double>(value.item()) * static_cast<double>(b);
    seen += b;
    for (auto& metric : metric_list) metric->update(pred, batch.y);
  }
  return total / static_cast<double>(seen);
}

// Detaches the callbacks from the context when fit() ends, also by an exception.
class ContextGuard {
 public:
  ContextGuard(const std::vector<Callback*>& callbacks, const TrainContext& context)
      : callbacks_(callbacks) {
    for (Callback* callback : callbacks_) callback->set_context(&context);
  }
  ~ContextGuard() {
    for (Callback* callback : callbacks_) callback->set_context(nullptr);
  }
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  const std::vector<Callback*>& callbacks_;
};

// Copies, so that later training does not change what was saved.
NamedTensors copies(const NamedTensors& tensors) {
  NamedTensors out;
  for (const auto& [name, tensor] : tensors) out.emplace_back(name, tensor.clone());
  return out;
}

Checkpoint make_checkpoint(nn::Module& model, const optim::Optimizer& optimizer,
                           const std::vector<CallbackRef>& callbacks, const History& history,
                           size_t epochs_done, const std::string& config, bool stopped) {
  Checkpoint checkpoint{epochs_done,
                        history,
                        copies(model.state_dict()),
                        optimizer.state_dict(),
                        {},
                        generator_states(model),
                        config,
                        stopped};
  checkpoint.optimizer.tensors = copies(checkpoint.optimizer.tensors);
  for (const CallbackRef& ref : callbacks) {
    CallbackState state = ref.get().state();
    state.tensors = copies(state.tensors);
    checkpoint.callbacks.push_back(std::move(state));
  }
  return checkpoint;
}

void resume_from(const Checkpoint& checkpoint, nn::Module& model, optim::Optimizer& optimizer,
                 const std::vector<CallbackRef>& callbacks, size_t epochs) {
  PLEXUS_CHECK(checkpoint.epochs_done <= epochs, "fit: the checkpoint has ", checkpoint.epochs_done,
               " epochs done, more than the ", epochs, " asked for (epochs counts them all)");
  // Callbacks with state (early stopping, schedules, checkpoints) are matched in order; those
  // without (progress, diagnostics, loggers) may come and go between the runs.
  std::vector<const CallbackState*> saved;
  for (const CallbackState& state : checkpoint.callbacks)
    if (!state.scalars.empty() || !state.tensors.empty()) saved.push_back(&state);
  std::vector<Callback*> stateful;
  for (const CallbackRef& ref : callbacks) {
    const CallbackState state = ref.get().state();
    if (!state.scalars.empty() || !state.tensors.empty()) stateful.push_back(&ref.get());
  }
  PLEXUS_CHECK(saved.size() == stateful.size(), "fit: the checkpoint was made with ", saved.size(),
               " callbacks that keep state (early stopping, schedules), this run has ",
               stateful.size(), "; resume with the callbacks it was made with");
  model.load_state_dict(checkpoint.model);
  optimizer.load_state_dict(checkpoint.optimizer);
  for (size_t i = 0; i < stateful.size(); ++i) stateful[i]->load_state(*saved[i]);
  set_generator_states(model, checkpoint.generators);
}

[[noreturn]] void throw_interrupted(const FitOptions& options,
                                    const std::optional<Checkpoint>& last, size_t epoch,
                                    size_t steps) {
  // Data-parallel training keeps `last` on rank 0 only: the others write nothing.
  std::filesystem::path dir;
  if (options.interrupt_checkpoint_dir)
    dir = *options.interrupt_checkpoint_dir;
  else if (options.checkpoint_dir)
    dir = *options.checkpoint_dir;
  std::string where = "no checkpoint was asked for";
  if (!dir.empty() && last) {
    save_checkpoint(dir, *last);
    where = "checkpoint of " + std::to_string(last->epochs_done) + " finished epochs in " +
            dir.string();
  }
  throw Interrupted("fit: interrupted in epoch " + std::to_string(epoch + 1) + " after " +
                        std::to_string(steps) + " steps; " + where,
                    epoch, steps, last && !dir.empty() ? dir : std::filesystem::path());
}

}  // namespace

Loss::Loss(const std::string& name) : function_(loss::by_name(name)), name_(name) {}

double Evaluation::metric(std::string_view name) const {
  for (const auto& [metric, value] : metrics)
    if (metric == name) return value;
  detail::throw_error("evaluate: metric \"", name, "\" was not computed; pass it in .metrics");
}

Evaluation evaluate(nn::Module& model, const Loss& loss, const data::Dataset& data,
                    const EvaluateOptions& options) {
  data::DataLoader loader(data, {.batch_size = options.batch_size});
  MetricList metric_list = make_metrics(options.metrics);
  Evaluation result;
  result.loss = run_evaluation(model, loss, loader, metric_list);
  for (const auto& metric : metric_list)
    result.metrics.emplace_back(metric->name(), metric->result());
  return result;
}

History fit(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
            const data::Dataset& train_data, const FitOptions& options) {
  using Clock = std::chrono::steady_clock;
  const bool distributed = options.distributed;
  PLEXUS_CHECK(!distributed || distributed::initialized(),
               "fit: distributed needs distributed::init() first, in a process mpirun started");
  const int rank = distributed ? distributed::rank() : 0;
  const int world = distributed ? distributed::world_size() : 1;
  const bool lead = rank == 0;
  if (distributed) {
    const size_t rows = train_data.size();
    const size_t last_batch =
        rows % options.batch_size ? rows % options.batch_size : std::min(rows, options.batch_size);
    PLEXUS_CHECK(std::min(options.batch_size, last_batch) >= static_cast<size_t>(world),
                 "fit: a batch of ", std::min(options.batch_size, last_batch), " rows (", rows,
                 " rows in batches of ", options.batch_size, ") cannot give each of ", world,
                 " processes a row; use fewer processes or another batch size");
  }
  PLEXUS_CHECK(options.clip_grad_norm >= 0, "fit: clip_grad_norm must be >= 0, got ",
               options.clip_grad_norm);
  PLEXUS_CHECK(options.verbose >= 0 && options.verbose <= 2, "fit: verbose must be 0, 1 or 2, got ",
               options.verbose);
  data::DataLoader loader(
      train_data,
      {.batch_size = options.batch_size, .shuffle = options.shuffle, .seed = options.seed});
  std::optional<data::DataLoader> validation_loader;
  if (options.validation)
    validation_loader.emplace(*options.validation,
                              data::DataLoader::Options{.batch_size = options.batch_size});

  const NamedParameters parameters = model.named_parameters();
  std::vector<Tensor> parameter_list;
  for (const auto& [name, parameter] : parameters) parameter_list.push_back(parameter);
  MetricList train_metrics = make_metrics(options.metrics);
  MetricList val_metrics = make_metrics(options.metrics);

  TrainContext context{model,
                       optimizer,
                       options.epochs,
                       loader.num_batches(),
                       train_data.size(),
                       options.validation.has_value(),
                       {}};
  for (const auto& metric : train_metrics) context.metric_names.push_back(metric->name());

  std::optional<ProgressBar> progress;
  if (options.verbose > 0 && lead)
    progress.emplace(
        ProgressBar::Options{.redraw = options.verbose == 1 ? std::nullopt : std::optional(false)});
  std::vector<Callback*> callbacks;
  for (const CallbackRef& ref : options.callbacks) callbacks.push_back(&ref.get());
  if (progress) callbacks.push_back(&*progress);
  const auto stop_requested = [&] {
    for (const Callback* callback : callbacks)
      if (callback->stop_requested()) return true;
    return false;
  };

  ModeGuard mode(model);
  ContextGuard attached(callbacks, context);
  for (Callback* callback : callbacks) callback->on_train_begin();

  History history;
  size_t first_epoch = 0;
  if (options.resume) {
    resume_from(*options.resume, model, optimizer, options.callbacks, options.epochs);
    history = options.resume->history;
    first_epoch = options.resume->epochs_done;
    if (options.resume->stopped) first_epoch = options.epochs;  // it had ended: nothing to run
    loader.set_epoch(first_epoch);
  }
  // The run as of the last finished epoch, kept while checkpoints may be asked for.
  const bool keep_checkpoint =
      lead && (options.checkpoint_dir || (options.interrupt && options.interrupt_checkpoint_dir));
  std::optional<Checkpoint> last;
  const auto remember = [&](size_t epochs_done) {
    if (!keep_checkpoint) return;
    last = make_checkpoint(model, optimizer, options.callbacks, history, epochs_done,
                           options.checkpoint_config, stop_requested());
    if (options.checkpoint_dir) save_checkpoint(*options.checkpoint_dir, *last);
  };
  if (keep_checkpoint)
    last = make_checkpoint(model, optimizer, options.callbacks, history, first_epoch,
                           options.checkpoint_config, false);

  std::optional<distributed::GradientReducer> gradients;
  distributed::SyncBatchStatistics batch_statistics;
  const BatchStatisticsReducerGuard synchronised(
      distributed && options.sync_batch_norm ? &batch_statistics : batch_statistics_reducer());
  if (distributed) gradients.emplace(parameter_list);

  for (size_t epoch = first_epoch; epoch < options.epochs && !stop_requested(); ++epoch) {
    const auto start = Clock::now();
    EpochLog log;
    log.epoch = epoch;
    log.lr = optimizer.lr();
    for (Callback* callback : callbacks) callback->on_epoch_begin(epoch);

    model.train();
    for (auto& metric : train_metrics) metric->reset();
    double loss_sum = 0;
    size_t seen = 0;
    for (const data::Batch& global_batch : loader) {
      const size_t step = log.steps;
      const int64_t global_rows = global_batch.x.shape(0);
      const distributed::Shard shard = distributed ? distributed::shard_of(global_rows, rank, world)
                                                   : distributed::Shard{0, global_rows};
      const data::Batch batch =
          distributed
              ? data::Batch{global_batch.x.slice_rows(shard.offset, shard.offset + shard.rows),
                            global_batch.y.slice_rows(shard.offset, shard.offset + shard.rows)}
              : global_batch;
      const BatchRowOffsetGuard rows_at(shard.offset);
      optimizer.zero_grad();
      const Tensor pred = model(batch.x);
      const Tensor value = loss(pred, batch.y);
      PLEXUS_CHECK(value.numel() == 1, "fit: the loss (", loss.name(), ") must be a scalar, got ",
                   value.shape(), "; hint: use Reduction::mean");
      double batch_loss = value.item();
      if (distributed) {
        // The global batch's mean loss is the shards' means weighted by their share of its rows.
        value.backward(
            Tensor::scalar(static_cast<float>(shard.rows) / static_cast<float>(global_rows)));
        gradients->all_reduce();
        std::array<double, 1> loss_sum_of_shard{batch_loss * static_cast<double>(shard.rows)};
        distributed::all_reduce_sum(loss_sum_of_shard);
        batch_loss = loss_sum_of_shard[0] / static_cast<double>(global_rows);
      } else {
        value.backward();
      }
      if (options.check_finite && (!std::isfinite(batch_loss) || !gradients_finite(parameters)))
        throw_non_finite(model, parameters, epoch, step, batch_loss);
      if (options.clip_grad_norm > 0) clip_grad_norm(parameter_list, options.clip_grad_norm);
      optimizer.step();

      const auto b = static_cast<size_t>(global_rows);
      loss_sum += batch_loss * static_cast<double>(b);
      seen += b;
      if (!train_metrics.empty()) {
        const Tensor global_pred = distributed ? distributed::all_gather_rows(pred) : pred;
        for (auto& metric : train_metrics) metric->update(global_pred, global_batch.y);
      }
      ++log.steps;
      const BatchLog batch_log{epoch, step, b, batch_loss, loss_sum / static_cast<double>(seen)};
      for (Callback* callback : callbacks) callback->on_batch_end(step, batch_log);
      if (options.interrupt) {
        // Under distributed the processes agree, so that they all stop after the same step.
        std::array<double, 1> raised{options.interrupt->load() ? 1.0 : 0.0};
        if (distributed) distributed::all_reduce_sum(raised);
        if (raised[0] > 0) throw_interrupted(options, last, epoch, log.steps);
      }
      if (stop_requested()) break;
    }

    log.loss = loss_sum / static_cast<double>(seen);
    for (const auto& metric : train_metrics)
      log.metrics.emplace_back(metric->name(), metric->result());
    if (validation_loader) {
      log.val_loss = run_evaluation(model, loss, *validation_loader, val_metrics);
      for (const auto& metric : val_metrics)
        log.metrics.emplace_back("val_" + metric->name(), metric->result());
    }
    log.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    history.append(std::move(log));
    for (Callback* callback : callbacks) callback->on_epoch_end(epoch, history.last());
    remember(epoch + 1);
  }
  for (Callback* callback : callbacks) callback->on_train_end(history);
  return history;
}

}  // namespace plexus::train
