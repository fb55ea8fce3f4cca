// The exact rule of integrated gradients for piecewise linear networks: the path's knots found
// layer by layer with forward passes, the pieces' gradients taken back by hand along a tape of the
// layers. K = knots, H = a layer's width, F = inputs.
#include "io/linear_pieces.hpp"

#include <algorithm>

#include "plexus/nn/activation.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/dropout.hpp"
#include "plexus/nn/feature_scale.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/ops/matmul.hpp"

namespace plexus::io {
namespace {

/// `values` [K, H], linear in alpha between neighbouring `knots`, at `alphas` (sorted, within
/// the knots' span) [A, H].
Tensor interpolate(const std::vector<double>& knots, const Tensor& values,
                   const std::vector<double>& alphas) {
  const int64_t h = values.shape(1);
  Tensor out = Tensor::empty({static_cast<int64_t>(alphas.size()), h});
  const float* v = values.data();
  size_t j = 0;
  for (size_t a = 0; a < alphas.size(); ++a) {
    while (j + 2 < knots.size() && knots[j + 1] <= alphas[a]) ++j;
    const double width = j + 1 < knots.size() ? knots[j + 1] - knots[j] : 0.0;
    const double t = width > 0 ? (alphas[a] - knots[j]) / width : 0.0;
    const float* lo = v + static_cast<int64_t>(j) * h;
    const float* hi = width > 0 ? lo + h : lo;
    float* o = out.data() + static_cast<int64_t>(a) * h;
    for (int64_t u = 0; u < h; ++u) o[u] = static_cast<float>(lo[u] + t * (hi[u] - lo[u]));
  }
  return out;
}

/// Adds to the sorted `knots` the alphas where a unit of `hidden` (linear between knots)
/// changes sign, and moves `hidden` to the new knots.
void add_sign_changes(std::vector<double>& knots, Tensor& hidden) {
  const int64_t h = hidden.shape(1);
  const float* v = hidden.data();
  std::vector<double> alphas = knots;
  for (size_t j = 0; j + 1 < knots.size(); ++j) {
    const float* lo = v + static_cast<int64_t>(j) * h;
    const float* hi = lo + h;
    for (int64_t u = 0; u < h; ++u)
      if ((lo[u] < 0 && hi[u] > 0) || (lo[u] > 0 && hi[u] < 0))
        alphas.push_back(knots[j] + (knots[j + 1] - knots[j]) * lo[u] / (lo[u] - hi[u]));
  }
  if (alphas.size() == knots.size()) return;
  std::sort(alphas.begin(), alphas.end());
  alphas.erase(std::unique(alphas.begin(), alphas.end()), alphas.end());
  hidden = interpolate(knots, hidden, alphas);
  knots = std::move(alphas);
}

/// A layer of a piecewise linear network as the exact rule takes the gradient back through it.
struct TapeStep {
  Tensor weight;              ///< Linear: [Out, In]
  std::vector<float> scale;   ///< a per-unit affine layer (eval BatchNorm, Dropout, FeatureScale)
  std::vector<float> below;   ///< ReLU, LeakyReLU: each unit's slope below 0, and
  std::vector<float> above;   ///< above 0
  std::vector<double> knots;  ///< ReLU, LeakyReLU: the knots when it was reached, and
  Tensor inputs;              ///< its inputs there [knots, H]
};

/// Each unit's slope of an element-wise layer between `from` and `to`, read from the layer.
std::vector<float> unit_slopes(nn::Module& layer, int64_t h, float from, float to) {
  Tensor ends = Tensor::empty({2, h});
  std::fill(ends.data(), ends.data() + h, from);
  std::fill(ends.data() + h, ends.data() + 2 * h, to);
  const Tensor outputs = layer.forward(ends);
  const float* y = outputs.data();
  std::vector<float> slopes(static_cast<size_t>(h));
  for (int64_t u = 0; u < h; ++u) slopes[u] = (y[h + u] - y[u]) / (to - from);
  return slopes;
}

/// Takes `hidden`, the input of `module` at `knots`, to its output, adding the knots where a
/// ReLU or LeakyReLU unit switches and each layer to `tape`. False when a layer is not piecewise
/// linear (in eval mode; an Ensemble counts as not), or the knots pass `max_knots`.
bool follow_knots(nn::Module& module, std::vector<double>& knots, Tensor& hidden, size_t max_knots,
                  std::vector<TapeStep>& tape) {
  if (auto* sequential = dynamic_cast<nn::Sequential*>(&module)) {
    for (const auto& child : sequential->children())
      if (!follow_knots(*child.second, knots, hidden, max_knots, tape)) return false;
    return true;
  }
  if (dynamic_cast<nn::Dropout*>(&module)) return true;  // the identity in eval mode
  const int64_t h = hidden.shape(1);
  TapeStep step;
  if (auto* linear = dynamic_cast<nn::Linear*>(&module)) {
    step.weight = linear->weight;
  } else if (dynamic_cast<nn::ReLU*>(&module) || dynamic_cast<nn::LeakyReLU*>(&module)) {
    add_sign_changes(knots, hidden);
    if (knots.size() > max_knots) return false;
    const bool relu = dynamic_cast<nn::ReLU*>(&module) != nullptr;
    step.below =
        relu ? std::vector<float>(static_cast<size_t>(h), 0.0f) : unit_slopes(module, h, -1, 0);
    step.above =
        relu ? std::vector<float>(static_cast<size_t>(h), 1.0f) : unit_slopes(module, h, 0, 1);
    step.knots = knots;
    step.inputs = hidden;
  } else if (dynamic_cast<nn::FeatureScale*>(&module) || dynamic_cast<nn::BatchNorm1d*>(&module)) {
    step.scale = unit_slopes(module, h, 0, 1);
  } else {
    return false;
  }
  tape.push_back(std::move(step));
  hidden = module.forward(hidden);
  return true;
}

}  // namespace

/// A piecewise linear network's gradient is constant between the path's knots (where a unit
/// switches): the integral is the sum of each piece's length times its gradient, exact up to
/// rounding. The pieces' gradients come from one pass back through the tape, [pieces, H] per
/// layer, each unit's slope read from the sign of its input at the piece's middle.
std::optional<PathIntegral> integrate_linear_pieces(nn::Module& network, const float* x,
                                                    const float* b, int64_t f, bool classification,
                                                    size_t max_pieces) {
  PathIntegral row;
  NoGradGuard no_grad;
  std::vector<double> knots = {0.0, 1.0};
  Tensor hidden = Tensor::empty({2, f});
  std::copy(b, b + f, hidden.data());
  std::copy(x, x + f, hidden.data() + f);
  std::vector<TapeStep> tape;
  if (!follow_knots(network, knots, hidden, max_pieces + 1, tape)) return std::nullopt;
  // hidden: the outputs at the knots, f(b) first and f(x) last.
  const int64_t k = hidden.shape(1), pieces = static_cast<int64_t>(knots.size()) - 1;
  const float* fb = hidden.data();
  const float* fx = fb + pieces * k;
  row.target = classification ? std::max_element(fx, fx + k) - fx : 0;
  row.fb = fb[row.target];
  row.fx = fx[row.target];
  row.pieces = static_cast<size_t>(pieces);
  // The pieces' gradients, taken back from the output: pieces whose units above a layer all
  // agree share a row (`row_of`), so each Linear multiplies only the distinct rows; each piece's
  // length weighs its row at the end.
  Tensor grad = Tensor::zeros({1, k});
  grad.data()[row.target] = 1.0f;
  std::vector<int64_t> row_of(static_cast<size_t>(pieces), 0);
  std::vector<double> middles;
  for (int64_t j = 0; j < pieces; ++j) middles.push_back((knots[j] + knots[j + 1]) / 2);
  for (auto step = tape.rbegin(); step != tape.rend(); ++step) {
    if (step->weight.defined()) {
      grad = matmul(grad, step->weight);
      continue;
    }
    const int64_t h = grad.shape(1), rows = grad.shape(0);
    float* g = grad.data();
    if (!step->scale.empty()) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t u = 0; u < h; ++u) g[r * h + u] *= step->scale[u];
      continue;
    }
    const Tensor at = interpolate(step->knots, step->inputs, middles);
    const float* middle = at.data();
    std::vector<float> masked;
    masked.reserve(static_cast<size_t>(pieces * h));
    std::vector<int64_t> masked_row_of(row_of.size());
    for (int64_t j = 0; j < pieces; ++j) {
      const float* m = middle + j * h;
      const bool same =
          j > 0 && row_of[j] == row_of[j - 1] &&
          std::equal(m, m + h, m - h, [](float a, float c) { return (a > 0) == (c > 0); });
      if (!same) {
        const float* source = g + row_of[j] * h;
        for (int64_t u = 0; u < h; ++u)
          masked.push_back(source[u] * (m[u] > 0 ? step->above[u] : step->below[u]));
      }
      masked_row_of[j] = static_cast<int64_t>(masked.size()) / h - 1;
    }
    grad = Tensor::from(masked, {static_cast<int64_t>(masked.size()) / h, h});
    row_of = std::move(masked_row_of);
  }
  row.gradient_sums.assign(static_cast<size_t>(f), 0.0);
  const float* g = grad.data();
  for (int64_t j = 0; j < pieces; ++j)
    for (int64_t i = 0; i < f; ++i)
      row.gradient_sums[i] += (knots[j + 1] - knots[j]) * g[row_of[j] * f + i];
  return row;
}

}  // namespace plexus::io
