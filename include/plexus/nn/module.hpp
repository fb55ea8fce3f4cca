// px::nn::Module: the base of every layer and network. A module owns parameters (tensors that
// require grad) and buffers (state that is saved but not trained, such as BatchNorm's running
// statistics), and may hold child modules. forward() maps a batch to a batch. Copying a module
// copies handles: the copy shares the original's tensors, as copies of a Tensor do.
//
// Naming, the same on modules and optimizers: type() is the class name as PyTorch spells it
// ("Linear", "Adam"); name() is a readable description, PyTorch's repr ("Linear(784 -> 256)").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/tensor/named_tensors.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::nn {

/// What it takes to build a layer again (see nn/registry.hpp): its type() and its constructor's
/// arguments by PyTorch's names, numbers only (a bool is 0 or 1), e.g.
///   {"Linear", {{"in_features", 784}, {"out_features", 256}, {"bias", 1}}}.
/// Containers (Sequential) list their children's specs instead. Arguments that are lists of whole
/// numbers go in `lists` (PeriodicEmbedding's {"indices", {0, 2, 5}}).
struct LayerSpec {
  std::string type;
  std::vector<std::pair<std::string, double>> args;
  std::vector<LayerSpec> children;
  std::vector<std::pair<std::string, std::vector<int64_t>>> lists = {};
};

class Module {
 public:
  virtual ~Module() = default;

  /// x: [B, ...] -> [B, ...]
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  /// A readable one-line description, e.g. "Linear(784 -> 256)".
  virtual std::string name() const = 0;
  /// The class name, e.g. "Linear"; by default name() up to its first '('.
  virtual std::string type() const;
  /// This module's type and constructor arguments; by default the type alone, which
  /// nn::make_layer rebuilds only for built-in layers.
  virtual LayerSpec spec() const { return {type(), {}, {}}; }
  /// The size of the last dimension forward() expects, when this module fixes it (Linear,
  /// BatchNorm1d, LayerNorm); none for layers that take any width (activations, Dropout).
  virtual std::optional<int64_t> in_features() const { return std::nullopt; }
  /// The size of the last dimension forward() returns, when this module fixes it.
  virtual std::optional<int64_t> out_features() const { return std::nullopt; }
  /// The generator this module draws random numbers from while training (Dropout's masks), or
  /// nullptr: checkpoints save where its sequence stands, so a resumed run draws the same masks.
  virtual Generator* generator() { return nullptr; }

  /// Every trainable tensor, this module's first, then its children's, in a stable order.
  std::vector<Tensor> parameters() const;
  /// The same, with dotted names ("0.weight", "2.bias") as PyTorch's state_dict names them.
  NamedTensors named_parameters() const;
  /// Non-trainable state (running statistics), named like named_parameters().
  NamedTensors named_buffers() const;

  /// Every parameter, then every buffer, by its dotted name; the handles share the module's data.
  NamedTensors state_dict() const;
  /// Copies `state` into the module's tensors in place (optimizers keep their handles). Shapes
  /// must match; strict: the names must be exactly the module's, otherwise names missing on
  /// either side are skipped. Nothing is changed unless everything fits; errors name the tensor
  /// and both shapes.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  /// Training mode (the default): dropout drops, batch norm uses batch statistics.
  void train(bool on = true);
  /// Inference mode: dropout is the identity, batch norm uses its running statistics.
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Direct children, in order, with their names.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

 protected:
  /// Registration, called by subclasses' constructors. The module keeps a handle to the same
  /// tensor, so a subclass may hold its own copy of the handle (they share the data).
  Tensor register_parameter(std::string name, Tensor tensor);
  Tensor register_buffer(std::string name, Tensor tensor);
  void register_module(std::string name, std::shared_ptr<Module> module);
  /// Called by train()/eval() for this module (children are handled by train()).
  virtual void on_mode_change(bool /*training*/) {}

 private:
  void collect(const std::string& prefix, bool buffers, NamedTensors& out) const;

  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace plexus::nn
