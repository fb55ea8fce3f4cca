// Gradient checks of the losses with respect to their first input (targets held fixed, except
// probability targets of cross_entropy, which are differentiable). Regression inputs are built as
// target + e with chosen errors e, so each case sits on both sides of its kink (delta, beta, 0)
// and never on it. Then the hard points with their own step: BCE at probabilities near 0 and 1,
// cross-entropy at logits of +-50 and +-1000.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>

#include "gradcheck/harness.hpp"

namespace px = plexus;
namespace loss = plexus::loss;
using px::Tensor;
using In = std::vector<Tensor>;
using loss::Reduction;

namespace {

// {target + e, target} for a random target [4, 3] and the given errors e.
In with_errors(std::initializer_list<float> errors) {
  const Tensor target = Tensor::randn({4, 3}, 21);
  return {target + Tensor::from(errors, {4, 3}), target};
}

// {logits [B, C], class indices [B]}
In logits_and_classes(std::initializer_list<float> classes, int64_t num_classes,
                      float scale = 2.0f) {
  const auto rows = static_cast<int64_t>(classes.size());
  return {Tensor::randn({rows, num_classes}, 31) * scale, Tensor::from(classes, {rows})};
}

const Tensor kClassWeight = Tensor::from({0.5f, 2.0f, 1.0f, 1.5f}, {4});
const std::vector<size_t> kFixedTarget = {1};
// Row weights with a zero: a row that must get no gradient at all.
const Tensor kRowWeight4 = Tensor::from({1.5f, 0.0f, 2.0f, 0.5f}, {4});
const Tensor kRowWeight5 = Tensor::from({1.0f, 2.5f, 0.0f, 0.5f, 3.0f}, {5});

const bool registered = px::testing::register_gradcheck({
    {.name = "mse",
     .ops = {"mse"},
     .shapes = {{4, 3}, {4, 3}},
     .f = [](const In& in) { return loss::mse(in[0], in[1]); }},
    {.name = "mse/sum",
     .ops = {"mse"},
     .shapes = {{5}, {5}},
     .f = [](const In& in) { return loss::mse(in[0], in[1], Reduction::sum); }},
    {.name = "mse/sample-weighted",
     .ops = {"mse"},
     .shapes = {{4, 3}, {4, 3}},
     .f = [](const In& in) { return loss::mse(in[0], in[1], kRowWeight4); }},
    {.name = "mae/none",
     .ops = {"abs"},
     .f = [](const In& in) { return loss::mae(in[0], in[1], Reduction::none); },
     .make_inputs =
         [] {
           return with_errors({-2, -1, -.5, -.1, .1, .2, .4, .8, 1, 2, 3, -3});
         },
     .constant_inputs = kFixedTarget},
    {.name = "huber/both-sides-of-delta",
     .ops = {"where", "abs", "square"},
     .f = [](const In& in) { return loss::huber(in[0], in[1], 1.0f, Reduction::sum); },
     .make_inputs =
         [] {
           return with_errors({-2.5, -1.3, -.7, -.2, .3, .8, .95, 1.05, 1.2, 3, 0, -.9});
         },
     .constant_inputs = kFixedTarget},
    {.name = "smooth_l1/both-sides-of-beta",
     .ops = {"where", "abs", "square"},
     .f = [](const In& in) { return loss::smooth_l1(in[0], in[1], 0.5f, Reduction::none); },
     .make_inputs =
         [] {
           return with_errors({-1.2, -.6, -.45, -.1, .2, .44, .56, 2, 0, -.3, .7, 5});
         },
     .constant_inputs = kFixedTarget},
    // Errors of +-60 would overflow cosh; the gradient there is tanh(60) = 1.
    {.name = "log_cosh",
     .ops = {"softplus", "add", "add_scalar"},
     .f = [](const In& in) { return loss::log_cosh(in[0], in[1], Reduction::none); },
     .make_inputs =
         [] {
           return with_errors({-60, -3, -1, -.3, -.01, 0, .01, .3, 1, 3, 60, 7});
         },
     .constant_inputs = kFixedTarget},
    {.name = "quantile",
     .ops = {"maximum"},
     .f = [](const In& in) { return loss::quantile(in[0], in[1], 0.3f, Reduction::sum); },
     .make_inputs =
         [] {
           return with_errors({-2, -1, -.5, -.1, .1, .2, .4, .8, 1, 2, 3, -3});
         },
     .constant_inputs = kFixedTarget},
    // Three levels against one target per row; every error is at least 0.1 from the kink.
    {.name = "pinball",
     .ops = {"maximum", "sub", "mul"},
     .f =
         [](const In& in) {
           return loss::pinball(in[0], in[1], Tensor::from({0.1f, 0.5f, 0.9f}, {3}),
                                Reduction::sum);
         },
     .make_inputs =
         [] {
           return In{Tensor::from({-2, -1, -.5, -.1, .1, .2, .4, .8, 1, 2, 3, -3}, {4, 3}),
                     Tensor::from({0.3f, -0.35f, 1.5f, 0.1f}, {4})};
         },
     .constant_inputs = kFixedTarget},
    {.name = "hinge",
     .ops = {"relu"},
     .f = [](const In& in) { return loss::hinge(in[0], in[1]); },
     .make_inputs =
         [] {
           return In{Tensor::from({-2, -.5, .3, .9, 1.1, 2, -1.2, .5, -.3, .8, 1.5, -.9}, {4, 3}),
                     Tensor::from({1, -1, 1, 1, -1, 1, -1, -1, 1, -1, 1, 1}, {4, 3})};
         },
     .constant_inputs = kFixedTarget},
    {.name = "binary_cross_entropy",
     .ops = {"binary_cross_entropy"},
     .f = [](const In& in) { return loss::binary_cross_entropy(in[0], in[1], Reduction::none); },
     .make_inputs =
         [] {
           return In{Tensor::rand({4, 3}, 41, 0.05f, 0.95f),
                     Tensor::from({0, 1, 1, 0, .25f, 1, 0, 0, 1, .7f, 1, 0}, {4, 3})};
         },
     .constant_inputs = kFixedTarget},
    {.name = "binary_cross_entropy_with_logits",
     .ops = {"binary_cross_entropy_with_logits"},
     .f = [](const In& in) { return loss::binary_cross_entropy_with_logits(in[0], in[1]); },
     .make_inputs =
         [] {
           return In{Tensor::randn({4, 3}, 42) * 3.f,
                     Tensor::from({0, 1, 1, 0, .25f, 1, 0, 0, 1, .7f, 1, 0}, {4, 3})};
         },
     .constant_inputs = kFixedTarget},
    {.name = "binary_cross_entropy_with_logits/pos_weight-large",
     .ops = {"binary_cross_entropy_with_logits"},
     .f =
         [](const In& in) {
           return loss::binary_cross_entropy_with_logits(
               in[0], in[1],
               {.reduction = Reduction::none, .pos_weight = Tensor::from({.5f, 1, 3}, {3})});
         },
     .make_inputs =
         [] {
           return In{Tensor::from({-30, 30, -5, 5, -1, 1, 0.f, 12, -12, 2, -2, 25}, {4, 3}),
                     Tensor::from({0, 1, 1, 0, .25f, 1, 0, 0, 1, .7f, 1, 0}, {4, 3})};
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/class-index",
     .ops = {"cross_entropy"},
     .f = [](const In& in) { return loss::cross_entropy(in[0], in[1]); },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/weighted-smoothed-none",
     .ops = {"cross_entropy"},
     .f =
         [](const In& in) {
           return loss::cross_entropy(
               in[0], in[1],
               {.reduction = Reduction::none, .weight = kClassWeight, .label_smoothing = 0.2f});
         },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/weighted-mean",
     .ops = {"cross_entropy"},
     .f = [](const In& in) { return loss::cross_entropy(in[0], in[1], {.weight = kClassWeight}); },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/sample-and-class-weighted-smoothed-mean",
     .ops = {"cross_entropy"},
     .f =
         [](const In& in) {
           return loss::cross_entropy(
               in[0], in[1],
               {.weight = kClassWeight, .label_smoothing = 0.2f, .sample_weight = kRowWeight5});
         },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/sample-weighted-one-hot-none",
     .ops = {"cross_entropy"},
     .f =
         [](const In& in) {
           return loss::cross_entropy(in[0], in[1],
                                      {.reduction = Reduction::none, .sample_weight = kRowWeight5});
         },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "cross_entropy/sample-weighted-probabilities",
     .ops = {"cross_entropy"},
     .f =
         [](const In& in) {
           return loss::cross_entropy(in[0], in[1],
                                      {.sample_weight = kRowWeight4.slice_rows(0, 3)});
         },
     .make_inputs =
         [] {
           return In{Tensor::randn({3, 4}, 35), Tensor::rand({3, 4}, 36, 0.0f, 0.3f)};
         }},
    // Probability targets are differentiable too (distillation): both inputs are checked.
    {.name = "cross_entropy/probabilities",
     .ops = {"cross_entropy"},
     .f =
         [](const In& in) {
           return loss::cross_entropy(
               in[0], in[1],
               {.reduction = Reduction::none, .weight = kClassWeight, .label_smoothing = 0.1f});
         },
     .make_inputs =
         [] {
           return In{Tensor::randn({3, 4}, 33), Tensor::rand({3, 4}, 34, 0.0f, 0.3f)};
         }},
    {.name = "nll",
     .ops = {"index_rows", "reshape", "neg"},
     .f = [](const In& in) { return loss::nll(in[0], in[1]); },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "nll/weighted",
     .ops = {"index_rows", "mul"},
     .f = [](const In& in) { return loss::nll(in[0], in[1], {.weight = kClassWeight}); },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4);
         },
     .constant_inputs = kFixedTarget},
    {.name = "multi_margin",
     .ops = {"relu", "sub", "sum_dim"},
     .f = [](const In& in) { return loss::multi_margin(in[0], in[1]); },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4, 0.7f);
         },
     .constant_inputs = kFixedTarget},
    {.name = "multi_margin/p2-weighted",
     .ops = {"relu", "square"},
     .f =
         [](const In& in) {
           return loss::multi_margin(
               in[0], in[1],
               {.p = 2, .margin = 0.5f, .weight = kClassWeight, .reduction = Reduction::none});
         },
     .make_inputs =
         [] {
           return logits_and_classes({0, 3, 1, 3, 2}, 4, 0.7f);
         },
     .constant_inputs = kFixedTarget},
});

