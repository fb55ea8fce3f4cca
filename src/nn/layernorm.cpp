// Layer normalisation: the fused layer_norm op (forward and hand-written backward) and the
// LayerNorm module. x is viewed as [Rows, N]: each row of N features is normalised on its own.
#include "plexus/nn/layernorm.hpp"

#include <cmath>
#include <sstream>
#include <vector>

#include "autograd/graph.hpp"
#include "plexus/error.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

// xhat = (x - mean) * rstd,  y = xhat * w + b,  per row, rstd = 1 / sqrt(var + eps).
// With g = dy * w:  dx = rstd * (g - mean_N(g) - xhat * mean_N(g * xhat));
// dw = sum_rows(dy * xhat),  db = sum_rows(dy).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  PLEXUS_CHECK(x.defined(), "layer_norm: the input tensor is empty");
  PLEXUS_CHECK(x.rank() >= 1, "layer_norm: cannot normalise a scalar");
  const int64_t features = x.shape().back();
  for (const Tensor* t : {&weight, &bias})
    if (t->defined())
      PLEXUS_CHECK(t->rank() == 1 && t->shape()[0] == features,
                   "layer_norm: ", t == &weight ? "weight" : "bias", " of shape ", t->shape(),
                   " does not match input ", x.shape(), ": expected [", features, "]");
  const auto n = static_cast<size_t>(features);
  const size_t rows = n == 0 ? 0 : x.numel() / n;
  const float* px = x.data();
  // stats[0] = mean, stats[1] = rstd of each row: what the backward needs, besides x.
  Tensor stats = Tensor::empty({2, static_cast<int64_t>(rows)});
  float* mean = stats.data();
  float* rstd = mean + rows;
  Tensor y = Tensor::empty(x.shape());
  float* py = y.data();
  for (size_t r = 0; r < rows; ++r) {
    const float* row = px + r * n;
    double sum = 0.0, squares = 0.0;
    for (size_t j = 0; j < n; ++j) sum += row[j];
    const double mu = sum / static_cast<double>(n);
    for (size_t j = 0; j < n; ++j) squares += (row[j] - mu) * (row[j] - mu);
    mean[r] = static_cast<float>(mu);
    rstd[r] = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(n) + eps));
    for (size_t j = 0; j < n; ++j) {
      const float xhat = (row[j] - mean[r]) * rstd[r];
      py[r * n + j] = xhat * (weight.defined() ? weight.data()[j] : 1.0f) +
                      (bias.defined() ? bias.data()[j] : 0.0f);
    }
  }

  std::vector<Tensor> inputs{x};
  const size_t weight_index = weight.defined() ? inputs.size() : 0;
  if (weight.defined()) inputs.push_back(weight);
  const size_t bias_index = bias.defined() ? inputs.size() : 0;
  if (bias.defined()) inputs.push_back(bias);

  return autograd::record(
      Op::layer_norm, std::move(y), std::span<const Tensor>(inputs),
      [stats, rows, n, weight_index, bias_index](BackwardContext& c) {
        const float* xs = c.input_data(0);
        const float* dy = c.output_grad();
        const float* mu = stats.data();
        const float* rs = mu + rows;
        const float* w = weight_index ? c.input_data(weight_index) : nullptr;
        float* dx = c.input_grad(0);
        float* dw = weight_index ? c.input_grad(weight_index) : nullptr;
        float* db = bias_index ? c.input_grad(bias_index) : nullptr;
        for (size_t r = 0; r < rows; ++r) {
          const float* x_row = xs + r * n;
          const float* dy_row = dy + r * n;
          double sum_g = 0.0, sum_g_xhat = 0.0;
          for (size_t j = 0; j < n; ++j) {
            const float xhat = (x_row[j] - mu[r]) * rs[r];
            const float g = dy_row[j] * (w ? w[j] : 1.0f);
            sum_g += g;
            sum_g_xhat += static_cast<double>(g) * xhat;
            if (dw) dw[j] += dy_row[j] * xhat;
            if (db) db[j] += dy_row[j];
          }
          if (!dx) continue;
          const auto mean_g = static_cast<float>(sum_g / static_cast<double>(n));
          const auto mean_g_xhat = static_cast<float>(sum_g_xhat / static_cast<double>(n));
          for (size_t j = 0; j < n; ++j) {
            const float xhat = (x_row[j] - mu[r]) * rs[r];
            const float g = dy_row[j] * (w ? w[j] : 1.0f);
            dx[r * n + j] += rs[r] * (g - mean_g - xhat * mean_g_xhat);
          }
        }
      });
}

}  // namespace plexus

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
