// px::nn::BatchNorm1d: owns the parameters and running statistics that the batch_norm op
// (ops/norm.cpp) normalises with.
#include "plexus/nn/batchnorm.hpp"

#include <sstream>

#include "base/check.hpp"
#include "plexus/ops/norm.hpp"

namespace plexus::nn {

BatchNorm1d::BatchNorm1d(int64_t features, float eps, float momentum, bool affine)
    : features_(features), eps_(eps), momentum_(momentum) {
  PLEXUS_CHECK(features > 0, "BatchNorm1d(", features, "): features must be positive");
  PLEXUS_CHECK(eps > 0.0f, "BatchNorm1d(", features, "): eps must be positive, got ", eps);
  PLEXUS_CHECK(momentum >= 0.0f && momentum <= 1.0f, "BatchNorm1d(", features,
               "): momentum must be in [0, 1], got ", momentum);
  if (affine) {
    weight = register_parameter("weight", Tensor::ones({features}));
    bias = register_parameter("bias", Tensor::zeros({features}));
  }
  running_mean = register_buffer("running_mean", Tensor::zeros({features}));
  running_var = register_buffer("running_var", Tensor::ones({features}));
  num_batches_tracked = register_buffer("num_batches_tracked", Tensor::scalar(0.0f));
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  PLEXUS_CHECK(x.rank() == 2 && x.shape()[1] == features_, name(), ": expected input [B, ",
               features_, "], got shape ", x.shape());
  // Synchronised over processes, the global batch is what counts (batch_norm checks it), and a
  // process may hold none of its rows.
  PLEXUS_CHECK(!is_training() || x.shape()[0] > 1 || batch_statistics_reducer() != nullptr, name(),
               ": Expected more than 1 value per channel when training, got input of shape ",
               x.shape(), " (hint: use a batch of at least 2, or call eval() for inference)");
  if (is_training()) num_batches_tracked.data()[0] += 1.0f;
  return batch_norm(x, running_mean, running_var, weight, bias, is_training(), momentum_, eps_);
}

std::string BatchNorm1d::name() const {
  std::ostringstream out;
  out << "BatchNorm1d(" << features_;
  if (eps_ != 1e-5f) out << ", eps=" << eps_;
  if (momentum_ != 0.1f) out << ", momentum=" << momentum_;
  if (!weight.defined()) out << ", affine=false";
  out << ")";
  return out.str();
}

LayerSpec BatchNorm1d::spec() const {
  return {type(),
          {{"num_features", static_cast<double>(features_)},
           {"eps", eps_},
           {"momentum", momentum_},
           {"affine", weight.defined() ? 1.0 : 0.0}},
          {}};
}

}  // namespace plexus::nn
