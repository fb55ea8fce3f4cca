// The fused loss ops: each forward with its hand-written backward. The public losses that call
// them (loss/regression.cpp, loss/binary.cpp, loss/classification.cpp) check the arguments; the
// formulas are written above each op. B = batch size, C = number of classes.
#include "ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/activation.hpp"
#include "cpu/softmax.hpp"
#include "ops/common.hpp"

namespace plexus::ops {

// scale * sum_i s_i sum_k e_ik^2, e = pred - target, s = the rows' weights (all 1 when empty);
// d/dpred = 2 s_i e * scale, d/dtarget = -2 s_i e * scale.
// Fused: it is the loss of every regression step, so its cost is the per-step overhead of small
// networks. Tested against the composition square(pred - target).
Tensor mse(const Tensor& pred, const Tensor& target, float scale, const Tensor& sample_weight) {
  const size_t n = detail::impl_of(pred).numel;  // loss::mse checked both: same shape, defined
  const float* p = detail::impl_of(pred).data;
  const float* t = detail::impl_of(target).data;
  const float* s = sample_weight.defined() ? sample_weight.data() : nullptr;
  // loss::mse checked: one weight per row
  const size_t per_row = s && sample_weight.numel() > 0 ? n / sample_weight.numel() : 1;
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const float e = p[i] - t[i];
    total += static_cast<double>(e * e) * (s ? s[i / per_row] : 1.0f);
  }
  Tensor loss = Tensor::scalar(static_cast<float>(total * scale));
  // s: the weights' values, nullptr without weights.
  auto backward = [scale, per_row](BackwardContext& c, const float* s) {
    const float* p = c.input_data(0);
    const float* t = c.input_data(1);
    const float g = 2.0f * scale * c.output_grad()[0];
    const size_t count = c.input_numel(0);
    auto weighted = [&](size_t i) { return s ? g * s[i / per_row] : g; };
    float beta = 0.0f;  // a new gradient is written, not zero-filled and added to
    if (float* dp = c.input_grad_or_new(0, beta)) {
      if (beta == 0.0f)
        for (size_t i = 0; i < count; ++i) dp[i] = weighted(i) * (p[i] - t[i]);
      else
        for (size_t i = 0; i < count; ++i) dp[i] += weighted(i) * (p[i] - t[i]);
    }
    if (float* dt = c.input_grad(1))
      for (size_t i = 0; i < count; ++i) dt[i] -= weighted(i) * (p[i] - t[i]);
  };
  // Without weights the closure holds no tensor: nothing to destroy with the graph.
  if (!s)
    return record(Op::mse, std::move(loss), {pred, target},
                  [backward](BackwardContext& c) { backward(c, nullptr); });
  return record(
      Op::mse, std::move(loss), {pred, target},
      [backward, sample_weight](BackwardContext& c) { backward(c, sample_weight.data()); });
}

// -(t log p + (1 - t) log(1 - p)), each log clamped at -100;
// d/dp = (p - t) / max(p (1 - p), 1e-12)
// NOTE: the clamps are PyTorch's: p = 0 with t = 1 costs exactly 100 (not inf) and its gradient
// is -1e12 (not -inf), so one bad prediction cannot turn the whole batch into NaN. No composition
// gives that clamped gradient, hence a fused op.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target) {
  const float* p = probs.data();
  const float* t = target.data();
  Tensor losses = Tensor::empty(probs.shape());
  float* loss = losses.data();
  for (size_t i = 0; i < probs.numel(); ++i)
    loss[i] = (t[i] - 1.0f) * std::max(std::log(1.0f - p[i]), -100.0f) -
              t[i] * std::max(std::log(p[i]), -100.0f);
  return record(Op::binary_cross_entropy, std::move(losses), {probs}, [target](BackwardContext& c) {
    float* dp = c.input_grad(0);
    const float* p = c.input_data(0);
    const float* t = target.data();
    const float* dy = c.output_grad();
    for (size_t i = 0; i < c.numel(); ++i)
      dp[i] += dy[i] * (p[i] - t[i]) / std::max((1.0f - p[i]) * p[i], 1e-12f);
  });
}

