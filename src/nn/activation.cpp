// The activation modules: each forwards to its function in ops/activation.cpp (where the
// formulas and derivatives are), and names itself as PyTorch's repr does.
#include "plexus/nn/activation.hpp"

#include <sstream>

namespace plexus::nn {

namespace {
template <typename... Parts>
std::string format(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope_); }
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha_); }
Tensor SELU::forward(const Tensor& x) { return selu(x); }
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate_); }
Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor Softplus::forward(const Tensor& x) { return softplus(x, beta_, threshold_); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim_); }
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim_); }

std::string LeakyReLU::name() const {
  return format("LeakyReLU(negative_slope=", negative_slope_, ")");
}
std::string ELU::name() const { return format("ELU(alpha=", alpha_, ")"); }
std::string GELU::name() const {
  return approximate_ == GeluApproximation::tanh ? "GELU(approximate='tanh')" : "GELU()";
}
std::string Softplus::name() const {
  return format("Softplus(beta=", beta_, ", threshold=", threshold_, ")");
}
std::string Softmax::name() const { return format("Softmax(dim=", dim_, ")"); }
std::string LogSoftmax::name() const { return format("LogSoftmax(dim=", dim_, ")"); }

LayerSpec LeakyReLU::spec() const { return {type(), {{"negative_slope", negative_slope_}}, {}}; }
LayerSpec ELU::spec() const { return {type(), {{"alpha", alpha_}}, {}}; }
LayerSpec GELU::spec() const {
  return {type(), {{"approximate", approximate_ == GeluApproximation::tanh ? 1.0 : 0.0}}, {}};
}
LayerSpec Softplus::spec() const {
  return {type(), {{"beta", beta_}, {"threshold", threshold_}}, {}};
}
LayerSpec Softmax::spec() const { return {type(), {{"dim", static_cast<double>(dim_)}}, {}}; }
LayerSpec LogSoftmax::spec() const { return {type(), {{"dim", static_cast<double>(dim_)}}, {}}; }

}  // namespace plexus::nn
