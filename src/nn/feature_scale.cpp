// px::nn::FeatureScale: a broadcast product (and sum) of existing ops; their backward gives
// dweight = sum over rows of dy * x.
#include "plexus/nn/feature_scale.hpp"

#include "base/check.hpp"
#include "plexus/ops/elementwise.hpp"

namespace plexus::nn {

FeatureScale::FeatureScale(int64_t num_features, bool bias) : features_(num_features) {
  PLEXUS_CHECK(num_features > 0, "FeatureScale(", num_features, "): num_features must be positive");
  weight = register_parameter("weight", Tensor::ones({num_features}));
  if (bias) this->bias = register_parameter("bias", Tensor::zeros({num_features}));
}

Tensor FeatureScale::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  PLEXUS_CHECK(x.rank() >= 1 && x.shape().back() == features_, name(), ": input has ",
               x.rank() == 0 ? 0 : x.shape().back(), " features, expected ", features_,
               " (input shape ", x.shape(), ")");
  const Tensor scaled = mul(x, weight);
  return bias.defined() ? add(scaled, bias) : scaled;
}

std::string FeatureScale::name() const {
  return "FeatureScale(" + std::to_string(features_) + (bias.defined() ? ", bias=true)" : ")");
}

LayerSpec FeatureScale::spec() const {
  return {type(),
          {{"num_features", static_cast<double>(features_)}, {"bias", bias.defined() ? 1.0 : 0.0}},
          {}};
}

}  // namespace plexus::nn