// With w = 1 + (pw - 1) t (w = 1 without pos_weight):
// (1 - t) x + w log(1 + e^-x), log(1 + e^-x) written so that no exp overflows (fused to stay
// exact in the tails, where a composition cancels);
// d/dx = w sigmoid(x) - pw t  (= sigmoid(x) - t without pos_weight)
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const Tensor& pos_weight) {
  const float* x = logits.data();
  const float* t = target.data();
  const float* pw = pos_weight.defined() ? pos_weight.data() : nullptr;
  Tensor losses = Tensor::empty(logits.shape());
  float* loss = losses.data();
  for (size_t i = 0; i < losses.numel(); ++i) {
    const float w = pw ? 1.0f + (pw[i] - 1.0f) * t[i] : 1.0f;
    loss[i] = (1.0f - t[i]) * x[i] + w * cpu::log1p_exp(-x[i]);
  }
  return record(Op::binary_cross_entropy_with_logits, std::move(losses), {logits},
                [target, pos_weight](BackwardContext& c) {
                  float* dx = c.input_grad(0);
                  const float* x = c.input_data(0);
                  const float* t = target.data();
                  const float* pw = pos_weight.defined() ? pos_weight.data() : nullptr;
                  const float* dy = c.output_grad();
                  for (size_t i = 0; i < c.numel(); ++i) {
                    const float s = cpu::sigmoid(x[i]);
                    const float g =
                        pw ? (1.0f + (pw[i] - 1.0f) * t[i]) * s - pw[i] * t[i] : s - t[i];
                    dx[i] += dy[i] * g;
                  }
                });
}

namespace {

// How a cross_entropy call reads its targets. Targets are class indices (validated in the
// forward) or probabilities; with no class weights and no smoothing, an index target takes the
// hot path, where the smoothed target is plain one-hot.
// NOTE: 16 bytes, so that the backward's closure (this and four tensors) stays within
// Closure::kInlineBytes: a training step allocates nothing (SteadyState tests). The class count
// and the sample weights are the tensors' own.
struct CrossEntropySetup {
  float smoothing = 0.0f;
  // Of the mean: the sum over rows of s_i w_{y_i} (indices) or s_i (probabilities), s_i = 1
  // without sample weights. A sum of 0 counts as 1: a batch of rows weighted 0 gives 0, not NaN.
  float denominator = 1.0f;
  Reduction reduction = Reduction::mean;
  bool probability_targets = false;

  bool one_hot(const float* weight) const {
    return !probability_targets && !weight && smoothing == 0.0f;
  }

  // Row i's weighted, smoothed target a_c = w_c ((1 - eps) q_c + eps / C), q = one-hot of the
  // class index or the given probabilities, into `a` [n = C]; returns sum_c a_c.
  float row_target(const float* targets, const float* weight, size_t i, float* a, size_t n) const {
    const float share = smoothing / static_cast<float>(n);
    float mass = 0.0f;
    for (size_t c = 0; c < n; ++c) {
      const float q = probability_targets ? targets[i * n + c]
                                          : (c == static_cast<size_t>(targets[i]) ? 1.0f : 0.0f);
      a[c] = (weight ? weight[c] : 1.0f) * ((1.0f - smoothing) * q + share);
      mass += a[c];
    }
    return mass;
  }

  // The gradient of the result with respect to sample i's unweighted loss; sample_weight [B] or
  // null (all 1).
  float sample_scale(const float* dy, const float* sample_weight, size_t i) const {
    const float s = sample_weight ? sample_weight[i] : 1.0f;
    if (reduction == Reduction::mean) return s * dy[0] / denominator;
    if (reduction == Reduction::sum) return s * dy[0];
    return s * dy[i];
  }
};

}  // namespace

