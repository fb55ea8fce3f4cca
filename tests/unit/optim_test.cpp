// Optimizers beyond the PyTorch fixtures: exact resume from a saved state, parameter groups,
// skipped parameters, state allocated once, option errors; the L1/L2 penalties; the LR range test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <plexus/optim.hpp>
#include <plexus/plexus.hpp>

#include "support/thread_setting.hpp"

namespace px = plexus;
namespace optim = plexus::optim;
using plexus::Tensor;

namespace {

// A small regression problem: loss = mean((x W^T + b - y)^2), x [8, 3], y [8, 2].
struct Problem {
  Tensor x = Tensor::randn({8, 3}, 1);
  Tensor y = Tensor::randn({8, 2}, 2);
  Tensor w = Tensor::randn({2, 3}, 3).requires_grad();
  Tensor b = Tensor::randn({2}, 4).requires_grad();

  std::vector<Tensor> params() const { return {w, b}; }
  Tensor loss() const { return px::mean(px::square(px::linear(x, w, b) - y)); }
  void train(optim::Optimizer& opt, size_t steps) const {
    for (size_t s = 0; s < steps; ++s) {
      opt.zero_grad();
      loss().backward();
      opt.step();
    }
  }
};

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

template <typename Opt>
Factory factory(typename Opt::Options options) {
  return [options](std::vector<Tensor> params) {
    return std::make_unique<Opt>(std::move(params), options);
  };
}

// Every optimizer, each with the options that give it the most state.
std::vector<std::pair<std::string, Factory>> every_optimizer() {
  return {
      {"SGD",
       factory<optim::SGD>({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true})},
      {"Adagrad",
       factory<optim::Adagrad>({.lr = 0.1, .lr_decay = 0.01, .initial_accumulator_value = 0.1})},
      {"Adadelta", factory<optim::Adadelta>({.weight_decay = 0.01})},
      {"RMSprop", factory<optim::RMSprop>({.momentum = 0.5, .centered = true})},
      {"Adam", factory<optim::Adam>({.lr = 0.01, .weight_decay = 0.01, .amsgrad = true})},
      {"AdamW", factory<optim::AdamW>({.lr = 0.01, .amsgrad = true})},
      {"Nadam", factory<optim::Nadam>({.lr = 0.01, .weight_decay = 0.01})},
  };
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const px::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

// Train N steps, save, train M more; a second optimizer over a copy of the saved weights, restored
// from the save, trains the same M steps: the weights must be the same bits. The lr is changed
// before saving, so the test also fails if the groups' hyper-parameters are not restored.
TEST(Optim, ResumingFromStateDictIsBitIdentical) {
  for (const auto& [name, make] : every_optimizer()) {
    SCOPED_TRACE(name);
    const Problem a;
    const std::unique_ptr<optim::Optimizer> opt = make(a.params());
    a.train(*opt, 5);
    opt->set_lr(opt->lr() * 0.37);
    const optim::StateDict saved = opt->state_dict();
    EXPECT_EQ(saved.optimizer, name);
    Problem b;
    std::copy_n(a.w.data(), a.w.numel(), b.w.data());
    std::copy_n(a.b.data(), a.b.numel(), b.b.data());
    a.train(*opt, 6);

    const std::unique_ptr<optim::Optimizer> resumed = make(b.params());
    resumed->load_state_dict(saved);
    EXPECT_EQ(resumed->lr(), opt->lr());
    b.train(*resumed, 6);
    EXPECT_EQ(a.w.to_vector(), b.w.to_vector());
    EXPECT_EQ(a.b.to_vector(), b.b.to_vector());

    // Without the state the same run ends elsewhere, so the comparison above can fail.
    Problem c;
    std::copy_n(a.w.data(), a.w.numel(), c.w.data());
    const std::unique_ptr<optim::Optimizer> fresh = make(c.params());
    c.train(*fresh, 1);
    EXPECT_NE(c.w.to_vector(), a.w.to_vector());
  }
}

TEST(Optim, StateDictNamesItsEntries) {
  const Problem p;
  optim::Adam opt(p.params(), {.amsgrad = true});
  EXPECT_EQ(opt.state_dict().tensors.size(), 0u);  // nothing before the first step
  p.train(opt, 3);
  const optim::StateDict state = opt.state_dict();
  std::vector<std::string> names;
  for (const auto& [key, tensor] : state.tensors) names.push_back(key);
  EXPECT_EQ(names, (std::vector<std::string>{"param.0.exp_avg", "param.0.exp_avg_sq",
                                             "param.0.max_exp_avg_sq", "param.1.exp_avg",
                                             "param.1.exp_avg_sq", "param.1.max_exp_avg_sq"}));
  EXPECT_EQ(state.tensors[0].second.shape(), p.w.shape());
  std::map<std::string, double> scalars(state.scalars.begin(), state.scalars.end());
  EXPECT_EQ(scalars.at("param.1.step"), 3.0);
  EXPECT_EQ(scalars.at("group.0.lr"), 1e-3);
  EXPECT_EQ(scalars.at("group.0.momentum"), 0.9);
  EXPECT_EQ(scalars.at("group.0.params"), 2.0);
}

TEST(Optim, LoadStateDictRejectsAStateThatDoesNotFit) {
  const Problem p;
  optim::Adam adam(p.params());
  p.train(adam, 2);
  const optim::StateDict good = adam.state_dict();
  optim::Adam other(Problem().params());

  optim::SGD sgd(Problem().params());
  EXPECT_EQ(error_of([&] { sgd.load_state_dict(good); }),
            "SGD.load_state_dict: the state was saved by Adam, not SGD");

  optim::StateDict bad_shape = good;
  bad_shape.tensors[0].second = Tensor::zeros({3, 2});
  EXPECT_EQ(error_of([&] { other.load_state_dict(bad_shape); }),
            "Adam.load_state_dict: entry 'param.0.exp_avg' has shape [3, 2] but parameter 0 "
            "needs [2, 3]");

  optim::StateDict bad_name = good;
  bad_name.tensors[1].first = "param.0.momentum_buffer";
  EXPECT_EQ(error_of([&] { other.load_state_dict(bad_name); }),
            "Adam.load_state_dict: unknown buffer 'momentum_buffer' in entry "
            "'param.0.momentum_buffer'; Adam keeps exp_avg, exp_avg_sq");

  optim::StateDict missing = good;
  missing.tensors.pop_back();
  EXPECT_EQ(error_of([&] { other.load_state_dict(missing); }),
            "Adam.load_state_dict: the state has no entry 'param.1.exp_avg_sq' beside "
            "'param.1.step'");

  const Tensor extra = Tensor::zeros({5}).requires_grad();
  optim::Adam three(std::vector<Tensor>{Problem().w, Problem().b, extra});
  EXPECT_EQ(error_of([&] { three.load_state_dict(good); }),
            "Adam.load_state_dict: group 0 has 2 parameters in the state but 3 here");

  // A failed load changes nothing: `other` still trains from a fresh state like a new Adam.
  const Problem q, r;
  optim::Adam after_failures(q.params());
  EXPECT_THROW(after_failures.load_state_dict(missing), px::Error);
  optim::Adam untouched(r.params());
  q.train(after_failures, 2);
  r.train(untouched, 2);
  EXPECT_EQ(q.w.to_vector(), r.w.to_vector());
}

// A parameter without a gradient is neither moved nor given state (PyTorch skips it too).
TEST(Optim, ParametersWithoutGradientsAreSkipped) {
  const Problem p;
  const Tensor unused = Tensor::ones({4}).requires_grad();
  optim::Adam opt(std::vector<Tensor>{p.w, p.b, unused}, {.lr = 0.1, .weight_decay = 0.1});
  const std::vector<float> before = p.w.to_vector();
  p.train(opt, 2);
  EXPECT_EQ(unused.to_vector(), std::vector<float>(4, 1.0f));
  EXPECT_NE(p.w.to_vector(), before);
  for (const auto& [key, value] : opt.state_dict().scalars) EXPECT_NE(key, "param.2.step");
}

TEST(Optim, ZeroGradDropsEveryGradient) {
  const Problem p;
  optim::SGD opt(p.params());
  p.loss().backward();
  ASSERT_TRUE(p.w.grad().defined());
  opt.zero_grad();
  EXPECT_FALSE(p.w.grad().defined());
  EXPECT_FALSE(p.b.grad().defined());
}

// Each group has its own lr; unset fields take the options; set_lr sets every group.
TEST(Optim, ParameterGroupsTakeTheOptionsUnlessTheySetTheirOwn) {
  const Problem p;
  optim::SGD opt({{.params = {p.w}}, {.params = {p.b}, .lr = 0.5, .weight_decay = 0.0}},
                 {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  ASSERT_EQ(opt.groups().size(), 2u);
  EXPECT_EQ(opt.groups()[0].lr, 0.1);
  EXPECT_EQ(opt.groups()[0].weight_decay, 0.01);
  EXPECT_EQ(opt.groups()[1].lr, 0.5);
  EXPECT_EQ(opt.groups()[1].weight_decay, 0.0);
  EXPECT_EQ(opt.groups()[1].momentum, 0.9);
  EXPECT_EQ(opt.lr(), 0.1);
  opt.set_lr(0.2);
  EXPECT_EQ(opt.groups()[1].lr, 0.2);

  // A group with lr 0 does not move; the other does.
  opt.groups()[1].lr = 0.0;
  const std::vector<float> bias = p.b.to_vector();
  p.train(opt, 2);
  EXPECT_EQ(p.b.to_vector(), bias);
}

// SGD with momentum by hand: p = 1, g = 2 every step, lr 0.1, momentum 0.9.
// Step 1: b = g = 2, p = 1 - 0.2 = 0.8.  Step 2: b = 0.9 * 2 + 2 = 3.8, p = 0.8 - 0.38 = 0.42.
TEST(SGD, MomentumByHand) {
  const Tensor p = Tensor::from({1.0f}, {1}).requires_grad();
  optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9});
  p.set_grad(Tensor::from({2.0f}, {1}));
  opt.step();
  EXPECT_FLOAT_EQ(p.item(), 0.8f);
  opt.step();
  EXPECT_FLOAT_EQ(p.item(), 0.42f);
}

// With a zero data gradient, Adam's weight decay enters the moments (g = wd p = 0.5, and the
// normalised step is lr = 0.1), while AdamW just shrinks p by 1 - lr wd = 0.95.
TEST(AdamW, WeightDecayIsDecoupledFromTheMoments) {
  const Tensor a = Tensor::from({1.0f}, {1}).requires_grad();
  const Tensor w = Tensor::from({1.0f}, {1}).requires_grad();
  optim::Adam adam({a}, {.lr = 0.1, .weight_decay = 0.5});
  optim::AdamW adamw({w}, {.lr = 0.1, .weight_decay = 0.5});
  a.set_grad(Tensor::zeros({1}));
  w.set_grad(Tensor::zeros({1}));
  adam.step();
  adamw.step();
  EXPECT_NEAR(a.item(), 0.9f, 1e-6f);
  EXPECT_FLOAT_EQ(w.item(), 0.95f);
}

TEST(Optim, DefaultsArePyTorchs) {
  const Problem p;
  EXPECT_EQ(optim::Adam(p.params()).lr(), 1e-3);
  EXPECT_EQ(optim::AdamW(p.params()).groups()[0].weight_decay, 1e-2);
  EXPECT_EQ(optim::NAdam(p.params()).lr(), 2e-3);
  EXPECT_EQ(optim::Adagrad(p.params()).options().eps, 1e-10);
  EXPECT_EQ(optim::Adadelta(p.params()).lr(), 1.0);
  EXPECT_EQ(optim::RMSprop(p.params()).options().alpha, 0.99);
  EXPECT_EQ(optim::SGD(p.params()).lr(), 0.01);
  EXPECT_TRUE(optim::Adam(p.params()).has_momentum());
  EXPECT_FALSE(optim::SGD(p.params()).has_momentum());
  EXPECT_FALSE(optim::Adagrad(p.params()).has_momentum());
}

TEST(Optim, InvalidOptionsNameTheOptimizerAndTheOption) {
  const Problem p;
  const std::vector<Tensor> params = p.params();
  EXPECT_EQ(error_of([&] { optim::SGD(params, {.lr = -0.1}); }),
            "SGD: invalid lr = -0.1; it must be >= 0");
  EXPECT_EQ(error_of([&] { optim::SGD(params, {.nesterov = true}); }),
            "SGD: nesterov momentum requires momentum > 0 and dampening = 0 (got momentum = 0, "
            "dampening = 0)");
  EXPECT_EQ(
      error_of([&] { optim::SGD(params, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}); }),
      "SGD: nesterov momentum requires momentum > 0 and dampening = 0 (got momentum = 0.9, "
      "dampening = 0.1)");
  EXPECT_EQ(error_of([&] { optim::Adam(params, {.beta1 = 1.0}); }),
            "Adam: invalid beta1 = 1; it must be in [0, 1)");
  EXPECT_EQ(error_of([&] { optim::AdamW(params, {.beta2 = -0.5}); }),
            "AdamW: invalid beta2 = -0.5; it must be in [0, 1)");
  EXPECT_EQ(error_of([&] { optim::Nadam(params, {.momentum_decay = -1}); }),
            "Nadam: invalid momentum_decay = -1; it must be >= 0");
  EXPECT_EQ(error_of([&] { optim::Adagrad(params, {.lr_decay = -1}); }),
            "Adagrad: invalid lr_decay = -1; it must be >= 0");
  EXPECT_EQ(error_of([&] { optim::Adadelta(params, {.rho = 1.5}); }),
            "Adadelta: invalid rho = 1.5; it must be in [0, 1]");
  EXPECT_EQ(error_of([&] { optim::RMSprop(params, {.eps = -1}); }),
            "RMSprop: invalid eps = -1; it must be >= 0");
  EXPECT_EQ(error_of([&] {
              optim::Adam({{.params = {p.w}}, {.params = {p.b}, .lr = -1.0}});
            }),
            "Adam: invalid lr = -1 (group 1); it must be a finite number >= 0");

  // Groups changed after construction are checked by step().
  optim::Adam adam(params);
  adam.groups()[0].momentum = 1.5;
  EXPECT_EQ(error_of([&] { adam.step(); }),
            "Adam: invalid beta1 = 1.5 (group 0); it must be in [0, 1)");
  optim::SGD sgd(params);
  sgd.groups()[0].momentum = 0.9;
  EXPECT_EQ(error_of([&] { sgd.step(); }),
            "SGD: group 0 has momentum 0.9, but this SGD was built with momentum = 0 and keeps no "
            "momentum buffer; build it with momentum > 0");
  EXPECT_THROW(sgd.set_lr(-1.0), px::Error);
}

TEST(Optim, RejectsParametersThatCannotBeOptimized) {
  const Tensor leaf = Tensor::ones({2}).requires_grad();
  EXPECT_EQ(error_of([&] { optim::Adam(std::vector<Tensor>{}); }),
            "Adam: parameter group 0 has no parameters (an empty parameter list?)");
  EXPECT_EQ(error_of([&] { optim::Adam({Tensor::ones({2})}); }),
            "Adam: parameter 0 (shape [2]) does not require grad; call requires_grad() on it or "
            "leave it out");
  EXPECT_EQ(error_of([&] {
              optim::Adam({leaf, leaf * 2.0f});
            }),
            "Adam: parameter 1 (shape [2]) is the result of an op; optimize the leaf tensors it "
            "is computed from");
  EXPECT_EQ(error_of([&] {
              optim::SGD({{.params = {leaf}}, {.params = {leaf}}});
            }),
            "SGD: parameter 1 (shape [2]) is given twice; give each tensor to one group only");

  optim::SGD sgd({leaf});
  sgd.groups()[0].params.push_back(Tensor::ones({3}).requires_grad());
  EXPECT_EQ(error_of([&] { sgd.step(); }),
            "SGD: the groups hold 2 parameters, but the optimizer was built with 1; build a new "
            "optimizer instead of changing groups()[i].params");
}

namespace {

// A user-defined optimizer (p -= lr * g, counting into a buffer that starts at 5), which also
// records where its state lives on each update.
class CountingSGD final : public optim::Optimizer {
 public:
  explicit CountingSGD(std::vector<Tensor> params)
      : Optimizer("CountingSGD", one_group(std::move(params)), {.lr = 0.5}, {{"count", 5.0f}}) {}
  std::vector<const float*> buffer_addresses;
  std::vector<int64_t> steps;

