// The recipe: build the network, standardise a regression target, wire the optimizer, schedule and
// early stopping into fit, and fold the target's scale back into the last layer.
#include "plexus/train/recipe.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/loss/loss.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/categorical_embedding.hpp"
#include "plexus/nn/dropout.hpp"
#include "plexus/nn/feature_scale.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/periodic_embedding.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/nn/sort.hpp"
#include "plexus/ops/reduce.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {
namespace {

struct Standardisation {
  double mean = 0, std = 1;
};

/// The mean and population std of regression targets (std 0 counts as 1).
Standardisation standardisation_of(const Tensor& y) {
  Standardisation out;
  const size_t n = std::max<size_t>(1, y.numel());
  for (size_t i = 0; i < y.numel(); ++i) out.mean += y.data()[i];
  out.mean /= static_cast<double>(n);
  double variance = 0;
  for (size_t i = 0; i < y.numel(); ++i)
    variance += (y.data()[i] - out.mean) * (y.data()[i] - out.mean);
  out.std = std::sqrt(variance / static_cast<double>(n));
  if (!(out.std > 0)) out.std = 1;
  return out;
}

Tensor standardised(const Tensor& y, const Standardisation& s) {
  if (!y.defined()) return y;
  Tensor out = y.clone();
  for (size_t i = 0; i < out.numel(); ++i)
    out.data()[i] = static_cast<float>((out.data()[i] - s.mean) / s.std);
  return out;
}

bool schedule_steps_per_batch(const std::string& name) {
  for (const auto& info : optim::schedules())
    if (info.name == name) return info.per_batch;
  return false;
}

// Label smoothing is an option of cross_entropy rather than a loss of its own. Every loss takes
// the rows' weights.
Loss training_loss(const std::string& name, std::optional<double> label_smoothing,
                   const std::vector<double>& quantiles) {
  if (!quantiles.empty())
    return Loss(loss::weighted_pinball(std::vector<float>(quantiles.begin(), quantiles.end())),
                name);
  if (!label_smoothing && name == "cross_entropy") label_smoothing = kDefaultLabelSmoothing;
  if (!label_smoothing || *label_smoothing == 0.0) return Loss(loss::weighted_by_name(name), name);
  PLEXUS_CHECK(name == "cross_entropy",
               "train_model: label smoothing needs the cross_entropy loss, not ", name);
  const auto eps = static_cast<float>(*label_smoothing);
  return Loss(
      [eps](const Tensor& logits, const Tensor& target, const Tensor& weight) {
        return loss::cross_entropy(logits, target,
                                   {.label_smoothing = eps, .sample_weight = weight});
      },
      name);
}

// Each row's weight: its sample weight (1 without) times its class's weight (1 without). Empty
// when neither is given.
// NOTE: class weights weigh whole rows, as scikit-learn's and Keras' class_weight do. That is
// PyTorch's CrossEntropyLoss(weight=...) without label smoothing; with it, PyTorch also weighs
// each class's share of the smoothing, which with balanced weights on a rare class pulls every
// row toward that class (measured in docs/WEIGHTS.md).
Tensor row_weights(const Tensor& sample_weight, const Tensor& classes,
                   const std::vector<double>& class_weights) {
  if (class_weights.empty() || !classes.defined()) return sample_weight;
  Tensor out = Tensor::empty({static_cast<int64_t>(classes.numel())});
  for (size_t i = 0; i < classes.numel(); ++i)
    out.data()[i] = static_cast<float>(class_weights[static_cast<size_t>(classes.data()[i])] *
                                       (sample_weight.defined() ? sample_weight.data()[i] : 1.0f));
  return out;
}

// "name=weight": the class and its weight.
std::pair<std::string, double> class_and_weight(const std::string& item) {
  const size_t equals = item.find('=');
  PLEXUS_CHECK(equals != std::string::npos && equals > 0, "class weights: \"", item,
               "\" is not name=weight; use balanced or, e.g., yes=5,no=1");
  const auto trimmed = [](std::string text) {
    text.erase(0, text.find_first_not_of(' '));
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
  };
  const std::string name = trimmed(item.substr(0, equals)), text = trimmed(item.substr(equals + 1));
  size_t used = 0;
  double weight = -1;
  try {
    weight = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  PLEXUS_CHECK(used == text.size() && used > 0 && std::isfinite(weight) && weight >= 0,
               "class weights: the weight of ", name, ", \"", text,
               "\", is not a finite non-negative number");
  return {name, weight};
}

// The width of a high-cardinality categorical column's embedding, measured (bench/TABULAR.md).
constexpr int64_t kCategoryEmbeddingDim = 32;

}  // namespace

Recipe default_recipe(data::Task task, int64_t training_rows) {
  // Measured on the tabular benchmark's classification sets below 8,192 rows and on its held-out
  // sets (bench/TABULAR.md, "Small tables"): twice the steps per epoch, 3-8% less error; and
  // early stopping that waits 30 epochs of up to 200, as a small validation set's loss is noisy
  // (held-out sets 0.140 -> 0.131, about twice the time of a run that took 0.1-1.3 s).
  if (task == data::Task::classification) {
    Recipe recipe;
    if (training_rows > 0 && training_rows < kSmallTableRows) {
      recipe.batch_size = 64;
      recipe.epochs = 200;
      recipe.early_stopping = 30;
    }
    return recipe;
  }
  // Measured on the tabular benchmark's 5 regression sets over 8 splits (bench/TABULAR.md, "How
  // the recipe was chosen", blocks 5 and 6): RMSE/std 0.718 -> 0.656. The embedding and the small
  // batches help the small sets most (Servo, Ozone); without the larger step and weight decay
  // they do not. Classification measured better without them.
  return {.dropout = 0.0,
          .embedding = "periodic",
          .feature_scale = true,
          .lr = 3e-3,
          .weight_decay = 1e-3,
          .batch_size = 32};
}

int64_t embeddable_inputs(const data::PreparedData& data) {
  if (data.preprocessing)
    return static_cast<int64_t>(data.preprocessing->numeric_value_outputs().size());
  return data.x_train.defined() && data.x_train.rank() == 2 ? data.x_train.shape(1) : 0;
}

Recipe default_recipe(const data::PreparedData& data) {
  return default_recipe(data.task, data.x_train.shape(0));
}

std::string loss_name(const Recipe& recipe, data::Task task) {
  if (!recipe.quantiles.empty()) {
    PLEXUS_CHECK(recipe.loss.empty() || recipe.loss == "pinball", "quantiles train with the ",
                 "pinball loss, not ", recipe.loss, "; leave the loss out");
    return "pinball";
  }
  if (!recipe.loss.empty()) return recipe.loss;
  return task == data::Task::classification ? "cross_entropy" : "mse";
}

bool loss_fits(const std::string& name, data::Task task) {
  for (const auto& info : loss::registry())
    if (info.name == name)
      return (info.target == loss::TargetKind::class_indices) ==
             (task == data::Task::classification);
  return false;
}

std::vector<double> class_weights(const std::string& class_weight, const data::PreparedData& data) {
  if (class_weight.empty()) return {};
  PLEXUS_CHECK(data.classification(), "class weights need a classification task, not regression");
  const size_t classes = data.classes.size();
  std::vector<double> weights(classes, 1.0);
  if (class_weight == "balanced") {
    // scikit-learn's: n / (C n_c), so each class weighs as much in all as the rows in all do.
    std::vector<size_t> count(classes, 0);
    const auto rows = static_cast<size_t>(data.y_train.numel());
    for (size_t i = 0; i < rows; ++i) ++count[static_cast<size_t>(data.y_train.data()[i])];
    for (size_t c = 0; c < classes; ++c) {
      PLEXUS_CHECK(count[c] > 0, "class weights: balanced needs a training row of every class; ",
                   "class ", data.classes[c], " has none");
      weights[c] = static_cast<double>(rows) / static_cast<double>(classes * count[c]);
    }
    return weights;
  }
  size_t start = 0;
  while (start <= class_weight.size()) {
    const size_t comma = std::min(class_weight.find(',', start), class_weight.size());
    const std::string item = class_weight.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    const auto [name, weight] = class_and_weight(item);
    const auto at = std::find(data.classes.begin(), data.classes.end(), name);
    PLEXUS_CHECK(at != data.classes.end(),
                 "class weights: ", unknown_name_message("class", name, data.classes));
    weights[static_cast<size_t>(at - data.classes.begin())] = weight;
  }
  return weights;
}

nn::Sequential build_network(const Recipe& recipe, int64_t inputs, int64_t outputs,
                             const std::vector<int64_t>& embedded) {
  nn::Sequential network;
  uint64_t seed = recipe.seed * 1000003u + 17u;
  int64_t width = inputs;
  if (recipe.feature_scale) network.push_back(nn::FeatureScale(inputs));
  if (recipe.embedding == "periodic") {
    std::vector<int64_t> indices = embedded;
    if (indices.empty())
      for (int64_t j = 0; j < inputs; ++j) indices.push_back(j);
    PLEXUS_CHECK(indices.size() <= static_cast<size_t>(kMostEmbeddedInputs),
                 "build_network: --embedding periodic would embed ", indices.size(),
                 " inputs, more than the ", kMostEmbeddedInputs,
                 " it takes (each becomes 4 inputs of the first Linear); use --embedding none");
    // Its own seed, so that the Linear layers start the same with and without it.
    nn::PeriodicEmbedding embedding(inputs, std::move(indices), 16, 3, 0.1f,
                                    recipe.seed * 1000003u + 11u);
    width = *embedding.out_features();
    network.push_back(std::move(embedding));
  } else {
    PLEXUS_CHECK(recipe.embedding == "none", "build_network: unknown embedding \"",
                 recipe.embedding, "\"; known: none, periodic");
  }
  for (const int64_t hidden : recipe.hidden) {
    network.push_back(nn::Linear(width, hidden, true, seed++));
    if (recipe.batch_norm) network.push_back(nn::BatchNorm1d(hidden));
    network.push_back(nn::make_activation(recipe.activation));
    if (recipe.dropout > 0)
      network.push_back(nn::Dropout(static_cast<float>(recipe.dropout), seed++));
    width = hidden;
  }
  network.push_back(nn::Linear(width, outputs, true, seed++));
  return network;
}

void fold_target_scaling(nn::Sequential& network, double mean, double std) {
  for (size_t i = network.size(); i-- > 0;) {
    auto* linear = dynamic_cast<nn::Linear*>(&network[i]);
    if (linear == nullptr) continue;
    for (auto& [name, tensor] : linear->state_dict()) {
      float* p = tensor.data();
      for (size_t k = 0; k < tensor.numel(); ++k) {
        p[k] = static_cast<float>(p[k] * std);
        if (name == "bias") p[k] = static_cast<float>(p[k] + mean);
      }
    }
    return;
  }
}

nn::Sequential build_network(const Recipe& recipe, const data::PreparedData& data) {
  PLEXUS_CHECK(recipe.quantiles.empty() || !data.classification(),
               "build_network: quantiles need a regression task, not classification");
  const int64_t outputs = data.classification() ? static_cast<int64_t>(data.classes.size())
                          : recipe.quantiles.empty()
                              ? 1
                              : static_cast<int64_t>(recipe.quantiles.size());
  PLEXUS_CHECK(data.x_train.defined() && data.x_train.rank() == 2,
               "build_network: the data has no training inputs");
  // A table embeds its numeric columns' values (one-hot inputs gain nothing from it); with
  // none, there is nothing to embed.
  std::vector<int64_t> embedded;
  Recipe adjusted = recipe;
  if (data.preprocessing) {
    embedded = data.preprocessing->numeric_value_outputs();
    if (embedded.empty()) adjusted.embedding = "none";
  }
  // Categorical columns with many categories arrive as indices: their embedding goes first,
  // and the numeric values' positions move to where it passes them on.
  nn::Sequential network;
  int64_t inputs = data.x_train.shape(1);
  if (data.preprocessing && !data.preprocessing->embedded_category_outputs().empty()) {
    const std::vector<int64_t> counts = data.preprocessing->embedded_category_counts();
    nn::CategoricalEmbedding categories(
        inputs, std::accumulate(counts.begin(), counts.end(), int64_t{0}), kCategoryEmbeddingDim,
        data.preprocessing->embedded_category_outputs(), counts, recipe.seed * 1000003u + 13u);
    const std::vector<int64_t> moved = categories.output_positions();
    for (int64_t& j : embedded) j = moved[static_cast<size_t>(j)];
    inputs = *categories.out_features();
    network.push_back(std::move(categories));
  }
  const nn::Sequential layers = build_network(adjusted, inputs, outputs, embedded);
  for (const auto& [name, layer] : layers.children()) network.push_back(layer);
  if (loss_name(recipe, data.task) == "nll") network.push_back(nn::make_activation("log_softmax"));
  // The quantiles in ascending order, as the levels are: they cannot cross.
  if (!recipe.quantiles.empty()) network.push_back(nn::Sort());
  return network;
}

int64_t parameter_count(const nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += static_cast<int64_t>(p.numel());
  return count;
}

TrainedModel train_model(const data::PreparedData& data, const Recipe& recipe, FitOptions options) {
  return train_model(build_network(recipe, data), data, recipe, std::move(options));
}

namespace {

// What the recipe trains on, whichever kind of data it is.
struct RecipeData {
  data::Task task;
  size_t training_rows;
  bool validating;
  Standardisation target;  // a regression target's, folded back into the last layer after
  std::vector<double> class_weights;
};

// The recipe's optimizer, schedule and early stopping wired into fit, which `run` calls with
// the finished options; then the timing, the best epoch and the target's scale.
TrainedModel train_recipe(nn::Sequential network, const RecipeData& data, const Recipe& recipe,
                          FitOptions options,
                          const std::function<History(nn::Module&, optim::Optimizer&, const Loss&,
                                                      const FitOptions&)>& run) {
  const std::string loss = loss_name(recipe, data.task);
  const bool classification = data.task == data::Task::classification;
  PLEXUS_CHECK(loss_fits(loss, data.task), "train_model: the loss ", loss, " does not fit a ",
               classification ? "classification" : "regression", " task");
  PLEXUS_CHECK(data.training_rows > 0, "train_model: no training rows");
  TrainedModel out;
  out.class_weights = data.class_weights;
  out.network = std::move(network);
  auto optimizer = optim::make_optimizer(recipe.optimizer, out.network.parameters(),
                                         {.lr = recipe.lr,
                                          .weight_decay = recipe.weight_decay,
                                          .momentum = std::nullopt,
                                          .beta2 = recipe.beta2});
  out.training_rows = data.training_rows;
  out.batch_size = std::min<size_t>(static_cast<size_t>(recipe.batch_size), out.training_rows);

  options.epochs = static_cast<size_t>(recipe.epochs);
  options.batch_size = out.batch_size;
  options.seed = recipe.seed;
  options.clip_grad_norm = recipe.clip_grad;
  // Quantile outputs [B, Q] have no r2 against one target; their val_loss is the pinball loss.
  options.metrics.clear();
  if (classification) options.metrics = {"accuracy"};
  if (!classification && recipe.quantiles.empty()) options.metrics = {"r2"};
  // The recipe's callbacks go first, in the order checkpoints record them.
  std::vector<CallbackRef> callbacks;
  std::unique_ptr<optim::LRScheduler> schedule;
  if (recipe.schedule != "none") {
    const size_t steps = (out.training_rows + out.batch_size - 1) / out.batch_size;
    schedule = optim::make_schedule(
        recipe.schedule, *optimizer,
        {.epochs = options.epochs, .steps_per_epoch = steps, .gamma = std::nullopt});
    callbacks.push_back(LRSchedule{.scheduler = schedule.get(),
                                   .monitor = data.validating ? "val_loss" : "loss",
                                   .per_batch = schedule_steps_per_batch(recipe.schedule)});
  }
  EarlyStoppingCallback stopper({.monitor = "val_loss",
                                 .patience = static_cast<size_t>(recipe.early_stopping),
                                 .min_delta = 0.0,
                                 .mode = Mode::automatic,
                                 .restore_best_weights = true});
  out.early_stopping = data.validating && recipe.early_stopping > 0;
  if (out.early_stopping) callbacks.push_back(stopper);
  callbacks.insert(callbacks.end(), options.callbacks.begin(), options.callbacks.end());
  options.callbacks = std::move(callbacks);

  const auto start = std::chrono::steady_clock::now();
  out.history = run(out.network, *optimizer,
                    training_loss(loss, recipe.label_smoothing, recipe.quantiles), options);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t epochs_run = out.history.epochs();
  const size_t epochs_now = epochs_run - (options.resume ? options.resume->epochs_done : 0);
  if (out.seconds > 0)
    out.samples_per_second = static_cast<double>(out.training_rows * epochs_now) / out.seconds;
  out.best_epoch = epochs_run - 1;
  if (out.early_stopping && stopper.best_epoch())
    out.best_epoch = *stopper.best_epoch();
  else if (data.validating)
    out.best_epoch = out.history.best_epoch("val_loss");
  if (!classification) fold_target_scaling(out.network, data.target.mean, data.target.std);
  out.network.eval();
  return out;
}

}  // namespace

TrainedModel train_model(nn::Sequential network, const data::PreparedData& data,
                         const Recipe& recipe, FitOptions options) {
  PLEXUS_CHECK(data.x_train.defined() && data.x_train.shape(0) > 0,
               "train_model: no training rows");
  PLEXUS_CHECK(!data.classification() || data.classes.size() >= 2,
               "train_model: classification needs at least two classes");
  const bool classification = data.classification();
  // A regression target is standardised while training, so that one learning rate suits any
  // target's units; the last layer takes the scale back afterwards.
  const Standardisation target =
      classification ? Standardisation{} : standardisation_of(data.y_train);
  const Tensor y_train = classification ? data.y_train : standardised(data.y_train, target);
  const RecipeData about{data.task, static_cast<size_t>(data.x_train.shape(0)),
                         data.has_validation(), target, class_weights(recipe.class_weight, data)};
  if (about.validating)
    options.validation =
        data::Dataset(data.x_validation,
                      classification ? data.y_validation : standardised(data.y_validation, target),
                      row_weights(data.w_validation, data.y_validation, about.class_weights));
  const data::Dataset train_data(data.x_train, y_train,
                                 row_weights(data.w_train, data.y_train, about.class_weights));
  return train_recipe(std::move(network), about, recipe, std::move(options),
                      [&](nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
                          const FitOptions& fit_options) {
                        return fit(model, optimizer, loss, train_data, fit_options);
                      });
}

TrainedModel train_model(nn::Sequential network, const data::StreamingTable& data,
                         const Recipe& recipe, FitOptions options, size_t shuffle_rows) {
  const bool classification = data.target().task == data::Task::classification;
  PLEXUS_CHECK(!classification || data.target().classes.size() >= 2,
               "train_model: classification needs at least two classes");
  PLEXUS_CHECK(recipe.class_weight.empty(),
               "train_model: class weights are not supported on streamed data yet");
  PLEXUS_CHECK(recipe.quantiles.empty(),
               "train_model: quantiles are not supported on streamed data yet");
  const RecipeData about{
      data.target().task,
      static_cast<size_t>(data.rows(data::Part::train)),
      data.rows(data::Part::validation) > 0,
      classification ? Standardisation{} : Standardisation{data.target_mean(), data.target_std()},
      {}};
  const size_t batch =
      std::min<size_t>(static_cast<size_t>(recipe.batch_size), about.training_rows);
  const auto train_batches = data.batches(data::Part::train, {.batch_size = batch,
                                                              .shuffle = true,
                                                              .shuffle_rows = shuffle_rows,
                                                              .standardise_target = true});
  std::unique_ptr<data::BatchSource> validation_batches;
  if (about.validating) {
    validation_batches =
        data.batches(data::Part::validation, {.batch_size = batch, .standardise_target = true});
    options.validation_batches = validation_batches.get();
  }
  return train_recipe(std::move(network), about, recipe, std::move(options),
                      [&](nn::Module& model, optim::Optimizer& optimizer, const Loss& loss,
                          const FitOptions& fit_options) {
                        return fit(model, optimizer, loss, *train_batches, fit_options);
                      });
}

std::pair<Tensor, Tensor> forward_batches(nn::Module& network, data::BatchSource& batches) {
  const bool training = network.is_training();
  network.eval();
  NoGradGuard no_grad;
  std::vector<float> outputs, targets;
  int64_t rows = 0, width = 0;
  bool target_columns = false;  // targets [N, 1] (values) rather than [N] (class indices)
  batches.start_epoch(0);
  while (const std::optional<data::Batch> batch = batches.next()) {
    // A shared stream's batch holds this process's rows: every process gathers all of them.
    const bool shared = batches.share().has_value();
    const Tensor local_out = network(batch->x);
    const Tensor out = shared ? distributed::all_gather_rows(local_out) : local_out;
    const Tensor y = shared ? distributed::all_gather_rows(batch->y) : batch->y;
    outputs.insert(outputs.end(), out.data(), out.data() + out.numel());
    targets.insert(targets.end(), y.data(), y.data() + y.numel());
    rows += out.shape(0);
    width = out.shape(1);
    target_columns = y.rank() == 2;
  }
  network.train(training);
  return {Tensor::from(outputs, {rows, width}),
          target_columns ? Tensor::from(targets, {rows, 1}) : Tensor::from(targets, {rows})};
}

io::ModelInfo model_info(const data::PreparedData& data) {
  io::ModelInfo info;
  info.task = data.classification() ? "classification" : "regression";
  info.classes = data.classes;
  info.features = data.features;
  info.input.tabular = data.preprocessing;
  info.input.target = data.target;
  info.input.scale = data.scale;
  // The mean training row, where attributions start: a prediction for "an average row".
  if (data.x_train.defined() && data.x_train.shape(0) > 0) {
    const Tensor mean_row = mean(data.x_train, 0);
    info.baseline.assign(mean_row.data(), mean_row.data() + mean_row.numel());
  }
  return info;
}

void check_trainable(const Recipe& recipe, const data::PreparedData& data,
                     const std::string& data_name) {
  const bool classification = data.classification();
  if (classification && data.classes.size() < 2)
    throw Error(data_name + ": the target has one class only (" + join(data.classes, 20) +
                "); classification needs at least two");
  if (!recipe.quantiles.empty() && classification)
    throw SettingsError(
        "--quantiles: quantiles need a regression task, not classification (a "
        "numeric target of few distinct integers is taken for classes: give "
        "--task regression)");
  const std::string loss = loss_name(recipe, data.task);
  if (!loss_fits(loss, data.task))
    throw SettingsError(
        "--loss " + loss + " does not fit a " + (classification ? "classification" : "regression") +
        " task; use " +
        (classification ? "cross_entropy, nll or multi_margin" : "mse, mae, huber or log_cosh"));
}

}  // namespace plexus::train
