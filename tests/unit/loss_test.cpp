// Losses: the fused ops against their compositions (cross_entropy vs log_softmax + nll, BCE and
// BCE-with-logits vs their formulas), hand-worked values, PyTorch's clamps, and the errors a user
// sees for mismatched shapes and bad targets.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <plexus/plexus.hpp>
#include <string>

#include "reference/fixture.hpp"

namespace px = plexus;
namespace loss = plexus::loss;
using loss::Reduction;
using px::Tensor;

namespace {

// Runs f on a fresh copy of x, back-propagates dy (or 1 for a scalar), returns {f(x), dx}.
std::pair<Tensor, Tensor> value_and_grad(const std::function<Tensor(const Tensor&)>& f,
                                         const Tensor& x, const Tensor& dy = Tensor()) {
  const Tensor leaf = x.clone().requires_grad();
  const Tensor y = f(leaf);
  if (dy.defined()) {
    y.backward(dy);
  } else {
    y.backward();
  }
  return {y.detach(), leaf.grad()};
}

// Expects f and g to agree in value and in the gradient with respect to x.
void expect_same(const std::function<Tensor(const Tensor&)>& f,
                 const std::function<Tensor(const Tensor&)>& g, const Tensor& x,
                 const Tensor& dy = Tensor()) {
  const auto [fy, fdx] = value_and_grad(f, x, dy);
  const auto [gy, gdx] = value_and_grad(g, x, dy);
  EXPECT_TRUE(px::testing::tensors_close(fy, gy)) << "value";
  EXPECT_TRUE(px::testing::tensors_close(fdx, gdx)) << "gradient";
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const px::Error& e) {
    return e.what();
  }
  return "(no error)";
}

const Tensor kLogits = Tensor::randn({6, 5}, 3) * 3.0f;
const Tensor kClasses = Tensor::from({4, 0, 2, 2, 1, 3}, {6});
const Tensor kClassWeight = Tensor::from({0.3f, 1.7f, 1.0f, 0.6f, 2.2f}, {5});

}  // namespace

TEST(Loss, ShapeMismatchNamesTheLossAndBothShapes) {
  const Tensor pred = Tensor::ones({8, 3});
  const Tensor target = Tensor::ones({8, 1});
  EXPECT_EQ(error_of([&] { (void)loss::mse(pred, target); }),
            "mse: pred [8, 3] and target [8, 1] differ");
  EXPECT_EQ(error_of([&] { (void)loss::huber(pred, target); }),
            "huber: pred [8, 3] and target [8, 1] differ");
  EXPECT_EQ(error_of([&] { (void)loss::binary_cross_entropy_with_logits(pred, target); }),
            "binary_cross_entropy_with_logits: logits [8, 3] and target [8, 1] differ");
  for (const auto& f : std::vector<std::function<void()>>{
           [&] { (void)loss::mae(pred, target); },
           [&] { (void)loss::smooth_l1(pred, target); },
           [&] { (void)loss::log_cosh(pred, target); },
           [&] { (void)loss::quantile(pred, target, 0.5f); },
           [&] { (void)loss::hinge(pred, target); },
           [&] { (void)loss::binary_cross_entropy(pred, target); },
       })
    EXPECT_NE(error_of(f).find("[8, 3] and target [8, 1] differ"), std::string::npos)
        << error_of(f);
}

TEST(Loss, CrossEntropyNamesABadClassIndexItsRowAndTheClassCount) {
  const Tensor logits = Tensor::zeros({3, 5});
  EXPECT_EQ(error_of([&] {
              (void)loss::cross_entropy(logits, Tensor::from({0, 4, 7}, {3}));
            }),
            "cross_entropy: target 7 at row 2 is not a class index in [0, 5) for 5 classes");
  EXPECT_EQ(error_of([&] {
              (void)loss::cross_entropy(logits, Tensor::from({1.5f, 0, 0}, {3}));
            }),
            "cross_entropy: target 1.5 at row 0 is not a class index in [0, 5) for 5 classes");
  EXPECT_EQ(error_of([&] {
              (void)loss::cross_entropy(logits, Tensor::from({0, -1, 0}, {3}));
            }),
            "cross_entropy: target -1 at row 1 is not a class index in [0, 5) for 5 classes");
  EXPECT_EQ(error_of([&] { (void)loss::cross_entropy(logits, Tensor::zeros({4})); }),
            "cross_entropy: targets [4] fit neither [3] (class indices) nor [3, 5] (class "
            "probabilities) for logits [3, 5]");
  EXPECT_EQ(error_of([&] { (void)loss::cross_entropy(Tensor::zeros({5}), Tensor::zeros({1})); }),
            "cross_entropy: logits [5] must be [B, C] (a batch of rows of C class scores)");
  EXPECT_EQ(error_of([&] {
              (void)loss::cross_entropy(logits, Tensor::zeros({3}), {.weight = Tensor::ones({4})});
            }),
            "cross_entropy: class weight [4] must be [5], one per class");
  EXPECT_NE(error_of([&] {
              (void)loss::nll(logits, Tensor::from({0, 5, 0}, {3}));
            }).find("nll: target 5 at row 1"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)loss::multi_margin(logits, Tensor::from({0, 0, 9}, {3}));
            }).find("multi_margin: target 9 at row 2"),
            std::string::npos);
}

