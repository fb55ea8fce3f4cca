// px::nn::Linear: owns W [Out, In] and b [Out] and calls the fused px::linear op (ops/matmul.cpp).
// B = batch size, In = input features, Out = output features.
#include "plexus/nn/linear.hpp"

#include <cmath>

#include "base/check.hpp"
#include "nn/init_detail.hpp"
#include "plexus/nn/init.hpp"
#include "plexus/ops.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, std::optional<uint64_t> seed)
    : in_features_(in_features), out_features_(out_features) {
  PLEXUS_CHECK(in_features > 0 && out_features > 0, "Linear(", in_features, " -> ", out_features,
               "): feature counts must be positive");
  // kaiming_uniform(a = sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / In) =
  // 1 / sqrt(In). PyTorch chose it to keep its older U(+-1/sqrt(In)) default.
  const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(in_features)));
  Generator generator(seed ? *seed : next_seed());
  weight = register_parameter("weight", Tensor::empty({out_features, in_features}));
  init::detail::fill_uniform(weight, -bound, bound, generator);
  if (bias) {
    this->bias = register_parameter("bias", Tensor::empty({out_features}));
    init::detail::fill_uniform(this->bias, -bound, bound, generator);
  }
}

Tensor Linear::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  const Shape& shape = x.shape();
  PLEXUS_CHECK(shape.rank() >= 1 && shape.back() == in_features_, name(), ": input has ",
               shape.rank() == 0 ? 0 : shape.back(), " features, expected ", in_features_,
               " (input shape ", shape, ")");
  return linear(x, weight, bias);
}

std::string Linear::name() const {
  return "Linear(" + std::to_string(in_features_) + " -> " + std::to_string(out_features_) +
         (bias.defined() ? ")" : ", bias=false)");
}

LayerSpec Linear::spec() const {
  return {type(),
          {{"in_features", static_cast<double>(in_features_)},
           {"out_features", static_cast<double>(out_features_)},
           {"bias", bias.defined() ? 1.0 : 0.0}},
          {}};
}

}  // namespace plexus::nn
