// px::nn::LayerNorm: owns the parameters of the layer_norm op (ops/norm.cpp).
#include "plexus/nn/layernorm.hpp"

#include <sstream>

#include "base/check.hpp"
#include "plexus/ops/norm.hpp"

namespace plexus::nn {

LayerNorm::LayerNorm(int64_t features, float eps, bool elementwise_affine)
    : features_(features), eps_(eps) {
  PLEXUS_CHECK(features > 0, "LayerNorm(", features, "): features must be positive");
  PLEXUS_CHECK(eps > 0.0f, "LayerNorm(", features, "): eps must be positive, got ", eps);
  if (elementwise_affine) {
    weight = register_parameter("weight", Tensor::ones({features}));
    bias = register_parameter("bias", Tensor::zeros({features}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  PLEXUS_CHECK(x.rank() >= 1 && x.shape().back() == features_, name(), ": input has ",
               x.rank() == 0 ? 0 : x.shape().back(), " features in its last dimension, expected ",
               features_, " (input shape ", x.shape(), ")");
  return layer_norm(x, weight, bias, eps_);
}

std::string LayerNorm::name() const {
  std::ostringstream out;
  out << "LayerNorm(" << features_;
  if (eps_ != 1e-5f) out << ", eps=" << eps_;
  if (!weight.defined()) out << ", elementwise_affine=false";
  out << ")";
  return out.str();
}

LayerSpec LayerNorm::spec() const {
  return {type(),
          {{"normalized_shape", static_cast<double>(features_)},
           {"eps", eps_},
           {"elementwise_affine", weight.defined() ? 1.0 : 0.0}},
          {}};
}

}  // namespace plexus::nn
