// Softmax row kernels on raw pointers, shared by the softmax and log_softmax activations and the
// fused cross-entropy loss. A row is n contiguous values; backward kernels accumulate (+=).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace plexus::cpu {

/// What a softmax pass learns about its row: m = max_k x_k and log sum_k e^(x_k - m), so that
/// log_softmax(x)_k = (x_k - m) - log_sum.
struct SoftmaxRow {
  float max;
  float log_sum;
};

// NOTE: the row maximum m is subtracted before exp, so logits of +-1000 give e^0 = 1 for the
// largest instead of overflowing to inf (and a row of -1000s gives 1/n, not 0/0).
inline float row_max(const float* x, size_t n) {
  float m = -INFINITY;
  for (size_t k = 0; k < n; ++k) m = std::max(m, x[k]);
  return m;
}

/// y_k = e^(x_k - m) / sum_j e^(x_j - m)
inline SoftmaxRow softmax_row(float* y, const float* x, size_t n) {
  const float m = row_max(x, n);
  float total = 0.0f;
  for (size_t k = 0; k < n; ++k) {
    y[k] = std::exp(x[k] - m);
    total += y[k];
  }
  const float inverse = 1.0f / total;
  for (size_t k = 0; k < n; ++k) y[k] *= inverse;
  return {m, std::log(total)};
}

/// dx_k += y_k (dy_k - sum_j dy_j y_j), y = softmax(x)
inline void softmax_row_backward(float* dx, const float* y, const float* dy, size_t n) {
  float dot = 0.0f;
  for (size_t k = 0; k < n; ++k) dot += dy[k] * y[k];
  for (size_t k = 0; k < n; ++k) dx[k] += y[k] * (dy[k] - dot);
}

/// y_k = (x_k - m) - log sum_j e^(x_j - m).  NOTE: (x - m) first, then the log-sum: adding m to
/// the log-sum before subtracting would round it at the scale of m (|m| = 1000 loses 4 digits).
inline void log_softmax_row(float* y, const float* x, size_t n) {
  const float m = row_max(x, n);
  float total = 0.0f;
  for (size_t k = 0; k < n; ++k) total += std::exp(x[k] - m);
  const float log_total = std::log(total);
  for (size_t k = 0; k < n; ++k) y[k] = (x[k] - m) - log_total;
}

/// dx_k += dy_k - e^(y_k) sum_j dy_j, y = log_softmax(x)
inline void log_softmax_row_backward(float* dx, const float* y, const float* dy, size_t n) {
  float total = 0.0f;
  for (size_t k = 0; k < n; ++k) total += dy[k];
  for (size_t k = 0; k < n; ++k) dx[k] += dy[k] - std::exp(y[k]) * total;
}

}  // namespace plexus::cpu
