// Batch normalisation: the fused batch_norm op (forward and hand-written backward) and the
// BatchNorm1d module that owns its parameters and running statistics.
// B = batch size, C = features; x is [B, C], row-major, so channel c is the column x[:, c].
#include "plexus/nn/batchnorm.hpp"

#include <cmath>
#include <sstream>
#include <vector>

#include "autograd/graph.hpp"
#include "plexus/error.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

namespace {
void check_channel_vector(const Tensor& t, int64_t channels, const char* what, const Tensor& x) {
  if (!t.defined()) return;
  PLEXUS_CHECK(t.rank() == 1 && t.shape()[0] == channels, "batch_norm: ", what, " of shape ",
               t.shape(), " does not match input ", x.shape(), ": expected [", channels, "]");
}
}  // namespace

// xhat = (x - mean) * rstd,  y = xhat * w + b,  rstd = 1 / sqrt(var + eps).
// Train (mean, var depend on x):  dx = w * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
// Eval (running statistics are constants):  dx = w * rstd * dy.
// Both:  dw = sum_B(dy * xhat),  db = sum_B(dy).
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight,
                  const Tensor& bias, bool training, float momentum, float eps) {
  PLEXUS_CHECK(x.defined(), "batch_norm: the input tensor is empty");
  PLEXUS_CHECK(x.rank() == 2, "batch_norm: expected a 2-D input [B, C], got shape ", x.shape());
  const int64_t batch = x.shape()[0];
  const int64_t channels = x.shape()[1];
  check_channel_vector(running_mean, channels, "running_mean", x);
  check_channel_vector(running_var, channels, "running_var", x);
  check_channel_vector(weight, channels, "weight", x);
  check_channel_vector(bias, channels, "bias", x);
  PLEXUS_CHECK(!training || batch > 1,
               "batch_norm: Expected more than 1 value per channel when training, got input of "
               "shape ",
               x.shape());
  PLEXUS_CHECK(training || (running_mean.defined() && running_var.defined()),
               "batch_norm: eval mode needs running_mean and running_var");

  const auto rows = static_cast<size_t>(batch);
  const auto cols = static_cast<size_t>(channels);
  const float* px = x.data();
  // stats[0] = mean, stats[1] = rstd: what the backward needs, besides x.
  Tensor stats = Tensor::empty({2, channels});
  float* mean = stats.data();
  float* rstd = mean + cols;
  if (training) {
    std::vector<double> sum(cols, 0.0), squares(cols, 0.0);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) sum[c] += px[r * cols + c];
    for (size_t c = 0; c < cols; ++c) sum[c] /= static_cast<double>(rows);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) {
        const double d = px[r * cols + c] - sum[c];
        squares[c] += d * d;
      }
    const double m = momentum;
    for (size_t c = 0; c < cols; ++c) {
      const double var = squares[c] / static_cast<double>(rows);
      mean[c] = static_cast<float>(sum[c]);
      rstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
      // NOTE: the running variance is the unbiased one (divided by B - 1), as in PyTorch.
      const double unbiased = squares[c] / static_cast<double>(rows - 1);
      if (running_mean.defined())
        running_mean.data()[c] =
            static_cast<float>(m * sum[c] + (1.0 - m) * running_mean.data()[c]);
      if (running_var.defined())
        running_var.data()[c] =
            static_cast<float>(m * unbiased + (1.0 - m) * running_var.data()[c]);
    }
  } else {
    for (size_t c = 0; c < cols; ++c) {
      mean[c] = running_mean.data()[c];
      rstd[c] =
          static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var.data()[c]) + eps));
    }
  }

  // y = x * alpha + beta with alpha = w * rstd, beta = b - mean * alpha (PyTorch's CPU form).
  Tensor y = Tensor::empty(x.shape());
  float* py = y.data();
  std::vector<float> alpha(cols), beta(cols);
  for (size_t c = 0; c < cols; ++c) {
    alpha[c] = (weight.defined() ? weight.data()[c] : 1.0f) * rstd[c];
    beta[c] = (bias.defined() ? bias.data()[c] : 0.0f) - mean[c] * alpha[c];
  }
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) py[r * cols + c] = px[r * cols + c] * alpha[c] + beta[c];

  std::vector<Tensor> inputs{x};
  const size_t weight_index = weight.defined() ? inputs.size() : 0;
  if (weight.defined()) inputs.push_back(weight);
  const size_t bias_index = bias.defined() ? inputs.size() : 0;
  if (bias.defined()) inputs.push_back(bias);

  return autograd::record(
      Op::batch_norm, std::move(y), std::span<const Tensor>(inputs),
      [stats, training, weight_index, bias_index](BackwardContext& c) {
        const size_t n_rows = c.input_shape(0)[0];
        const size_t n_cols = c.input_shape(0)[1];
        const float* xs = c.input_data(0);
        const float* dy = c.output_grad();
        const float* mu = stats.data();
        const float* rs = mu + n_cols;
        const float* w = weight_index ? c.input_data(weight_index) : nullptr;
        float* dx = c.input_grad(0);
        float* dw = weight_index ? c.input_grad(weight_index) : nullptr;
        float* db = bias_index ? c.input_grad(bias_index) : nullptr;
        for (size_t ch = 0; ch < n_cols; ++ch) {
          double sum_dy = 0.0, sum_dy_xhat = 0.0;
          for (size_t r = 0; r < n_rows; ++r) {
            const size_t i = r * n_cols + ch;
            sum_dy += dy[i];
            sum_dy_xhat += static_cast<double>(dy[i]) * (xs[i] - mu[ch]) * rs[ch];
          }
          if (dw) dw[ch] += static_cast<float>(sum_dy_xhat);
          if (db) db[ch] += static_cast<float>(sum_dy);
          if (!dx) continue;
          const float scale = (w ? w[ch] : 1.0f) * rs[ch];
          if (!training) {
            for (size_t r = 0; r < n_rows; ++r) dx[r * n_cols + ch] += dy[r * n_cols + ch] * scale;
            continue;
          }
          const auto mean_dy = static_cast<float>(sum_dy / static_cast<double>(n_rows));
          const auto mean_dy_xhat = static_cast<float>(sum_dy_xhat / static_cast<double>(n_rows));
          for (size_t r = 0; r < n_rows; ++r) {
            const size_t i = r * n_cols + ch;
            const float xhat = (xs[i] - mu[ch]) * rs[ch];
            dx[i] += scale * (dy[i] - mean_dy - xhat * mean_dy_xhat);
          }
        }
      });
}

}  // namespace plexus

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
  PLEXUS_CHECK(!is_training() || x.shape()[0] > 1, name(),
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