TEST(Loss, BadTargetsAndOptionsAreRefused) {
  EXPECT_NE(error_of([] {
              (void)loss::hinge(Tensor::ones({2}), Tensor::from({1, 0}, {2}));
            }).find("hinge: target[1] = 0 is not -1 or +1"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              (void)loss::binary_cross_entropy(Tensor::from({0.5f, 1.5f}, {2}), Tensor::ones({2}));
            }).find("binary_cross_entropy: probs[1] = 1.5 is not a probability in [0, 1]"),
            std::string::npos);
  EXPECT_THROW(loss::huber(Tensor::ones({2}), Tensor::ones({2}), 0.0f), px::Error);
  EXPECT_THROW(loss::quantile(Tensor::ones({2}), Tensor::ones({2}), 1.5f), px::Error);
  EXPECT_THROW(loss::multi_margin(kLogits, kClasses, {.p = 3}), px::Error);
  EXPECT_THROW(loss::cross_entropy(kLogits, kClasses, {.label_smoothing = -0.1f}), px::Error);
  EXPECT_THROW(loss::binary_cross_entropy_with_logits(Tensor::ones({4, 3}), Tensor::ones({4, 3}),
                                                      {.pos_weight = Tensor::ones({4})}),
               px::Error);
}

// The fused op's forward and backward against log_softmax followed by nll: every reduction, with
// the upstream gradient of `none` random.
TEST(Loss, FusedCrossEntropyMatchesLogSoftmaxThenNll) {
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    const Tensor dy = r == Reduction::none ? Tensor::randn({6}, 4) : Tensor();
    expect_same([&](const Tensor& x) { return loss::cross_entropy(x, kClasses, r); },
                [&](const Tensor& x) { return loss::nll(px::log_softmax(x, 1), kClasses, r); },
                kLogits, dy);
    // Weighted: mean divides by the sum of the targets' weights in both.
    expect_same(
        [&](const Tensor& x) {
          return loss::cross_entropy(x, kClasses, {.reduction = r, .weight = kClassWeight});
        },
        [&](const Tensor& x) {
          return loss::nll(px::log_softmax(x, 1), kClasses,
                           {.reduction = r, .weight = kClassWeight});
        },
        kLogits, dy);
  }
}

TEST(Loss, FusedMseMatchesSquaredErrorComposition) {
  const Tensor target = Tensor::randn({6, 5}, 8);
  for (Reduction r : {Reduction::mean, Reduction::sum}) {
    expect_same([&](const Tensor& x) { return loss::mse(x, target, r); },
                [&](const Tensor& x) {
                  const Tensor squared = px::square(x - target);
                  return r == Reduction::mean ? px::mean(squared) : px::sum(squared);
                },
                kLogits);
    // and with respect to the target
    expect_same([&](const Tensor& t) { return loss::mse(kLogits, t, r); },
                [&](const Tensor& t) {
                  return px::sum(px::square(kLogits - t)) *
                         (r == Reduction::mean ? 1.0f / 30 : 1.0f);
                },
                target);
  }
}

