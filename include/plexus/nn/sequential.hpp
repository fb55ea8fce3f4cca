// px::nn::Sequential: a chain of modules, each fed the previous one's output, of any depth
// (a Sequential may hold Sequentials). Children are named "0", "1", ... as in PyTorch, so
// parameters are "0.weight", "0.bias", "3.running_mean", ...
#pragma once

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "plexus/nn/module.hpp"

namespace plexus::nn {

/// Any module, taken by value (moved into shared ownership) or as a shared_ptr, so that one braced
/// list can mix layer types. NOTE: a module copied in shares its tensors with the original, as
/// copies of a Tensor do.
class AnyModule {
 public:
  template <std::derived_from<Module> M>
  AnyModule(M module)  // NOLINT(google-explicit-constructor): implicit by design
      : module_(std::make_shared<M>(std::move(module))) {}
  template <std::derived_from<Module> M>
  AnyModule(std::shared_ptr<M> module)  // NOLINT(google-explicit-constructor)
      : module_(std::move(module)) {}

  const std::shared_ptr<Module>& get() const { return module_; }

 private:
  std::shared_ptr<Module> module_;
};

class Sequential : public Module {
 public:
  Sequential() = default;
  /// Sequential{Linear(784, 256), ReLU(), Dropout(0.2), Linear(256, 10)}
  Sequential(std::initializer_list<AnyModule> modules);

  /// Appends a layer; it is named after its index.
  void push_back(AnyModule module);
  size_t size() const { return children().size(); }
  /// Layer i; throws if i >= size().
  Module& operator[](size_t i);
  const Module& operator[](size_t i) const;
  /// Layer i as its concrete type, e.g. model.at<Linear>(0).weight; throws if it is another type.
  template <std::derived_from<Module> M>
  M& at(size_t i) {
    auto* layer = dynamic_cast<M*>(&(*this)[i]);
    if (layer == nullptr) throw_wrong_type(i);
    return *layer;
  }

  /// x through every layer in order. A plexus::Error from layer i is rethrown with the prefix
  /// "layer i (<its name>): ".
  Tensor forward(const Tensor& x) override;
  /// "Sequential(Linear(2 -> 8), ReLU(), Linear(8 -> 1))"
  std::string name() const override;
  std::string type() const override { return "Sequential"; }
  /// No arguments; every layer's spec in children.
  LayerSpec spec() const override;
  /// The first layer's that states one (the layers before it are taken to keep the width).
  std::optional<int64_t> in_features() const override;
  /// The last layer's that states one (the layers after it are taken to keep the width).
  std::optional<int64_t> out_features() const override;

  /// A table of the layers (nested Sequentials flattened, numbered "2.0", "2.1", ...), each with
  /// its output size and parameter count, and the total. Output sizes come from running a batch
  /// of one zero row in eval mode without grad (modes are restored); they show "?" when no layer
  /// states its in_features() and after a layer that fails. Each row shows the layer's name().
  std::string summary() const;

 private:
  [[noreturn]] void throw_wrong_type(size_t i) const;
};

}  // namespace plexus::nn
