// The engine's training half: data split, model, optimizer and schedule built from the config,
// and the mini-batch steps with NaN detection.
#include "engine.hpp"

#include <algorithm>
#include <cmath>

#include "plexus/error.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/dropout.hpp"
#include "plexus/nn/init.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/ops.hpp"
#include "plexus/optim/clip.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/optim/regularization.hpp"

namespace plexus::playground {
namespace {

// Splits `all` into train and test rows by a seeded shuffle (the first train_ratio of it trains).
void split(const Points& all, double train_ratio, uint64_t seed, Points& train, Points& test) {
  std::vector<int64_t> order(static_cast<size_t>(all.rows()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  Generator gen(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  const auto train_rows = std::max<int64_t>(
      1, static_cast<int64_t>(std::lround(train_ratio * static_cast<double>(all.rows()))));
  train.dims = test.dims = all.dims;
  for (size_t i = 0; i < order.size(); ++i) {
    Points& to = static_cast<int64_t>(i) < train_rows ? train : test;
    const int64_t row = order[i];
    for (int64_t d = 0; d < all.dims; ++d) to.inputs.push_back(all.inputs[row * all.dims + d]);
    to.labels.push_back(all.labels[row]);
  }
}

// The gain name calculate_gain knows for an activation; "linear" for the rest.
std::string_view gain_name(const std::string& activation) {
  for (const char* known : {"tanh", "sigmoid", "relu", "leaky_relu", "selu"})
    if (activation == known) return known;
  return "linear";
}

void initialise(nn::Linear& layer, const Config& config, uint64_t seed) {
  if (config.init == "default") return;
  NoGradGuard no_grad;
  const float gain = init::calculate_gain(gain_name(config.activation));
  Tensor& w = layer.weight;
  if (config.init == "xavier_uniform")
    init::xavier_uniform_(w, gain, seed);
  else if (config.init == "xavier_normal")
    init::xavier_normal_(w, gain, seed);
  else if (config.init == "kaiming_uniform")
    init::kaiming_uniform_(w, 0.0f, init::FanMode::fan_in, "relu", seed);
  else if (config.init == "kaiming_normal")
    init::kaiming_normal_(w, 0.0f, init::FanMode::fan_in, "relu", seed);
  else if (config.init == "lecun_normal")
    init::lecun_normal_(w, seed);
  else if (config.init == "orthogonal")
    init::orthogonal_(w, gain, seed);
  else if (config.init == "normal")
    init::normal_(w, 0.0f, static_cast<float>(config.init_std), seed);
  else
    throw Error("unknown init \"" + config.init +
                "\"; known: default, xavier_uniform, "
                "xavier_normal, kaiming_uniform, kaiming_normal, lecun_normal, orthogonal, normal");
  init::zeros_(layer.bias);
}

bool is_finite(const Tensor& t) {
  const float* data = t.data();
  for (size_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(data[i])) return false;
  return true;
}

}  // namespace

Engine::Engine(const std::string& config_json)
    : config_text_(config_json), config_(parse_config(config_json)), shuffle_(config_.seed + 3) {
  Points all;
  if (config_.custom) {
    all = *config_.custom;
  } else {
    all =
        make_toy_set(config_.dataset, config_.points, config_.noise, config_.classes, config_.seed);
    config_.regression = is_regression_set(config_.dataset);
  }
  if (!config_.regression) {
    float top = 0.0f;
    for (float label : all.labels) {
      if (label < 0.0f || label != std::floor(label) || label > 7.0f)
        throw Error("class labels must be 0, 1, ... 7; a row has " + std::to_string(label));
      top = std::max(top, label);
    }
    if (config_.custom) config_.classes = std::max<int64_t>(2, static_cast<int64_t>(top) + 1);
  }
  split(all, config_.train_ratio, config_.seed + 1, train_, test_);
  train_x_ = inputs_of(train_);
  train_y_ = targets_of(train_);
  test_x_ = inputs_of(test_);
  test_y_ = targets_of(test_);
  build_model();
  start_epoch();
}

Tensor Engine::inputs_of(const Points& points) const {
  if (points.dims != 2) {
    return Tensor::from(std::span<const float>(points.inputs), {points.rows(), points.dims});
  }
  const std::vector<float> values = expand_features(points.inputs, config_.features);
  return Tensor::from(std::span<const float>(values),
                      {points.rows(), static_cast<int64_t>(config_.features.size())});
}

Tensor Engine::targets_of(const Points& points) const {
  const int64_t rows = points.rows();
  if (config_.regression || config_.loss == "binary_cross_entropy_with_logits")
    return Tensor::from(std::span<const float>(points.labels), {rows, 1});
  if (config_.loss == "cross_entropy")
    return Tensor::from(std::span<const float>(points.labels), {rows});
  std::vector<float> one_hot(static_cast<size_t>(rows * config_.classes), 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    one_hot[static_cast<size_t>(r * config_.classes + static_cast<int64_t>(points.labels[r]))] =
        1.0f;
  return Tensor::from(std::span<const float>(one_hot), {rows, config_.classes});
}

void Engine::build_model() {
  if (!config_.regression && config_.loss != "cross_entropy" && config_.loss != "mse" &&
      config_.loss != "binary_cross_entropy_with_logits")
    throw Error(
        "a classification trains with cross_entropy, binary_cross_entropy_with_logits or "
        "mse, not " +
        config_.loss);
  if (config_.loss == "binary_cross_entropy_with_logits" && config_.classes != 2)
    throw Error("binary_cross_entropy_with_logits takes 2 classes; use cross_entropy for more");
  manual_seed(config_.seed);
  const bool one_output = config_.regression || config_.loss == "binary_cross_entropy_with_logits";
  outputs_ = one_output ? 1 : config_.classes;
  int64_t width = train_x_.shape(1);
  uint64_t layer_seed = config_.seed * 1000 + 17;
  auto add_linear = [&](int64_t out) {
    auto linear = std::make_shared<nn::Linear>(width, out, true, layer_seed++);
    initialise(*linear, config_, layer_seed++);
    linear_index_.push_back(model_.size());
    model_.push_back(linear);
    width = out;
  };
  for (int64_t neurons : config_.hidden) {
    add_linear(neurons);
    if (config_.batch_norm) model_.push_back(nn::BatchNorm1d(neurons));
    // "linear": no activation, as TensorFlow Playground offers; the neurons show the layer's sums.
    if (config_.activation == "linear") {
      activation_index_.push_back(model_.size() - 1);
    } else {
      activation_index_.push_back(model_.size());
      model_.push_back(nn::make_activation(config_.activation));
    }
    if (config_.dropout > 0.0)
      model_.push_back(nn::Dropout(static_cast<float>(config_.dropout), layer_seed++));
  }
  add_linear(outputs_);
  optim::OptimizerSettings settings{
      .lr = config_.lr, .weight_decay = config_.weight_decay, .momentum = config_.momentum};
  optimizer_ = optim::make_optimizer(config_.optimizer, model_.parameters(), settings);
  if (config_.schedule != "none") {
    const auto batches =
        static_cast<size_t>((train_.rows() + config_.batch_size - 1) / config_.batch_size);
    schedule_ = optim::make_schedule(
        config_.schedule, *optimizer_,
        {.epochs = static_cast<size_t>(config_.epochs), .steps_per_epoch = batches});
    for (const auto& info : optim::schedules())
      if (info.name == config_.schedule) schedule_per_batch_ = info.per_batch;
  }
}

void Engine::start_epoch() {
  order_.resize(static_cast<size_t>(train_.rows()));
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<int64_t>(i);
  for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[shuffle_.below(i)]);
  cursor_ = 0;
}

// The first layer whose output turns NaN or infinite on `x`, named for the page; "" if none.
std::string Engine::find_non_finite_layer(const Tensor& x) {
  NoGradGuard no_grad;
  Tensor h = x;
  for (size_t i = 0; i < model_.size(); ++i) {
    h = model_[i].forward(h);
    if (!is_finite(h)) return "layer " + std::to_string(i) + " (" + model_[i].name() + ")";
  }
  return "";
}

bool Engine::train_batch() {
  if (cursor_ >= order_.size()) {
    ++epochs_;
    if (schedule_ && !schedule_per_batch_ && epochs_ < config_.epochs) {
      if (schedule_->needs_metric())
        schedule_->step(last_train_loss_);
      else
        schedule_->step();
    }
    start_epoch();
  }
  const size_t end = std::min(order_.size(), cursor_ + static_cast<size_t>(config_.batch_size));
  std::vector<int64_t> rows(order_.begin() + static_cast<std::ptrdiff_t>(cursor_),
                            order_.begin() + static_cast<std::ptrdiff_t>(end));
  cursor_ = end;
  const int64_t in = train_x_.shape(1);
  const int64_t target_width = train_y_.rank() == 1 ? 1 : train_y_.shape(1);
  std::vector<float> xs, ys;
  for (int64_t row : rows) {
    xs.insert(xs.end(), train_x_.data() + row * in, train_x_.data() + (row + 1) * in);
    ys.insert(ys.end(), train_y_.data() + row * target_width,
              train_y_.data() + (row + 1) * target_width);
  }
  const auto count = static_cast<int64_t>(rows.size());
  const Tensor x = Tensor::from(std::span<const float>(xs), {count, in});
  const Tensor y = train_y_.rank() == 1
                       ? Tensor::from(std::span<const float>(ys), {count})
                       : Tensor::from(std::span<const float>(ys), {count, target_width});
  model_.train();
  optimizer_->zero_grad();
  Tensor loss = loss::by_name(config_.loss)(model_(x), y);
  std::vector<Tensor> weights;
  for (size_t index : linear_index_) weights.push_back(model_.at<nn::Linear>(index).weight);
  if (config_.l1 > 0.0) loss = loss + l1_penalty(weights, static_cast<float>(config_.l1));
  if (config_.l2 > 0.0) loss = loss + l2_penalty(weights, static_cast<float>(config_.l2));
  const std::string when = " at step " + std::to_string(steps_ + 1);
  if (!std::isfinite(loss.item())) {
    const std::string layer = find_non_finite_layer(x);
    nan_ = "The loss became " + std::string(std::isnan(loss.item()) ? "NaN" : "infinite") + when +
           (layer.empty() ? ": the outputs are finite but too large for the loss"
                          : ": the first bad output is " + layer + "'s") +
           ". The weights grew too large: try a learning rate 10x smaller, gradient clipping, "
           "batch norm, or a smaller initialisation.";
    return false;
  }
  loss.backward();
  // Per layer: the norm of its weight's and bias's gradients together, measured before clipping.
  const std::vector<GradNorm> norms = grad_norms(model_.named_parameters());
  grad_norms_.assign(linear_index_.size(), 0.0);
  for (const GradNorm& norm : norms) {
    const auto layer = static_cast<size_t>(std::stoul(norm.name.substr(0, norm.name.find('.'))));
    const auto at = std::find(linear_index_.begin(), linear_index_.end(), layer);
    if (at != linear_index_.end()) grad_norms_[at - linear_index_.begin()] += norm.norm * norm.norm;
    if (!std::isfinite(norm.norm)) {
      nan_ = "The gradient of " + norm.name + " (layer " + std::to_string(layer) + ", " +
             model_[layer].name() + ") became non-finite" + when +
             ": the gradients exploded on their way back. Try gradient clipping (clip norm 1), a "
             "smaller learning rate, or batch norm.";
      return false;
    }
  }
  for (double& norm : grad_norms_) norm = std::sqrt(norm);
  if (config_.clip_norm > 0.0) clip_grad_norm(model_.parameters(), config_.clip_norm);
  optimizer_->step();
  if (schedule_ && schedule_per_batch_ &&
      schedule_->last_epoch() + 1 <
          config_.epochs *
              static_cast<int64_t>((train_.rows() + config_.batch_size - 1) / config_.batch_size))
    schedule_->step();
  last_train_loss_ = loss.item();
  ++steps_;
  return true;
}

std::string Engine::step(int64_t batches) {
  for (int64_t i = 0; i < batches && nan_.empty(); ++i)
    if (!train_batch()) break;
  return report();
}

void Engine::add_point(float x1, float x2, float label) {
  if (train_.dims != 2) throw Error("points can be added to 2-D data only");
  train_.inputs.push_back(x1);
  train_.inputs.push_back(x2);
  train_.labels.push_back(label);
  train_x_ = inputs_of(train_);
  train_y_ = targets_of(train_);
}

}  // namespace plexus::playground
