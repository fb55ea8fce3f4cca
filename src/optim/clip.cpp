// Gradient clipping and gradient norms. Norms are accumulated in double, so a large layer's sum of
// squares loses nothing; a NaN anywhere makes the norm NaN.
#include "plexus/optim/clip.hpp"

#include <algorithm>
#include <cmath>

#include "base/check.hpp"

namespace plexus {
namespace {

void check_norm_type(const char* function, double norm_type) {
  PLEXUS_CHECK(norm_type > 0.0, function, ": invalid norm_type = ", norm_type,
               "; it must be > 0 (or infinity for the largest |g|)");
}

// Folds one gradient into a running sum of |g|^p, or a running max of |g| for p = inf.
double accumulate(double acc, const Tensor& grad, double p) {
  const float* g = grad.data();
  const size_t n = grad.numel();
  if (std::isnan(acc)) return acc;
  if (std::isinf(p)) {
    for (size_t i = 0; i < n; ++i) {
      const double a = std::fabs(static_cast<double>(g[i]));
      if (std::isnan(a)) return a;  // std::max would drop it
      acc = std::max(acc, a);
    }
  } else if (p == 2.0) {
    for (size_t i = 0; i < n; ++i) acc += static_cast<double>(g[i]) * static_cast<double>(g[i]);
  } else if (p == 1.0) {
    for (size_t i = 0; i < n; ++i) acc += std::fabs(static_cast<double>(g[i]));
  } else {
    for (size_t i = 0; i < n; ++i) acc += std::pow(std::fabs(static_cast<double>(g[i])), p);
  }
  return acc;
}

double finish(double acc, double p) {
  if (std::isinf(p) || p == 1.0) return acc;
  return p == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / p);
}

}  // namespace

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  PLEXUS_CHECK(max_norm >= 0.0, "clip_grad_norm: invalid max_norm = ", max_norm,
               "; it must be >= 0");
  check_norm_type("clip_grad_norm", norm_type);
  double acc = 0.0;
  for (const Tensor& param : params) {
    const Tensor grad = param.grad();
    if (grad.defined()) acc = accumulate(acc, grad, norm_type);
  }
  const double total = finish(acc, norm_type);
  if (!std::isfinite(total)) return total;
  const double scale = max_norm / (total + 1e-6);
  if (scale >= 1.0) return total;
  const float factor = static_cast<float>(scale);
  for (const Tensor& param : params) {
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    float* g = grad.data();
    for (size_t i = 0, n = grad.numel(); i < n; ++i) g[i] *= factor;
  }
  return total;
}

void clip_grad_value(const std::vector<Tensor>& params, double clip_value) {
  PLEXUS_CHECK(clip_value >= 0.0, "clip_grad_value: invalid clip_value = ", clip_value,
               "; it must be >= 0");
  const float high = static_cast<float>(clip_value);
  const float low = -high;
  for (const Tensor& param : params) {
    Tensor grad = param.grad();
    if (!grad.defined()) continue;
    float* g = grad.data();
    for (size_t i = 0, n = grad.numel(); i < n; ++i)
      g[i] = g[i] < low ? low : (g[i] > high ? high : g[i]);  // NaN stays NaN, as in PyTorch
  }
}

std::vector<GradNorm> grad_norms(const NamedTensors& named_params, double norm_type) {
  check_norm_type("grad_norms", norm_type);
  std::vector<GradNorm> norms;
  for (const auto& [name, param] : named_params) {
    const Tensor grad = param.grad();
    if (grad.defined())
      norms.push_back({name, finish(accumulate(0.0, grad, norm_type), norm_type)});
  }
  return norms;
}

}  // namespace plexus
