// The training loop and evaluate(). An epoch reads as fit.hpp says: shuffle, and for each
// mini-batch forward, loss, backward, (clip), optimizer step; then validate, record the epoch and
// run the callbacks. Where data-parallel training differs, the loop asks its ProcessGroup
// (process_group.hpp); the NaN/Inf diagnosis is in nonfinite.cpp, the checkpoints a run makes
// and resumes from in fit_checkpoint.cpp.
#include "plexus/train/fit.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <memory>

#include "base/check.hpp"
#include "plexus/data/batch_source.hpp"
#include "plexus/data/loader.hpp"
#include "plexus/loss/loss.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/module.hpp"
#include "plexus/ops/dropout.hpp"
#include "plexus/optim/clip.hpp"
#include "plexus/optim/optimizer.hpp"
#include "plexus/train/progress.hpp"
#include "train/fit_checkpoint.hpp"
#include "train/nonfinite.hpp"
#include "train/process_group.hpp"

namespace plexus::train {

namespace {

using MetricList = std::vector<std::unique_ptr<metrics::Metric>>;

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

// A DataLoader as a BatchSource: the in-memory kind of data fit trains on.
class LoaderBatches : public data::BatchSource {
 public:
  LoaderBatches(const data::Dataset& dataset, data::DataLoader::Options options)
      : loader_(dataset, options), rows_(dataset.size()) {}
  size_t rows() const override { return rows_; }
  size_t batch_size() const override { return loader_.batch_size(); }
  void start_epoch(size_t epoch) override {
    loader_.set_epoch(epoch);
    at_.emplace(loader_.begin());
    started_ = false;
  }
  // Moves on only when asked for the next batch, so that the caller has dropped the last one
  // and its blocks can be reused (loader.cpp).
  std::optional<data::Batch> next() override {
    if (started_) ++*at_;
    started_ = true;
    if (*at_ == std::default_sentinel) return std::nullopt;
    return **at_;
  }

