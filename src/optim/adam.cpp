// Adam's and AdamW's update: one pass over the elements, in float32 in the order of PyTorch
// 1.13's single-tensor implementations. The two differ only in where weight decay enters.
#include "plexus/optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "base/check.hpp"
#include "cpu/workers.hpp"

namespace plexus::optim {
namespace {

std::vector<Optimizer::BufferSpec> adam_buffers(bool amsgrad) {
  std::vector<Optimizer::BufferSpec> buffers{{"exp_avg"}, {"exp_avg_sq"}};
  if (amsgrad) buffers.push_back({"max_exp_avg_sq"});
  return buffers;
}

struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;  // AdamW: p *= 1 - lr wd; Adam: g += wd p
  int64_t step;
};

void adam_update(const AdamStep& s, float* param, const float* grad, float* exp_avg,
                 float* exp_avg_sq, float* max_exp_avg_sq, size_t n) {
  const double t = static_cast<double>(s.step);
  const double bias_correction1 = 1.0 - std::pow(s.beta1, t);
  const double bias_correction2 = 1.0 - std::pow(s.beta2, t);
  const float neg_step_size = static_cast<float>(-(s.lr / bias_correction1));
  const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const float beta1 = static_cast<float>(s.beta1);
  const float one_minus_beta1 = static_cast<float>(1.0 - s.beta1);
  const float beta2 = static_cast<float>(s.beta2);
  const float one_minus_beta2 = static_cast<float>(1.0 - s.beta2);
  const float eps = static_cast<float>(s.eps);
  const float coupled_decay = s.decoupled ? 0.0f : static_cast<float>(s.weight_decay);
  const float decay_factor = static_cast<float>(1.0 - (s.decoupled ? s.lr * s.weight_decay : 0.0));
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (coupled_decay != 0.0f) g = g + coupled_decay * param[i];
    if (s.decoupled) param[i] = param[i] * decay_factor;
    exp_avg[i] = exp_avg[i] * beta1 + one_minus_beta1 * g;
    exp_avg_sq[i] = exp_avg_sq[i] * beta2 + one_minus_beta2 * g * g;
    float second = exp_avg_sq[i];
    if (max_exp_avg_sq) {
      // torch.maximum propagates NaN from either side; so does this test.
      max_exp_avg_sq[i] = max_exp_avg_sq[i] >= second ? max_exp_avg_sq[i] : second;
      second = max_exp_avg_sq[i];
    }
    const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
    param[i] = param[i] + neg_step_size * exp_avg[i] / denom;
  }
}

// Elements per thread below which the update stays on the calling thread: a hand-off costs about
// a microsecond, an update of this many elements about ten.
constexpr size_t kMinElementsPerPart = 16384;
// The update of a large parameter (W1's first layer: 200,704 weights, about a tenth of a step at
// one thread) is shared with plexus' workers; each element's update reads no other.
void adam_update_shared(const AdamStep& s, float* param, const float* grad, float* exp_avg,
                        float* exp_avg_sq, float* max_exp_avg_sq, size_t n) {
  cpu::run_elementwise(n, kMinElementsPerPart, [&](size_t begin, size_t end) {
    adam_update(s, param + begin, grad + begin, exp_avg + begin, exp_avg_sq + begin,
                max_exp_avg_sq ? max_exp_avg_sq + begin : nullptr, end - begin);
  });
}

// Adam's and AdamW's options obey the same rules; `check` is the optimizer's check_option.
template <typename Options, typename Check>
void check_adam_options(const Options& options, Check check) {
  check(options.lr >= 0.0, "lr", options.lr, ">= 0");
  check(options.eps >= 0.0, "eps", options.eps, ">= 0");
  check(options.beta1 >= 0.0 && options.beta1 < 1.0, "beta1", options.beta1, "in [0, 1)");
  check(options.beta2 >= 0.0 && options.beta2 < 1.0, "beta2", options.beta2, "in [0, 1)");
  check(options.weight_decay >= 0.0, "weight_decay", options.weight_decay, ">= 0");
}

// One step of the Adam family on one parameter; AdamW differs only in decoupling the decay.
template <typename Options>
void adam_family_step(const Options& options, bool decoupled, const Optimizer::Group& group,
                      float* param, const float* grad, size_t n, int64_t step,
                      std::vector<Tensor>& buffers) {
  const AdamStep s{.lr = group.lr,
                   .beta1 = group.momentum,
                   .beta2 = options.beta2,
                   .eps = options.eps,
                   .weight_decay = group.weight_decay,
                   .decoupled = decoupled,
                   .step = step};
  adam_update_shared(s, param, grad, buffers[0].data(), buffers[1].data(),
                     options.amsgrad ? buffers[2].data() : nullptr, n);
}

void check_beta1(const char* optimizer, const Optimizer::Group& group, size_t index) {
  PLEXUS_CHECK(group.momentum >= 0.0 && group.momentum < 1.0, optimizer,
               ": invalid beta1 = ", group.momentum, " (group ", index, "); it must be in [0, 1)");
}

}  // namespace

// ---- Adam ------------------------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> params, const Options& options)
    : Adam(one_group(std::move(params)), options) {}

Adam::Adam(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("Adam", std::move(groups), {options.lr, options.weight_decay, options.beta1, true},
                adam_buffers(options.amsgrad)),
      options_(options) {
  check_adam_options(options, [this](bool ok, const char* option, double value, const char* rule) {
    check_option(ok, option, value, rule);
  });
  check_groups();
}

void Adam::check_group(const Group& group, size_t index) const {
  Optimizer::check_group(group, index);
  check_beta1("Adam", group, index);
}

void Adam::update(const Group& group, float* param, const float* grad, size_t n,
                  ParamState& state) {
  adam_family_step(options_, /*decoupled=*/false, group, param, grad, n, state.step, state.buffers);
}

// ---- AdamW -----------------------------------------------------------------------------------

AdamW::AdamW(std::vector<Tensor> params, const Options& options)
    : AdamW(one_group(std::move(params)), options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer("AdamW", std::move(groups), {options.lr, options.weight_decay, options.beta1, true},
                adam_buffers(options.amsgrad)),
      options_(options) {
  check_adam_options(options, [this](bool ok, const char* option, double value, const char* rule) {
    check_option(ok, option, value, rule);
  });
  check_groups();
}

void AdamW::check_group(const Group& group, size_t index) const {
  Optimizer::check_group(group, index);
  check_beta1("AdamW", group, index);
}

void AdamW::update(const Group& group, float* param, const float* grad, size_t n,
                   ParamState& state) {
  adam_family_step(options_, /*decoupled=*/true, group, param, grad, n, state.step, state.buffers);
}

}  // namespace plexus::optim
