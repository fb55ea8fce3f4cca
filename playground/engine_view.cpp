// The engine's reporting half: what the page draws (losses, accuracy, confusion matrix, gradient
// norms, flat units, neuron heatmaps) and the model exported as a .plx file.
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine.hpp"
#include "plexus/base/text.hpp"
#include "plexus/error.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/ops.hpp"
#include "plexus/optim/registry.hpp"

namespace plexus::playground {
namespace {

using nlohmann::json;

// Whether an activation's output sits where its slope is (nearly) zero: relu's negative side,
// sigmoid's and tanh's tails. Units flat on every training row are dead; on 90%, saturated.
bool is_flat(const std::string& activation, float value) {
  if (activation == "relu") return value <= 0.0f;
  if (activation == "sigmoid") return value < 0.01f || value > 0.99f;
  if (activation == "tanh") return std::abs(value) > 0.99f;
  return false;
}

double mean_of(const Tensor& t) { return t.mean().item(); }

}  // namespace

std::string catalog() {
  json out;
  std::vector<std::string> activations;
  for (const auto& info : nn::activations())
    if (info.name != "softmax" && info.name != "log_softmax") activations.push_back(info.name);
  activations.push_back("linear");
  out["activations"] = activations;
  json optimizers = json::array();
  for (const auto& info : optim::optimizers())
    optimizers.push_back(
        {{"name", info.name}, {"lr", info.default_lr}, {"momentum", info.has_momentum}});
  out["optimizers"] = optimizers;
  std::vector<std::string> schedules = {"none"};
  for (const auto& info : optim::schedules()) schedules.push_back(info.name);
  out["schedules"] = schedules;
  std::vector<std::string> value_losses;
  for (const auto& info : loss::registry())
    if (info.target == loss::TargetKind::values && info.name != "hinge")
      value_losses.push_back(info.name);
  out["regression_losses"] = value_losses;
  out["classification_losses"] = {"cross_entropy", "binary_cross_entropy_with_logits", "mse"};
  return out.dump();
}

Tensor Engine::eval_outputs(const Tensor& x) {
  NoGradGuard no_grad;
  model_.eval();
  return model_(x);
}

std::vector<Tensor> Engine::hidden_outputs(const Tensor& x) {
  NoGradGuard no_grad;
  model_.eval();
  std::vector<Tensor> out;
  Tensor h = x;
  for (size_t i = 0; i < model_.size(); ++i) {
    h = model_[i].forward(h);
    if (std::find(activation_index_.begin(), activation_index_.end(), i) != activation_index_.end())
      out.push_back(h);
  }
  out.push_back(h);
  return out;
}

std::string Engine::report() {
  json out;
  out["step"] = steps_;
  out["epoch"] = epochs_ + static_cast<double>(cursor_) / static_cast<double>(order_.size());
  out["lr"] = optimizer_->lr();
  out["nan"] = nan_;
  const loss::LossFunction loss_of = loss::by_name(config_.loss);
  const auto scores = [&](const Tensor& x, const Tensor& y, const Points& points,
                          const char* name) {
    if (points.rows() == 0) return;
    const Tensor outputs = eval_outputs(x);
    const double loss = loss_of(outputs, y).item();
    out[std::string(name) + "_loss"] = std::isfinite(loss) ? json(loss) : json(nullptr);
    if (config_.regression) return;
    std::vector<std::vector<int64_t>> confusion(static_cast<size_t>(config_.classes),
                                                std::vector<int64_t>(config_.classes, 0));
    int64_t right = 0;
    const float* o = outputs.data();
    for (int64_t r = 0; r < points.rows(); ++r) {
      int64_t guess = 0;
      if (outputs_ == 1) {
        guess = o[r] > 0.0f ? 1 : 0;
      } else {
        for (int64_t c = 1; c < outputs_; ++c)
          if (o[r * outputs_ + c] > o[r * outputs_ + guess]) guess = c;
      }
      const auto truth = static_cast<int64_t>(points.labels[r]);
      right += guess == truth ? 1 : 0;
      ++confusion[truth][guess];
    }
    out[std::string(name) + "_accuracy"] =
        static_cast<double>(right) / static_cast<double>(points.rows());
    if (std::string(name) == "test") out["confusion"] = confusion;
  };
  scores(train_x_, train_y_, train_, "train");
  scores(test_x_, test_y_, test_, "test");
  // Per hidden layer and the output layer: gradient norm (last step), flat units on the train rows.
  const std::vector<Tensor> hidden = hidden_outputs(train_x_);
  json layers = json::array();
  for (size_t l = 0; l < linear_index_.size(); ++l) {
    json layer;
    layer["name"] = model_[linear_index_[l]].name();
    layer["grad_norm"] = l < grad_norms_.size() ? grad_norms_[l] : 0.0;
    const auto& weight = model_.at<nn::Linear>(linear_index_[l]).weight;
    layer["weight_rms"] = std::sqrt(mean_of(square(weight)));
    int64_t dead = 0, saturated = 0;
    if (l < activation_index_.size()) {
      const Tensor& h = hidden[l];
      const int64_t rows = h.shape(0), units = h.shape(1);
      for (int64_t u = 0; u < units; ++u) {
        int64_t flat = 0;
        for (int64_t r = 0; r < rows; ++r)
          flat += is_flat(config_.activation, h.data()[r * units + u]);
        if (flat == rows && config_.activation == "relu")
          ++dead;
        else if (flat * 10 >= rows * 9)
          ++saturated;
      }
    }
    layer["dead"] = dead;
    layer["saturated"] = saturated;
    layers.push_back(layer);
  }
  out["layers"] = layers;
  return out.dump();
}

std::string Engine::layout() const {
  json out;
  out["task"] = config_.regression ? "regression" : "classification";
  out["classes"] = config_.regression ? 0 : config_.classes;
  out["outputs"] = outputs_;
  out["dims"] = train_.dims;
  out["features"] = train_.dims == 2 ? config_.features : std::vector<std::string>{};
  out["hidden"] = config_.hidden;
  out["batches_per_epoch"] = (train_.rows() + config_.batch_size - 1) / config_.batch_size;
  const auto points = [](const Points& p) {
    return json{{"inputs", p.inputs}, {"labels", p.labels}};
  };
  out["train"] = points(train_);
  out["test"] = points(test_);
  return out.dump();
}

std::vector<float> Engine::neuron_grid(int64_t resolution) {
  if (train_.dims != 2) throw Error("the neuron heatmaps need 2-D data");
  if (resolution < 2 || resolution > 400) throw Error("grid resolution must be 2 .. 400");
  Points grid;
  for (int64_t row = 0; row < resolution; ++row) {
    for (int64_t col = 0; col < resolution; ++col) {
      const float step = 12.0f / static_cast<float>(resolution);
      grid.inputs.push_back(-6.0f + step * (static_cast<float>(col) + 0.5f));
      grid.inputs.push_back(6.0f - step * (static_cast<float>(row) + 0.5f));
      grid.labels.push_back(0.0f);
    }
  }
  std::vector<Tensor> layers = hidden_outputs(inputs_of(grid));
  Tensor& logits = layers.back();
  if (!config_.regression) {
    logits = outputs_ == 1 ? concat({neg(sigmoid(logits)) + 1.0f, sigmoid(logits)}, 1)
                           : softmax(logits, 1);
  }
  std::vector<float> out;
  const int64_t cells = resolution * resolution;
  for (const Tensor& layer : layers) {
    const int64_t units = layer.shape(1);
    for (int64_t u = 0; u < units; ++u)
      for (int64_t cell = 0; cell < cells; ++cell) out.push_back(layer.data()[cell * units + u]);
  }
  return out;
}

std::vector<float> Engine::loss_slice(int64_t resolution, double radius) {
  if (resolution < 2 || resolution > 100) throw Error("slice resolution must be 2 .. 100");
  Tensor& weight = model_.at<nn::Linear>(linear_index_.front()).weight;
  if (weight.numel() < 2) throw Error("the loss slice needs a first layer with 2 weights or more");
  NoGradGuard no_grad;
  model_.eval();
  const loss::LossFunction loss_of = loss::by_name(config_.loss);
  float* w = weight.data();
  const float w0 = w[0], w1 = w[1];
  std::vector<float> out;
  for (int64_t row = 0; row < resolution; ++row) {
    for (int64_t col = 0; col < resolution; ++col) {
      const double step = 2.0 * radius / static_cast<double>(resolution - 1);
      w[0] = static_cast<float>(w0 - radius + step * static_cast<double>(col));
      w[1] = static_cast<float>(w1 + radius - step * static_cast<double>(row));
      out.push_back(loss_of(model_(train_x_), train_y_).item());
    }
  }
  w[0] = w0;
  w[1] = w1;
  out.push_back(w0);
  out.push_back(w1);
  return out;
}

std::vector<float> Engine::test_probabilities() {
  const Tensor outputs = eval_outputs(test_x_);
  if (config_.regression) return outputs.to_vector();
  NoGradGuard no_grad;
  // A sigmoid output p is the two-class softmax of (0, logit): the exported file's form.
  const Tensor probs = outputs_ == 1 ? concat({neg(sigmoid(outputs)) + 1.0f, sigmoid(outputs)}, 1)
                                     : softmax(outputs, 1);
  return probs.to_vector();
}

std::string Engine::test_csv() const {
  std::vector<std::string> names;
  for (int64_t d = 0; d < test_x_.shape(1); ++d)
    names.push_back(test_.dims == 2 ? config_.features[d]
                                    : std::string("f").append(std::to_string(d + 1)));
  std::string out;
  for (size_t d = 0; d < names.size(); ++d) {
    if (d > 0) out += ',';
    out += names[d];
  }
  out += '\n';
  const int64_t width = test_x_.shape(1);
  for (int64_t r = 0; r < test_x_.shape(0); ++r) {
    for (int64_t d = 0; d < width; ++d) {
      if (d > 0) out += ',';
      out += number_text(test_x_.data()[r * width + d]);
    }
    out += '\n';
  }
  return out;
}

std::vector<uint8_t> Engine::export_model(const std::string& scratch_path) {
  nn::Sequential copy = nn::build(nn::describe(model_));
  copy.load_state_dict(model_.state_dict());
  if (outputs_ == 1 && !config_.regression) {
    // One sigmoid logit z as the two logits (0, z): softmax gives (1 - p, p), as predict_proba
    // expects of a classifier.
    nn::Linear two(1, 2);
    NoGradGuard no_grad;
    two.weight.data()[0] = 0.0f;
    two.weight.data()[1] = 1.0f;
    two.bias.data()[0] = two.bias.data()[1] = 0.0f;
    copy.push_back(two);
  }
  io::ModelInfo info;
  info.task = config_.regression ? "regression" : "classification";
  for (int64_t c = 0; !config_.regression && c < config_.classes; ++c)
    info.classes.push_back(std::to_string(c));
  std::istringstream header(test_csv().substr(0, test_csv().find('\n')));
  for (std::string name; std::getline(header, name, ',');) info.features.push_back(name);
  info.training = json{{"playground", json::parse(config_text_)}}.dump();
  io::save_model(copy, scratch_path, info);
  std::ifstream file(scratch_path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace plexus::playground