 private:
  data::DataLoader loader_;
  size_t rows_;
  std::optional<data::DataLoader::Iterator> at_;
  bool started_ = false;
};

// Mean loss per sample (weighted by the samples' and classes' weights, as the loss is) over the
// source's data, in eval mode without grad; fills `metric_list` (unweighted). A source that gives
// each process its share of the rows (data::BatchShare) is summed over `processes`.
double run_evaluation(nn::Module& model, const Loss& loss, data::BatchSource& batches,
                      MetricList& metric_list, const ProcessGroup* processes = nullptr) {
  ModeGuard mode(model);
  model.eval();
  NoGradGuard no_grad;
  for (auto& metric : metric_list) metric->reset();
  std::array<double, 2> total_and_seen{0, 0};
  batches.start_epoch(0);
  while (const std::optional<data::Batch> next = batches.next()) {
    const data::Batch& batch = *next;
    const Tensor pred = model(batch.x);
    const bool shared = batches.share().has_value();
    PLEXUS_CHECK(!shared || processes != nullptr,
                 "evaluate: a shared stream's batches need fit's processes");
    if (batch.x.shape(0) > 0) {
      const Tensor value = loss(pred, batch.y, batch.weight);
      const double weight = loss.total_weight(batch.y, batch.weight);
      total_and_seen[0] += static_cast<double>(value.item()) * weight;
      total_and_seen[1] += weight;
    }
    if (shared) {
      const Tensor all_pred = processes->gather_rows(pred), all_y = processes->gather_rows(batch.y);
      for (auto& metric : metric_list) metric->update(all_pred, all_y);
    } else {
      for (auto& metric : metric_list) metric->update(pred, batch.y);
    }
  }
  if (processes != nullptr && batches.share()) processes->sum(total_and_seen);
  const auto [total, seen] = total_and_seen;
  return seen > 0 ? total / seen : 0.0;  // every sample weighted 0: nothing to measure
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

// One call of fit(): its settings, the loaders, metrics and callbacks, and the run so far.
class Training {
 public:
  Training(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
           data::BatchSource& train_batches, data::BatchSource* validation_batches,
           const FitOptions& options)
      : model_(model),
        optimizer_(optimizer),
        loss_(loss),
        options_(options),
        train_batches_(train_batches),
        validation_batches_(validation_batches),
        parameters_(model.named_parameters()),
        parameter_list_(parameter_list(parameters_)),
        processes_(options, train_batches.rows(), parameter_list_),
        train_metrics_(make_metrics(options.metrics)),
        val_metrics_(make_metrics(options.metrics)),
        context_{model,
                 optimizer,
                 options.epochs,
                 train_batches.num_batches(),
                 train_batches.rows(),
                 validation_batches != nullptr,
                 {}} {
    for (const auto& metric : train_metrics_) context_.metric_names.push_back(metric->name());
    if (options.verbose > 0 && processes_.lead())
      progress_.emplace(ProgressBar::Options{
          .redraw = options.verbose == 1 ? std::nullopt : std::optional(false)});
    for (const CallbackRef& ref : options.callbacks) callbacks_.push_back(&ref.get());
    if (progress_) callbacks_.push_back(&*progress_);
  }

  History run() {
    ModeGuard mode(model_);
    ContextGuard attached(callbacks_, context_);
    for (Callback* callback : callbacks_) callback->on_train_begin();
    const size_t first_epoch = resume();
    for (size_t epoch = first_epoch; epoch < options_.epochs && !stop_requested(); ++epoch) {
      train_batches_.start_epoch(epoch);
      const auto start = std::chrono::steady_clock::now();
      EpochLog log;
      log.epoch = epoch;
      log.lr = optimizer_.lr();
      for (Callback* callback : callbacks_) callback->on_epoch_begin(epoch);
      train_epoch(log);
      if (validation_batches_) validate(log);
      log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      history_.append(std::move(log));
      for (Callback* callback : callbacks_) callback->on_epoch_end(epoch, history_.last());
      remember(epoch + 1);
    }
    for (Callback* callback : callbacks_) callback->on_train_end(history_);
    return history_;
  }

 private:
  static std::vector<Tensor> parameter_list(const NamedTensors& parameters) {
    std::vector<Tensor> list;
    for (const auto& [name, parameter] : parameters) list.push_back(parameter);
    return list;
  }

  bool stop_requested() const {
    for (const Callback* callback : callbacks_)
      if (callback->stop_requested()) return true;
    return false;
  }

  // Loads options.resume, if any; returns the first epoch to run.
  size_t resume() {
    size_t first_epoch = 0;
    if (options_.resume) {
      resume_from(*options_.resume, model_, optimizer_, options_.callbacks, options_.epochs);
      history_ = options_.resume->history;
      first_epoch = options_.resume->epochs_done;
      if (options_.resume->stopped) first_epoch = options_.epochs;  // it had ended: nothing to run
    }
    if (keeps_checkpoint())
      last_ = make_checkpoint(model_, optimizer_, options_.callbacks, history_, first_epoch,
                              options_.checkpoint_config, false);
    return first_epoch;
  }

  // The run as of the last finished epoch is kept while checkpoints may be asked for.
  bool keeps_checkpoint() const {
    return processes_.lead() &&
           (options_.checkpoint_dir || (options_.interrupt && options_.interrupt_checkpoint_dir));
  }

  void remember(size_t epochs_done) {
    if (!keeps_checkpoint()) return;
    last_ = make_checkpoint(model_, optimizer_, options_.callbacks, history_, epochs_done,
                            options_.checkpoint_config, stop_requested());
    if (options_.checkpoint_dir) save_checkpoint(*options_.checkpoint_dir, *last_);
  }

  // Shuffle, then for each mini-batch: forward, loss, backward, check finite, (clip), step.
  void train_epoch(EpochLog& log) {
    model_.train();
    for (auto& metric : train_metrics_) metric->reset();
    double loss_sum = 0, seen = 0;
    while (const std::optional<data::Batch> next = train_batches_.next()) {
      const data::Batch& global_batch = *next;
      const size_t step = log.steps;
      // A shared stream gives this process its rows of the global batch; otherwise each
      // process takes its shard of the whole batch.
      const std::optional<data::BatchShare> share = train_batches_.share();
      PLEXUS_CHECK(!share || options_.distributed,
                   "fit: batches shared among processes need FitOptions::distributed");
      const int64_t global_rows =
          share ? static_cast<int64_t>(share->global_rows) : global_batch.x.shape(0);
      const distributed::Shard shard =
          share ? distributed::Shard{static_cast<int64_t>(share->offset), global_batch.x.shape(0)}
                : processes_.shard_of(global_batch);
      const data::Batch batch = share ? global_batch : processes_.rows_of(global_batch, shard);
      const Tensor global_y = share ? processes_.gather_rows(batch.y) : global_batch.y;
      const BatchRowOffsetGuard rows_at(shard.offset);
      optimizer_.zero_grad();
      const Tensor pred = model_(batch.x);
      const Tensor value = loss_(pred, batch.y, batch.weight);
      PLEXUS_CHECK(value.numel() == 1, "fit: the loss (", loss_.name(), ") must be a scalar, got ",
                   value.shape(), "; hint: use Reduction::mean");
      const double batch_loss = processes_.backward(value, shard, global_rows);
      if (options_.check_finite && (!std::isfinite(batch_loss) || !gradients_finite(parameters_)))
        throw_diverged(model_, parameters_, log.epoch, step, batch_loss);
      if (options_.clip_grad_norm > 0) clip_grad_norm(parameter_list_, options_.clip_grad_norm);
      optimizer_.step();

      const auto b = static_cast<size_t>(global_rows);
      const double weight = loss_.total_weight(global_y, share ? Tensor() : global_batch.weight);
      loss_sum += batch_loss * weight;
      seen += weight;
      if (!train_metrics_.empty()) {
        const Tensor global_pred = processes_.gather_rows(pred);
        for (auto& metric : train_metrics_) metric->update(global_pred, global_y);
      }
      ++log.steps;
      const BatchLog batch_log{log.epoch, step, b, batch_loss, seen > 0 ? loss_sum / seen : 0.0};
      for (Callback* callback : callbacks_) callback->on_batch_end(step, batch_log);
      if (options_.interrupt && processes_.any(options_.interrupt->load()))
        throw_interrupted(options_, last_, log.epoch, log.steps);
      if (stop_requested()) break;
    }
    log.loss = seen > 0 ? loss_sum / seen : 0.0;
    for (const auto& metric : train_metrics_)
      log.metrics.emplace_back(metric->name(), metric->result());
  }

  // In eval mode without grad: val_loss and the val_ metrics.
  void validate(EpochLog& log) {
    log.val_loss = run_evaluation(model_, loss_, *validation_batches_, val_metrics_, &processes_);
    for (const auto& metric : val_metrics_)
      log.metrics.emplace_back("val_" + metric->name(), metric->result());
  }

  nn::Module& model_;
  optim::Optimizer& optimizer_;
  const Loss& loss_;
  const FitOptions& options_;
  data::BatchSource& train_batches_;
  data::BatchSource* validation_batches_;
  const NamedTensors parameters_;
  const std::vector<Tensor> parameter_list_;
  ProcessGroup processes_;
  MetricList train_metrics_, val_metrics_;
  TrainContext context_;
  std::optional<ProgressBar> progress_;
  std::vector<Callback*> callbacks_;
  History history_;
  std::optional<Checkpoint> last_;
};

}  // namespace

Loss::Loss(const std::string& name)
    : function_(loss::by_name(name)), weighted_(loss::weighted_by_name(name)), name_(name) {}

Loss::Loss(WeightedFunction function, std::string name, Tensor class_weight)
    : function_([function](const Tensor& p, const Tensor& t) { return function(p, t, {}); }),
      weighted_(std::move(function)),
      class_weight_(std::move(class_weight)),
      name_(std::move(name)) {}

Tensor Loss::operator()(const Tensor& pred, const Tensor& target,
                        const Tensor& sample_weight) const {
  if (!sample_weight.defined()) return function_(pred, target);
  PLEXUS_CHECK(weighted_, "fit: the loss ", name_,
               " takes no sample weights; hint: pass a loss by name, or a function of (pred, "
               "target, sample_weight)");
  return weighted_(pred, target, sample_weight);
}

double Loss::total_weight(const Tensor& target, const Tensor& sample_weight) const {
  const auto rows = static_cast<size_t>(target.shape(0));
  if (!sample_weight.defined() && !class_weight_.defined()) return static_cast<double>(rows);
  double total = 0;
  for (size_t i = 0; i < rows; ++i) {
    const double s = sample_weight.defined() ? sample_weight.data()[i] : 1.0;
    total += class_weight_.defined()
                 ? s * class_weight_.data()[static_cast<size_t>(target.data()[i])]
                 : s;
  }
  return total;
}

double Evaluation::metric(std::string_view name) const {
  for (const auto& [metric, value] : metrics)
    if (metric == name) return value;
  detail::throw_error("evaluate: metric \"", name, "\" was not computed; pass it in .metrics");
}

Evaluation evaluate(nn::Module& model, const Loss& loss, const data::Dataset& data,
                    const EvaluateOptions& options) {
  LoaderBatches batches(data, {.batch_size = options.batch_size});
  MetricList metric_list = make_metrics(options.metrics);
  Evaluation result;
  result.loss = run_evaluation(model, loss, batches, metric_list);
  for (const auto& metric : metric_list)
    result.metrics.emplace_back(metric->name(), metric->result());
  return result;
}

History fit(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
            const data::Dataset& train_data, const FitOptions& options) {
  PLEXUS_CHECK(!options.distributed || (!train_data.weights().defined() && !loss.class_weighted()),
               "fit: sample and class weights are not supported in data-parallel training yet");
  PLEXUS_CHECK(options.validation_batches == nullptr,
               "fit: validation_batches go with a BatchSource of training batches; give a "
               "Dataset as validation");
  LoaderBatches train_batches(
      train_data,
      {.batch_size = options.batch_size, .shuffle = options.shuffle, .seed = options.seed});
  std::optional<LoaderBatches> validation_batches;
  if (options.validation)
    validation_batches.emplace(*options.validation,
                               data::DataLoader::Options{.batch_size = options.batch_size});
  FitOptions batch_options = options;
  batch_options.validation.reset();
  batch_options.validation_batches = validation_batches ? &*validation_batches : nullptr;
  return fit(model, optimizer, loss, train_batches, batch_options);
}

History fit(nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
            data::BatchSource& train_batches, const FitOptions& options) {
  PLEXUS_CHECK(options.clip_grad_norm >= 0, "fit: clip_grad_norm must be >= 0, got ",
               options.clip_grad_norm);
  PLEXUS_CHECK(options.verbose >= 0 && options.verbose <= 2, "fit: verbose must be 0, 1 or 2, got ",
               options.verbose);
  PLEXUS_CHECK(!options.validation, "fit: a BatchSource trains with validation_batches, not a ",
               "validation Dataset");
  PLEXUS_CHECK(train_batches.rows() > 0, "fit: no training rows");
  return Training(model, optimizer, loss, train_batches, options.validation_batches, options).run();
}

}  // namespace plexus::train