 private:
  void update(const Group& group, float* param, const float* grad, size_t n,
              ParamState& state) override {
    float* count = state.buffers[0].data();
    buffer_addresses.push_back(count);
    steps.push_back(state.step);
    for (size_t i = 0; i < n; ++i) {
      count[i] += 1.0f;
      param[i] -= static_cast<float>(group.lr) * grad[i];
    }
  }
};

}  // namespace

// State buffers are made on the first update, filled with their initial value, and reused after.
TEST(Optim, StateIsAllocatedOnTheFirstStepAndReusedAfter) {
  const Tensor p = Tensor::zeros({3}).requires_grad();
  CountingSGD opt({p});
  for (size_t s = 0; s < 4; ++s) {
    p.set_grad(Tensor::ones({3}));
    opt.step();
  }
  ASSERT_EQ(opt.buffer_addresses.size(), 4u);
  for (const float* address : opt.buffer_addresses) EXPECT_EQ(address, opt.buffer_addresses[0]);
  EXPECT_EQ(opt.steps, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(opt.state_dict().tensors.at(0).second.to_vector(), std::vector<float>(3, 9.0f));
  EXPECT_EQ(p.to_vector(), std::vector<float>(3, -2.0f));
}

// ---- penalties -------------------------------------------------------------------------------

// w1 = (1, -2), w2 = (0.5): L1 = 0.1 (1 + 2 + 0.5) = 0.35, L2 = 0.1 (1 + 4 + 0.25) = 0.525.
TEST(Penalty, ValuesByHand) {
  const Tensor w1 = Tensor::from({1.0f, -2.0f}, {2}).requires_grad();
  const Tensor w2 = Tensor::from({0.5f}, {1}).requires_grad();
  EXPECT_FLOAT_EQ(px::l1_penalty({w1, w2}, 0.1f).item(), 0.35f);
  EXPECT_FLOAT_EQ(px::l2_penalty({w1, w2}, 0.1f).item(), 0.525f);
  px::l2_penalty({w1, w2}, 0.1f).backward();  // d/dw = 2 lambda w
  EXPECT_EQ(w1.grad().to_vector(), (std::vector<float>{0.2f, -0.4f}));
  EXPECT_EQ(px::l1_penalty({}, 0.1f).item(), 0.0f);
  EXPECT_THROW(px::l2_penalty({w1}, -1.0f), px::Error);
}

TEST(Penalty, GradientsMatchFiniteDifferences) {
  const Tensor a = Tensor::randn({3, 4}, 7);
  const Tensor b = Tensor::randn({5}, 8);
  const auto l1 =
      px::gradcheck([](const std::vector<Tensor>& in) { return px::l1_penalty(in, 0.3f); }, {a, b});
  EXPECT_TRUE(l1.ok) << l1.report;
  const auto l2 =
      px::gradcheck([](const std::vector<Tensor>& in) { return px::l2_penalty(in, 0.3f); }, {a, b});
  EXPECT_TRUE(l2.ok) << l2.report;
}

// SGD's weight_decay = wd adds wd p to the gradient; l2_penalty with lambda = wd / 2 adds
// 2 (wd / 2) p: the same training, up to float rounding.
TEST(Penalty, L2WithHalfTheDecayIsSGDWeightDecay) {
  const Problem a, b;
  optim::SGD decayed(a.params(), {.lr = 0.1, .weight_decay = 0.2});
  optim::SGD penalised(b.params(), {.lr = 0.1});
  for (size_t s = 0; s < 10; ++s) {
    decayed.zero_grad();
    a.loss().backward();
    decayed.step();
    penalised.zero_grad();
    (b.loss() + px::l2_penalty(b.params(), 0.1f)).backward();
    penalised.step();
  }
  const std::vector<float> wa = a.w.to_vector(), wb = b.w.to_vector();
  for (size_t i = 0; i < wa.size(); ++i) EXPECT_NEAR(wa[i], wb[i], 1e-5f);
}

// ---- LR range test ---------------------------------------------------------------------------

namespace {

// y = 3 x + 1 + noise over 64 points, fitted by w, b with full-batch SGD.
struct LineFit {
  Tensor x = Tensor::randn({64, 1}, 11);
  Tensor y = 3.0f * x + 1.0f + 0.1f * Tensor::randn({64, 1}, 12);
  Tensor w = Tensor::zeros({1, 1}).requires_grad();
  Tensor b = Tensor::zeros({1}).requires_grad();
  float step_loss() const {
    const Tensor loss = px::mean(px::square(px::linear(x, w, b) - y));
    loss.backward();
    return loss.item();
  }
};

}  // namespace

TEST(LRRangeTest, SweepsExponentiallyStopsOnDivergenceAndSuggestsASaneRate) {
  const LineFit fit;
  optim::SGD opt({fit.w, fit.b}, {.lr = 0.01, .momentum = 0.5});
  const optim::LRRangeTestResult r =
      optim::lr_range_test(opt, [&] { return fit.step_loss(); }, {.start_lr = 1e-4, .end_lr = 100});

  ASSERT_GE(r.lrs.size(), 3u);
  EXPECT_EQ(r.lrs.size(), r.losses.size());
  EXPECT_DOUBLE_EQ(r.lrs[0], 1e-4);
  const double ratio = std::pow(1e6, 1.0 / 99.0);
  for (size_t k = 1; k < r.lrs.size(); ++k) EXPECT_NEAR(r.lrs[k] / r.lrs[k - 1], ratio, 1e-9);
  // The loss starts at about mean(y^2) ~ 10 and first falls, then blows up (SGD on this problem
  // diverges above lr ~ 1), which ends the sweep before 100 steps.
  EXPECT_LT(r.lrs.size(), 100u);
  EXPECT_GT(r.losses.back(), 4.0 * *std::min_element(r.losses.begin(), r.losses.end()));
  EXPECT_LT(*std::min_element(r.losses.begin(), r.losses.end()), 0.5 * r.losses[0]);
  EXPECT_GT(r.suggested_lr, 1e-3);
  EXPECT_LT(r.suggested_lr, 1.0);

  // The sweep leaves the parameters, the optimizer's state and its lr as they were.
  EXPECT_EQ(fit.w.to_vector(), std::vector<float>{0.0f});
  EXPECT_EQ(fit.b.to_vector(), std::vector<float>{0.0f});
  EXPECT_EQ(opt.lr(), 0.01);
  EXPECT_TRUE(opt.state_dict().tensors.empty());

  // Training at the suggested rate does reduce the loss.
  opt.set_lr(r.suggested_lr);
  float first = 0.0f, last = 0.0f;
  for (size_t s = 0; s < 20; ++s) {
    opt.zero_grad();
    last = fit.step_loss();
    if (s == 0) first = last;
    opt.step();
  }
  EXPECT_LT(last, 0.1f * first);
}

TEST(LRRangeTest, RestoresTrainingWhenTheLossFunctionThrows) {
  const LineFit fit;
  optim::Adam opt({fit.w, fit.b});
  size_t calls = 0;
  EXPECT_THROW(optim::lr_range_test(opt,
                                    [&] {
                                      if (++calls == 5) throw px::Error("data ran out");
                                      return fit.step_loss();
                                    }),
               px::Error);
  EXPECT_EQ(fit.w.to_vector(), std::vector<float>{0.0f});
  EXPECT_EQ(opt.lr(), 1e-3);
  EXPECT_THROW(optim::lr_range_test(opt, [&] { return fit.step_loss(); }, {.steps = 1}), px::Error);
}

// Moments below float's normal range are flushed to zero during step() (denormal arithmetic is
// ~100x slower), and the caller's own arithmetic keeps its denormals afterwards.
TEST(Optim, StepFlushesDenormalMomentsAndRestoresTheFloatEnvironment) {
  std::vector<Tensor> params{Tensor::zeros({4}).requires_grad()};
  params[0].set_grad(Tensor::full({4}, 1e-20f));  // (1 - beta2) g^2 = 1e-43: a denormal
  optim::Adam adam(params, {.lr = 1e-3});
  adam.step();
  const optim::StateDict state = adam.state_dict();
  bool found = false;
  for (const auto& [name, tensor] : state.tensors)
    if (name == "param.0.exp_avg_sq") {
      found = true;
      EXPECT_EQ(tensor.to_vector(), std::vector<float>(4, 0.0f));
    }
  EXPECT_TRUE(found);
  volatile float tiny = 1e-38f;
  EXPECT_GT(tiny * 1e-3f, 0.0f);
}

// A large parameter's update is shared with plexus' workers: the same bits at 1 and 2 threads,
// and the workers' share flushes denormal moments as the caller's does.
TEST(Optim, AdamSharedWithWorkersGivesTheBitsOfOneThread) {
  px::testing::ThreadSetting restore;
  const size_t n = 200'000;  // W1's first layer, shared at two threads
  std::vector<float> grads(n);
  for (size_t i = 0; i < n; ++i) grads[i] = i % 3 == 0 ? 1e-20f : std::sin(0.001f * i);
  auto state_after_steps = [&](int threads) {
    px::set_num_threads(threads);
    std::vector<Tensor> params{Tensor::randn({static_cast<int64_t>(n)}, 7).requires_grad()};
    optim::Adam adam(params, {.lr = 1e-3});
    for (int step = 0; step < 3; ++step) {
      params[0].set_grad(Tensor::from(grads, {static_cast<int64_t>(n)}));
      adam.step();
    }
    std::vector<float> all = params[0].to_vector();
    for (const auto& [name, tensor] : adam.state_dict().tensors) {
      const auto values = tensor.to_vector();
      all.insert(all.end(), values.begin(), values.end());
    }
    return all;
  };
  // The workers start outside a step, as in training (a thread inherits its creator's float
  // environment): a product that is shared starts them.
  px::set_num_threads(2);
  (void)px::matmul(Tensor::randn({512, 512}, 8), Tensor::randn({512, 512}, 9));
  const auto one = state_after_steps(1);
  const auto two = state_after_steps(2);
  ASSERT_EQ(one.size(), two.size());
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0);
  // exp_avg_sq of every third element (g = 1e-20) is flushed to zero, in both threads' shares.
  for (size_t i = 0; i < n; i += 3) ASSERT_EQ(two[2 * n + i], 0.0f) << "element " << i;
}
