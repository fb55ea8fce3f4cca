// px::nn::Module: the base of every layer and network. A module owns parameters (tensors that
// require grad) and buffers (state that is saved but not trained, such as BatchNorm's running
// statistics), and may hold child modules. forward() maps a batch to a batch. Copying a module
// copies handles: the copy shares the original's tensors, as copies of a Tensor do.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plexus/tensor/tensor.hpp"

namespace plexus::nn {

class Module {
 public:
  virtual ~Module() = default;

  /// x: [B, ...] -> [B, ...]
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  /// A readable one-line description, e.g. "Linear(784 -> 256)".
  virtual std::string name() const = 0;

  /// Every trainable tensor, this module's first, then its children's, in a stable order.
  std::vector<Tensor> parameters() const;
  /// The same, with dotted names ("0.weight", "2.bias") as PyTorch's state_dict names them.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  /// Non-trainable state (running statistics), named like named_parameters().
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;

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
  void collect(const std::string& prefix, bool buffers,
               std::vector<std::pair<std::string, Tensor>>& out) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace plexus::nn
