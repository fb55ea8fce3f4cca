// Normalisation ops, each fused with a hand-written backward: batch_norm (over the batch, x is
// [B, C] with B = batch size, C = features, so channel c is the column x[:, c]) and layer_norm
// (over each row's last dimension). Their modules are nn::BatchNorm1d and nn::LayerNorm.
#include <cmath>
#include <vector>

#include "ops/common.hpp"
#include "plexus/ops/norm.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

namespace {
// The inputs of a normalisation op: x, then weight and bias where defined. Their positions are
// what the backward needs to find the gradient buffers.
struct AffineIndices {
  size_t weight = 0, bias = 0;  // 0: not an input

  struct Buffers {
    const float* w;
    float *dx, *dw, *db;
  };
  Buffers buffers(BackwardContext& c) const {
    return {weight ? c.input_data(weight) : nullptr, c.input_grad(0),
            weight ? c.input_grad(weight) : nullptr, bias ? c.input_grad(bias) : nullptr};
  }
};

struct AffineInputs {
  std::vector<Tensor> inputs;
  AffineIndices positions;

  AffineInputs(const Tensor& x, const Tensor& weight, const Tensor& bias) : inputs{x} {
    if (weight.defined()) {
      positions.weight = inputs.size();
      inputs.push_back(weight);
    }
    if (bias.defined()) {
      positions.bias = inputs.size();
      inputs.push_back(bias);
    }
  }
  AffineIndices indices() const { return positions; }
};

void check_channel_vector(const Tensor& t, int64_t channels, const char* what, const Tensor& x) {
  if (!t.defined()) return;
  PLEXUS_CHECK(t.rank() == 1 && t.shape()[0] == channels, "batch_norm: ", what, " of shape ",
               t.shape(), " does not match input ", x.shape(), ": expected [", channels, "]");
}
thread_local BatchStatisticsReducer* t_reducer = nullptr;
}  // namespace

BatchStatisticsReducer* batch_statistics_reducer() { return t_reducer; }

BatchStatisticsReducerGuard::BatchStatisticsReducerGuard(BatchStatisticsReducer* reducer)
    : previous_(t_reducer) {
  t_reducer = reducer;
}

BatchStatisticsReducerGuard::~BatchStatisticsReducerGuard() { t_reducer = previous_; }

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
  PLEXUS_CHECK(training || (running_mean.defined() && running_var.defined()),
               "batch_norm: eval mode needs running_mean and running_var");

  const auto rows = static_cast<size_t>(batch);
  const auto cols = static_cast<size_t>(channels);
  const float* px = x.data();
  // stats[0] = mean, stats[1] = rstd: what the backward needs, besides x.
  Tensor stats = Tensor::empty({2, channels});
  float* mean = stats.data();
  float* rstd = mean + cols;
  BatchStatisticsReducer* const reducer = training ? t_reducer : nullptr;
  double total_rows = static_cast<double>(rows);
  if (training) {
    // sum[cols] counts the rows, so that one reduction gives the global batch size too.
    std::vector<double> sum(cols + 1, 0.0), squares(cols, 0.0);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) sum[c] += px[r * cols + c];
    if (reducer) {
      sum[cols] = total_rows;
      reducer->sum(sum);
      total_rows = sum[cols];
    }
    PLEXUS_CHECK(total_rows > 1,
                 "batch_norm: Expected more than 1 value per channel when training, got input of "
                 "shape ",
                 x.shape(), reducer ? " in a global batch of 1 row" : "");
    for (size_t c = 0; c < cols; ++c) sum[c] /= total_rows;
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) {
        const double d = px[r * cols + c] - sum[c];
        squares[c] += d * d;
      }
    if (reducer) reducer->sum(squares);
    const double m = momentum;
    for (size_t c = 0; c < cols; ++c) {
      const double var = squares[c] / total_rows;
      mean[c] = static_cast<float>(sum[c]);
      rstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
      // NOTE: the running variance is the unbiased one (divided by B - 1), as in PyTorch.
      const double unbiased = squares[c] / (total_rows - 1);
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

  const AffineInputs affine(x, weight, bias);

  return autograd::record(
      Op::batch_norm, std::move(y), std::span<const Tensor>(affine.inputs),
      [stats, training, reducer, total_rows, affine = affine.indices()](BackwardContext& c) {
        const size_t n_rows = c.input_shape(0)[0];
        const size_t n_cols = c.input_shape(0)[1];
        const float* xs = c.input_data(0);
        const float* dy = c.output_grad();
        const float* mu = stats.data();
        const float* rs = mu + n_cols;
        const auto [w, dx, dw, db] = affine.buffers(c);
        // sums[ch] = sum(dy), sums[n_cols + ch] = sum(dy * xhat), over this process's rows.
        std::vector<double> sums(2 * n_cols, 0.0);
        for (size_t ch = 0; ch < n_cols; ++ch) {
          double sum_dy = 0.0, sum_dy_xhat = 0.0;
          for (size_t r = 0; r < n_rows; ++r) {
            const size_t i = r * n_cols + ch;
            sum_dy += dy[i];
            sum_dy_xhat += static_cast<double>(dy[i]) * (xs[i] - mu[ch]) * rs[ch];
          }
          // The parameters' gradients stay local: data-parallel training sums them with the rest.
          if (dw) dw[ch] += static_cast<float>(sum_dy_xhat);
          if (db) db[ch] += static_cast<float>(sum_dy);
          sums[ch] = sum_dy;
          sums[n_cols + ch] = sum_dy_xhat;
        }
        if (!dx) return;
        if (reducer) reducer->sum(sums);
        for (size_t ch = 0; ch < n_cols; ++ch) {
          const float scale = (w ? w[ch] : 1.0f) * rs[ch];
          if (!training) {
            for (size_t r = 0; r < n_rows; ++r) dx[r * n_cols + ch] += dy[r * n_cols + ch] * scale;
            continue;
          }
          const auto mean_dy = static_cast<float>(sums[ch] / total_rows);
          const auto mean_dy_xhat = static_cast<float>(sums[n_cols + ch] / total_rows);
          for (size_t r = 0; r < n_rows; ++r) {
            const size_t i = r * n_cols + ch;
            const float xhat = (xs[i] - mu[ch]) * rs[ch];
            dx[i] += scale * (dy[i] - mean_dy - xhat * mean_dy_xhat);
          }
        }
      });
}

}  // namespace plexus

namespace plexus {

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

  const AffineInputs affine(x, weight, bias);

  return autograd::record(
      Op::layer_norm, std::move(y), std::span<const Tensor>(affine.inputs),
      [stats, rows, n, affine = affine.indices()](BackwardContext& c) {
        const float* xs = c.input_data(0);
        const float* dy = c.output_grad();
        const float* mu = stats.data();
        const float* rs = mu + rows;
        const auto [w, dx, dw, db] = affine.buffers(c);
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