// Label smoothing eps: (1 - eps) nll + eps / C * (-sum_c w_c log p_c), both over sum of w_y.
TEST(Loss, CrossEntropyLabelSmoothingMatchesItsComposition) {
  const float eps = 0.2f;
  const Tensor weight_row = kClassWeight.reshape({1, 5});
  const float weight_of_targets = 2.2f + 0.3f + 1.0f + 1.0f + 1.7f + 0.6f;  // w[4, 0, 2, 2, 1, 3]
  expect_same(
      [&](const Tensor& x) {
        return loss::cross_entropy(x, kClasses, {.weight = kClassWeight, .label_smoothing = eps});
      },
      [&](const Tensor& x) {
        const Tensor log_p = px::log_softmax(x, 1);
        const Tensor nll = loss::nll(log_p, kClasses, {.weight = kClassWeight});
        const Tensor smooth = -px::sum(log_p * weight_row) / weight_of_targets;
        return nll * (1.0f - eps) + smooth * (eps / 5.0f);
      },
      kLogits);
}

// Probability targets: -sum_c q_c log p_c per row; mean divides by B (not by weights).
TEST(Loss, CrossEntropyWithProbabilityTargetsMatchesItsComposition) {
  const Tensor q = px::softmax(Tensor::randn({6, 5}, 5), 1);
  expect_same([&](const Tensor& x) { return loss::cross_entropy(x, q); },
              [&](const Tensor& x) { return -px::sum(q * px::log_softmax(x, 1)) / 6.0f; }, kLogits);
  expect_same(
      [&](const Tensor& x) {
        return loss::cross_entropy(x, q, {.reduction = Reduction::none, .weight = kClassWeight});
      },
      [&](const Tensor& x) {
        return -px::sum(q * kClassWeight.reshape({1, 5}) * px::log_softmax(x, 1), 1);
      },
      kLogits, Tensor::randn({6}, 6));
  // And the targets' gradient: d/dq = -log_softmax / B.
  const Tensor targets = q.clone().requires_grad();
  loss::cross_entropy(kLogits, targets).backward();
  EXPECT_TRUE(px::testing::tensors_close(targets.grad(), -px::log_softmax(kLogits, 1) / 6.0f));
}

TEST(Loss, CrossEntropyIsExactAtLogitsOfAThousand) {
  const Tensor logits = Tensor::from({1000, 1000, 1000, 1000, 1000,  //
                                      -1000, 1000, -1000, 1000, -1000},
                                     {2, 5});
  const Tensor classes = Tensor::from({2, 0}, {2});
  const auto [value, grad] = value_and_grad(
      [&](const Tensor& x) { return loss::cross_entropy(x, classes, Reduction::none); }, logits,
      Tensor::ones({2}));
  EXPECT_FLOAT_EQ(value.at({0}), std::log(5.0f));            // a row of ties
  EXPECT_FLOAT_EQ(value.at({1}), 2000.0f + std::log(2.0f));  // 2000 below the two maxima
  EXPECT_FLOAT_EQ(grad.at({0, 2}), 0.2f - 1.0f);
  EXPECT_FLOAT_EQ(grad.at({1, 0}), -1.0f);
  EXPECT_FLOAT_EQ(grad.at({1, 1}), 0.5f);
}

// The fused BCE against its formula, away from the clamps; at them, PyTorch's values.
TEST(Loss, BinaryCrossEntropyMatchesItsFormulaAndClampsLikePyTorch) {
  const Tensor probs = Tensor::rand({4, 3}, 7, 0.02f, 0.98f);
  const Tensor target = Tensor::from({0, 1, 1, 0, 0.3f, 1, 0, 0, 1, 0.8f, 1, 0}, {4, 3});
  expect_same(
      [&](const Tensor& p) { return loss::binary_cross_entropy(p, target, Reduction::sum); },
      [&](const Tensor& p) {
        return -px::sum(target * px::log(p) + (1.0f - target) * px::log(1.0f - p));
      },
      probs);
  // p = 0 with t = 1 costs 100 (log clamped at -100) and its gradient is -1e12; p = 1 with t = 1
  // costs 0 and has gradient 0.
  const auto [value, grad] = value_and_grad(
      [](const Tensor& p) {
        return loss::binary_cross_entropy(p, Tensor::from({1, 1, 0}, {3}), Reduction::none);
      },
      Tensor::from({0, 1, 1}, {3}), Tensor::ones({3}));
  EXPECT_EQ(value.to_vector(), (std::vector<float>{100, 0, 100}));
  EXPECT_FLOAT_EQ(grad.at({0}), -1e12f);
  EXPECT_EQ(grad.at({1}), 0.0f);
  EXPECT_FLOAT_EQ(grad.at({2}), 1e12f);
}

