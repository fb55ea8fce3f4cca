// How each activation exports, in one table (io/activation_export.cpp): per PyTorch type, its
// ONNX nodes and its C function side by side, so that the two exports of an activation are written
// and reviewed together. The exporters dispatch through this table only; an activation missing
// from it is refused by name (io/export_plan.cpp). It is not the registry: nn/registry.cpp says
// which activations exist, and the export tests run every one of them through this table.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace plexus::io::detail {

struct OnnxAttribute {
  std::string name;
  std::variant<int64_t, float> value;
};

/// The ONNX graph being built, as an activation's export sees it (io/onnx.cpp implements it with
/// ONNX's protobuf classes, so that this table builds without them).
class OnnxGraph {
 public:
  virtual ~OnnxGraph() = default;
  /// Appends the node `op` on `inputs`; returns the name of its output.
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   std::initializer_list<OnnxAttribute> attributes = {}) {
    return add_node(op, inputs, attributes);
  }
  /// A float constant of shape [] (`hint` starts its name).
  virtual std::string scalar(const std::string& hint, float value) = 0;

 protected:
  virtual std::string add_node(const std::string& op, const std::vector<std::string>& inputs,
                               std::initializer_list<OnnxAttribute> attributes) = 0;
};

/// An activation layer: its PyTorch type and every argument (the registry's defaults, overridden
/// by the module's spec()).
struct ActivationLayer {
  std::string type;
  std::map<std::string, double, std::less<>> args;

  /// The argument `name` as a float. Throws when the layer has no such argument.
  float real(std::string_view name) const;
};

/// A C99 function `static void <name>(float* x, int n, ...)` that applies an activation in place
/// to x[0..n).
struct CFunction {
  std::string name;       ///< "px_leaky_relu"; a file defines each name once
  std::string source;     ///< its definition
  std::string arguments;  ///< what a call passes after (x, n): ", 0.0500000007f"
};

struct ActivationExport {
  std::string_view type;  ///< "LeakyReLU", the module's type()
  /// The output of the activation applied to `x`.
  std::function<std::string(OnnxGraph& g, const ActivationLayer& layer, const std::string& x)> onnx;
  std::function<CFunction(const ActivationLayer& layer)> c;
  /// Why this layer cannot export ("normalises over dimension 0; ..."); empty when it can. Unset:
  /// every layer of the type exports.
  std::function<std::string(const ActivationLayer& layer)> refusal = nullptr;
};

/// A C float literal that reads back as exactly `v` (9 significant digits suffice for binary32).
std::string c_float(float v);

/// The export of the activation `type`; null when it has none.
const ActivationExport* find_activation_export(std::string_view type);

}  // namespace plexus::io::detail