// NOTE: at p = 1e-3 the loss -log p curves fast (third derivative 2 / p^3 = 2e9), so the
// table's step of 1e-3 would step onto p = 0. A step of 1e-4 keeps the truncation error at
// 2e9 * 1e-8 / 6 ~ 3 against a gradient of 1e3 (3e-3 relative) and the float32 rounding of
// the loss at 6e-8 / 2e-4 ~ 3e-4.
TEST(GradcheckHardPoints, BinaryCrossEntropyNearZeroAndOne) {
  const Tensor probs = Tensor::from(
      {1e-3f, 2e-3f, 0.01f, 0.5f, 0.99f, 0.998f, 0.999f, 1e-3f, 0.999f, 0.02f, 0.97f, 0.5f},
      {4, 3});
  const Tensor target = Tensor::from({1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0}, {4, 3});
  for (Reduction r : {Reduction::none, Reduction::mean}) {
    const px::GradcheckResult result =
        px::gradcheck([&](const In& in) { return loss::binary_cross_entropy(in[0], target, r); },
                      {probs}, {.eps = 1e-4f, .tolerance = 1e-2});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

// NOTE: as for log_softmax (gradcheck/activation.cpp): at logits of +-50 the per-class terms
// reach 100, and float32 rounding of losses that large puts ~1e-3 of absolute noise into a
// central difference at step 1e-2. So the step is 0.05 and gradients below 0.1 are compared in
// absolute terms (1e-3). Row 0 holds near-ties at the top, so its softmax is not one-hot.
TEST(GradcheckHardPoints, CrossEntropyAtLogitsOfFifty) {
  Tensor logits = Tensor::rand({4, 5}, 8, -50.0f, 50.0f);
  const float row[] = {50.0f, 50.4f, 49.8f, -50.0f, 0.0f};
  for (size_t k = 0; k < 5; ++k) logits.data()[k] = row[k];
  const Tensor classes = Tensor::from({1, 0, 4, 2}, {4});
  const Tensor probabilities = Tensor::rand({4, 5}, 9, 0.0f, 0.4f);
  const px::GradcheckOptions options{.eps = 0.05f, .tolerance = 1e-2, .abs_floor = 0.1};
  const px::GradcheckResult by_index = px::gradcheck(
      [&](const In& in) { return loss::cross_entropy(in[0], classes, {.label_smoothing = 0.1f}); },
      {logits}, options);
  EXPECT_TRUE(by_index.ok) << by_index.report;
  const px::GradcheckResult by_probability = px::gradcheck(
      [&](const In& in) { return loss::cross_entropy(in[0], probabilities, Reduction::sum); },
      {logits}, options);
  EXPECT_TRUE(by_probability.ok) << by_probability.report;
}

}  // namespace