TEST(Loss, BinaryCrossEntropyWithLogitsMatchesItsComposition) {
  const Tensor logits = Tensor::randn({4, 3}, 8) * 3.0f;
  const Tensor target = Tensor::from({0, 1, 1, 0, 0.3f, 1, 0, 0, 1, 0.8f, 1, 0}, {4, 3});
  const Tensor pos_weight = Tensor::from({0.5f, 1.0f, 4.0f}, {3});
  // (1 - t) x + (1 + (pw - 1) t) softplus(-x)
  expect_same(
      [&](const Tensor& x) {
        return loss::binary_cross_entropy_with_logits(x, target, {.pos_weight = pos_weight});
      },
      [&](const Tensor& x) {
        const Tensor w = (pos_weight - 1.0f) * target + 1.0f;
        return px::mean((1.0f - target) * x + w * px::softplus(-x));
      },
      logits);
  // And the same as BCE on sigmoid(x) where that is still accurate.
  expect_same([&](const Tensor& x) { return loss::binary_cross_entropy_with_logits(x, target); },
              [&](const Tensor& x) { return loss::binary_cross_entropy(px::sigmoid(x), target); },
              logits);
  // Stable at +-100: the loss of a confident mistake is 100, of a confident hit ~0; no NaN.
  const Tensor big = loss::binary_cross_entropy_with_logits(
      Tensor::from({100, -100, 100, -100}, {4}), Tensor::from({0, 1, 1, 0}, {4}), Reduction::none);
  EXPECT_TRUE(px::testing::tensors_close(big, Tensor::from({100, 100, 0, 0}, {4})));
}

// The primer's students example: two students with (hours studied, hours slept) (4, 5) and
// (2, 1) pass (1) and fail (0); a model that says 0.9 and 0.2 has BCE
// -(log 0.9 + log 0.8) / 2 = 0.164252 and MSE (0.1^2 + 0.2^2) / 2 = 0.025.
TEST(Loss, StudentsExampleByHand) {
  const Tensor predicted = Tensor::from({0.9f, 0.2f}, {2});
  const Tensor passed = Tensor::from({1, 0}, {2});
  EXPECT_NEAR(loss::binary_cross_entropy(predicted, passed).item(), 0.164252f, 1e-6f);
  EXPECT_NEAR(loss::mse(predicted, passed).item(), 0.025f, 1e-7f);
  EXPECT_NEAR(loss::mae(predicted, passed).item(), 0.15f, 1e-7f);
  EXPECT_EQ(loss::mse(predicted, passed, Reduction::none).shape(), px::Shape{2});
  EXPECT_NEAR(loss::mse(predicted, passed, Reduction::sum).item(), 0.05f, 1e-7f);
}

TEST(Loss, RegressionLossesAtHandPickedErrors) {
  // e = pred - target = -3, -0.5, 0, 0.5, 2, 100
  const Tensor target = Tensor::zeros({6});
  const Tensor pred = Tensor::from({-3, -0.5f, 0, 0.5f, 2, 100}, {6});
  const auto none = Reduction::none;
  EXPECT_EQ(loss::huber(pred, target, 1.0f, none).to_vector(),
            (std::vector<float>{2.5f, 0.125f, 0, 0.125f, 1.5f, 99.5f}));
  EXPECT_EQ(loss::smooth_l1(pred, target, 2.0f, none).to_vector(),
            (std::vector<float>{2.0f, 0.0625f, 0, 0.0625f, 1.0f, 99.0f}));
  EXPECT_EQ(loss::smooth_l1(pred, target, 0.0f, none).to_vector(),
            loss::mae(pred, target, none).to_vector());
  // q = 0.9 charges under-prediction (target > pred) 9 times more than over-prediction.
  EXPECT_TRUE(px::testing::tensors_close(loss::quantile(pred, target, 0.9f, none),
                                         Tensor::from({2.7f, 0.45f, 0, 0.05f, 0.2f, 10}, {6})));
  const Tensor log_cosh = loss::log_cosh(pred, target, none);
  EXPECT_FLOAT_EQ(log_cosh.at({0}), std::log(std::cosh(3.0f)));
  EXPECT_EQ(log_cosh.at({2}), 0.0f);
  EXPECT_FLOAT_EQ(log_cosh.at({5}), 100.0f - std::log(2.0f));  // cosh(100) overflows float
  EXPECT_EQ(
      loss::hinge(Tensor::from({2, 0.5f, -1}, {3}), Tensor::from({1, 1, 1}, {3}), none).to_vector(),
      (std::vector<float>{0, 0.5f, 2}));
}
