// The playground's engine: one network of the library trained on a 2-D toy set (or pasted rows),
// step by step, with what the page draws: losses, accuracy, a confusion matrix, per-layer
// gradient norms and flat (dead or saturated) units, every neuron's output over the plane, and
// the trained model as a .plx file. The page runs it compiled to WebAssembly (bindings.cpp); the
// native driver (native_run.cpp) runs the same code, so the two can be compared.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plexus/nn/sequential.hpp"
#include "plexus/optim/optimizer.hpp"
#include "plexus/optim/schedule.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"
#include "toy_data.hpp"

namespace plexus::playground {

/// Everything a run depends on; the page keeps it in its URL. Names follow the library's
/// registries (activations, losses, optimizers, schedules).
struct Config {
  std::string dataset = "circle";  ///< a toy set (toy_data.hpp), or "custom" with `custom`
  double noise = 0.0;
  int64_t points = 500;
  double train_ratio = 0.5;
  int64_t classes = 2;
  uint64_t seed = 1;
  std::vector<std::string> features = {"x1", "x2"};  ///< of 2-D data; other data use its columns
  std::vector<int64_t> hidden = {4, 2};
  std::string activation = "tanh";
  /// cross_entropy (softmax over `classes` outputs), binary_cross_entropy_with_logits (one
  /// sigmoid output, 2 classes), mse (one-hot targets); for regression any value loss.
  std::string loss = "cross_entropy";
  std::string optimizer = "sgd";
  double lr = 0.03;
  std::optional<double> momentum;
  double weight_decay = 0.0;
  std::string schedule = "none";
  int64_t epochs = 100;  ///< the schedules' horizon
  int64_t batch_size = 10;
  double dropout = 0.0;
  bool batch_norm = false;
  /// default (PyTorch's), xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal,
  /// lecun_normal, orthogonal, normal (N(0, init_std^2)).
  std::string init = "default";
  double init_std = 1.0;
  double l1 = 0.0;
  double l2 = 0.0;
  double clip_norm = 0.0;  ///< 0: no clipping
  std::optional<Points> custom;
  bool regression = false;  ///< of custom data
};

/// JSON: the names the page offers, from the library's registries: activations (and "linear"),
/// optimizers (with their default lr), schedules, value losses.
std::string catalog();

/// Reads the page's JSON config (unset keys keep their defaults); throws naming a bad key.
Config parse_config(const std::string& json);

class Engine {
 public:
  explicit Engine(const std::string& config_json);

  /// Trains `batches` mini-batches (stopping at a NaN) and returns report().
  std::string step(int64_t batches);
  /// JSON: step, epoch, lr, train/test loss and accuracy, the test confusion matrix, per layer
  /// its gradient norm and flat units, and "nan": what went wrong, or "" while training is sound.
  std::string report();
  /// JSON: task, classes, outputs, feature names, hidden sizes, the train and test points.
  std::string layout() const;
  /// Every hidden neuron's output, then every shown output (class probabilities, or the value),
  /// each over a resolution^2 grid of [-6, 6]^2 (row 0 at x2 = 6): unit-major floats.
  std::vector<float> neuron_grid(int64_t resolution);
  /// The training loss (eval mode, without penalties) over a resolution^2 grid of two weights of
  /// the first layer (its first neuron's first two weights; row 0 at w1 + radius), the others as
  /// they are, then those two weights' current values: resolution^2 + 2 floats.
  std::vector<float> loss_slice(int64_t resolution, double radius);
  /// The test rows' class probabilities [rows * classes] (regression: values), as the page shows.
  std::vector<float> test_probabilities();
  /// The test rows' network inputs as CSV with the feature names as header, for `plexus predict`.
  std::string test_csv() const;
  /// A labelled point added to the training set (the page's click).
  void add_point(float x1, float x2, float label);
  /// The model as .plx bytes, through io::save_model into a file of the (in-memory) file system.
  std::vector<uint8_t> export_model(const std::string& scratch_path);

 private:
  Tensor inputs_of(const Points& points) const;
  Tensor targets_of(const Points& points) const;
  void build_model();
  void start_epoch();
  bool train_batch();
  std::string find_non_finite_layer(const Tensor& x);
  Tensor eval_outputs(const Tensor& x);
  std::vector<Tensor> hidden_outputs(const Tensor& x);

  std::string config_text_;
  Config config_;
  Points train_, test_;
  Tensor train_x_, train_y_, test_x_, test_y_;
  int64_t outputs_ = 1;
  nn::Sequential model_;
  std::vector<size_t> linear_index_;      // child index of each Linear
  std::vector<size_t> activation_index_;  // child index of each hidden layer's activation
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::LRScheduler> schedule_;
  bool schedule_per_batch_ = false;
  Generator shuffle_;
  std::vector<int64_t> order_;
  size_t cursor_ = 0;
  int64_t steps_ = 0;
  int64_t epochs_ = 0;
  double last_train_loss_ = 0.0;
  std::vector<double> grad_norms_;
  std::string nan_;
};

}  // namespace plexus::playground