// Fused log-softmax and negative log-likelihood: one pass, and (softmax - target) straight into
// the logits' gradient, the hot path of classification training. With a_i row i's target
// distribution (one-hot of the class index, or the given probabilities), smoothed to
// (1 - eps) a_i + eps / C and weighted by w_c:
//   loss_i = -sum_c a_ic log_softmax(x_i)_c;   d/dx_ic = (sum_c' a_ic') softmax(x_i)_c - a_ic
// which is softmax - onehot without weights or smoothing;  d/dq_ic = -(1 - eps) w_c log_softmax_c.
// Sample weights s_i scale row i's loss (and its gradient); the mean is
// sum_i s_i loss_i / sum_i s_i w_{y_i}, so a row weighted 2 counts as the row twice.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyArgs& args) {
  const char* name = "cross_entropy";
  const auto classes = static_cast<size_t>(logits.shape(1));
  const auto rows = static_cast<size_t>(logits.shape(0));
  const bool probability_targets = targets.shape() == logits.shape();
  const float* s = args.sample_weight.defined() ? args.sample_weight.data() : nullptr;
  CrossEntropySetup setup{args.label_smoothing, 1.0f, args.reduction, probability_targets};
  const float* w = args.weight.defined() ? args.weight.data() : nullptr;
  const float* t = targets.data();
  Tensor probs = Tensor::empty(logits.shape());
  Tensor losses = Tensor::empty({static_cast<int64_t>(rows)});
  std::vector<float> a(setup.one_hot(w) ? 0 : classes);
  double total = 0.0, denominator = 0.0;
  for (size_t i = 0; i < rows; ++i) {
    const float* x = logits.data() + i * classes;
    const cpu::SoftmaxRow row = cpu::softmax_row(probs.data() + i * classes, x, classes);
    float loss = 0.0f;
    const float row_weight = s ? s[i] : 1.0f;
    if (probability_targets) {
      denominator += row_weight;
    } else {
      const size_t y = class_index(name, t[i], i, classes);
      denominator += row_weight * (w ? w[y] : 1.0f);
      if (setup.one_hot(w)) loss = row.log_sum - (x[y] - row.max);
    }
    if (!setup.one_hot(w)) {
      setup.row_target(t, w, i, a.data(), classes);
      for (size_t c = 0; c < classes; ++c) loss -= a[c] * ((x[c] - row.max) - row.log_sum);
    }
    losses.data()[i] = row_weight * loss;
    total += row_weight * loss;
  }
  if (denominator == 0.0) denominator = 1.0;
  setup.denominator = static_cast<float>(denominator);

  Tensor result = losses;
  if (args.reduction == Reduction::mean)
    result = Tensor::scalar(static_cast<float>(total / denominator));
  if (args.reduction == Reduction::sum) result = Tensor::scalar(static_cast<float>(total));
  auto backward = [setup, probs, targets, weight = args.weight,
                   sample_weight = args.sample_weight](BackwardContext& c) {
    const auto rows = static_cast<size_t>(c.input_shape(0)[0]);
    const auto n = static_cast<size_t>(c.input_shape(0)[1]);
    const float* w = weight.defined() ? weight.data() : nullptr;
    const float* s = sample_weight.defined() ? sample_weight.data() : nullptr;
    const float* t = targets.data();
    const float* dy = c.output_grad();
    if (float* dx = c.input_grad(0)) {
      std::vector<float> a(setup.one_hot(w) ? 0 : n);
      for (size_t i = 0; i < rows; ++i) {
        const float g = setup.sample_scale(dy, s, i);
        const float* p = probs.data() + i * n;
        float* d = dx + i * n;
        if (setup.one_hot(w)) {  // the hot path: softmax - onehot
          for (size_t k = 0; k < n; ++k) d[k] += g * p[k];
          d[static_cast<size_t>(t[i])] -= g;
          continue;
        }
        const float mass = setup.row_target(t, w, i, a.data(), n);
        for (size_t k = 0; k < n; ++k) d[k] += g * (mass * p[k] - a[k]);
      }
    }
    if (!setup.probability_targets) return;
    if (float* dq = c.input_grad(1)) {
      std::vector<float> scratch(n);
      for (size_t i = 0; i < rows; ++i) {
        const float g = setup.sample_scale(dy, s, i) * (1.0f - setup.smoothing);
        const float* x = c.input_data(0) + i * n;
        const cpu::SoftmaxRow row = cpu::softmax_row(scratch.data(), x, n);
        for (size_t k = 0; k < n; ++k)
          dq[i * n + k] -= g * (w ? w[k] : 1.0f) * ((x[k] - row.max) - row.log_sum);
      }
    }
  };
  if (probability_targets)
    return record(Op::cross_entropy, std::move(result), {logits, targets}, std::move(backward));
  return record(Op::cross_entropy, std::move(result), {logits}, std::move(backward));
}

}  // namespace plexus::ops
