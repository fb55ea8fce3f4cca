// Layers by name, for command lines and model files: activations by their functional name
// (make_activation("relu")), and every built-in layer by its PyTorch class name from a LayerSpec
// (make_layer({"Linear", {{"in_features", 4}, {"out_features", 2}}})). describe() and build()
// turn a Sequential into specs and back, so a file can store the architecture beside the state:
//   Sequential copy = build(describe(model));  copy.load_state_dict(model.state_dict());
// One table per kind feeds the lookup, the help text and the error for an unknown name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/nn/module.hpp"
#include "plexus/nn/sequential.hpp"

namespace plexus::nn {

struct ActivationInfo {
  std::string name;  ///< "leaky_relu", as the function in plexus/ops/activation.hpp
  std::string type;  ///< "LeakyReLU", the module's class
  std::string description;
};

/// Every activation make_activation() knows, in a stable order.
std::vector<ActivationInfo> activations();
/// The activation module `name` with PyTorch's default parameters. Throws for an unknown name,
/// listing the known ones.
std::shared_ptr<Module> make_activation(std::string_view name);

struct LayerArg {
  std::string name;
  std::optional<double> default_value;  ///< none: required
};

struct LayerInfo {
  std::string type;  ///< "Linear"
  std::vector<LayerArg> args;
  std::string description;
  /// The list arguments it takes (LayerSpec::lists), each optional: the layer says what leaving
  /// it out means.
  std::vector<std::string> lists = {};
};

/// Every layer type make_layer() builds, in a stable order (activations included).
std::vector<LayerInfo> layers();
/// The layer `spec` describes (a built-in type; arguments by name, the unset ones at their
/// defaults). Throws for an unknown type, an unknown or missing argument, or a bad value.
std::shared_ptr<Module> make_layer(const LayerSpec& spec);

/// Each layer's spec(), in order (nested Sequentials as specs with children).
std::vector<LayerSpec> describe(const Sequential& model);
/// A new model of the described layers, freshly initialised; its state_dict() has the names and
/// shapes of the described model's. Throws, before allocating, when the layers' parameters and
/// buffers would hold more than `max_numbers` numbers (for a description read from a file, what
/// the file holds: a few bytes of text must not ask for terabytes).
Sequential build(const std::vector<LayerSpec>& specs, uint64_t max_numbers = UINT64_MAX);

}  // namespace plexus::nn
