// The primer's facts about activations, computed through autograd over a grid: sigmoid' <= 0.25
// with its maximum at 0, tanh' <= 1, relu' in {0, 1}; the derivatives at kinks; softmax at logits
// of +-1000; and the argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <plexus/plexus.hpp>
#include <string>

namespace px = plexus;
using px::Tensor;
using V = std::vector<float>;

namespace {

// x = -10, -9.99, ..., 10 (2001 points, 0 among them exactly) as a parameter.
Tensor grid() {
  Tensor x = Tensor::empty({2001});
  for (size_t i = 0; i < 2001; ++i) x.data()[i] = (static_cast<float>(i) - 1000.0f) / 100.0f;
  return x.requires_grad();
}

// f'(x) at every point of x, by autograd.
template <typename F>
V derivative(const Tensor& x, F f) {
  x.zero_grad();
  f(x).sum().backward();
  return x.grad().to_vector();
}

size_t index_of_max(const V& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

}  // namespace

TEST(Activation, SigmoidDerivativeIsAtMostAQuarterWithItsMaximumAtZero) {
  const Tensor x = grid();
  const V d = derivative(x, [](const Tensor& t) { return px::sigmoid(t); });
  for (float v : d) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 0.25f);
  }
  EXPECT_EQ(x.data()[index_of_max(d)], 0.0f);
  EXPECT_EQ(d[1000], 0.25f);             // y(0) = 1/2, y (1 - y) = 1/4 exactly
  EXPECT_NEAR(d[0], 4.5396e-5f, 1e-8f);  // e^-10 / (1 + e^-10)^2: vanishing at the ends
  const V y = px::sigmoid(x).to_vector();
  EXPECT_TRUE(std::all_of(y.begin(), y.end(), [](float v) { return v > 0.0f && v < 1.0f; }));
}

TEST(Activation, TanhDerivativeIsAtMostOneWithItsMaximumAtZero) {
  const Tensor x = grid();
  const V d = derivative(x, [](const Tensor& t) { return px::tanh(t); });
  for (float v : d) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  EXPECT_EQ(x.data()[index_of_max(d)], 0.0f);
  EXPECT_EQ(d[1000], 1.0f);
  const V y = px::tanh(x).to_vector();
  EXPECT_TRUE(std::all_of(y.begin(), y.end(), [](float v) { return v >= -1.0f && v <= 1.0f; }));
}

TEST(Activation, ReluDerivativeIsZeroOrOneAndZeroAtZero) {
  const Tensor x = grid();
  const V d = derivative(x, [](const Tensor& t) { return px::relu(t); });
  for (size_t i = 0; i < d.size(); ++i)
    EXPECT_EQ(d[i], x.data()[i] > 0.0f ? 1.0f : 0.0f) << "at x = " << x.data()[i];
  EXPECT_EQ(d[1000], 0.0f);  // NOTE: relu'(0) = 0, as in PyTorch
}

TEST(Activation, DerivativesAtTheKinksArePyTorchs) {
  const Tensor zero = Tensor::zeros({1}).requires_grad();
  EXPECT_EQ(derivative(zero, [](const Tensor& t) { return px::leaky_relu(t, 0.2f); })[0], 0.2f);
  EXPECT_EQ(derivative(zero, [](const Tensor& t) { return px::elu(t, 0.5f); })[0], 0.5f);
  EXPECT_FLOAT_EQ(derivative(zero, [](const Tensor& t) { return px::selu(t); })[0],
                  1.0507009873554804934f * 1.6732632423543772848f);
  EXPECT_EQ(derivative(zero, [](const Tensor& t) { return px::gelu(t); })[0], 0.5f);
  EXPECT_EQ(derivative(zero, [](const Tensor& t) { return px::silu(t); })[0], 0.5f);
}

TEST(Activation, SoftplusTurnsLinearOnlyAboveTheThreshold) {
  // beta 2, threshold 5: beta x == 5 at x = 2.5 still takes the log branch (strict >).
  const Tensor x = Tensor::from({2.5f, 2.75f, -40.0f, 100.0f}, {4}).requires_grad();
  const Tensor y = px::softplus(x, 2.0f, 5.0f);
  EXPECT_FLOAT_EQ(y.at({0}), std::log1p(std::exp(5.0f)) / 2.0f);
  EXPECT_EQ(y.at({1}), 2.75f);
  EXPECT_GT(y.at({2}), 0.0f);  // log1p(e^-80) / 2 underflows gracefully, never negative
  EXPECT_EQ(y.at({3}), 100.0f);
  y.sum().backward();
  EXPECT_FLOAT_EQ(x.grad().at({0}), 1.0f / (1.0f + std::exp(-5.0f)));
  EXPECT_EQ(x.grad().at({1}), 1.0f);
  // A threshold above 88 would overflow a naive log1p(e^x); the stable form stays finite.
  EXPECT_FLOAT_EQ(px::softplus(Tensor::from({100.0f}, {1}), 1.0f, 1000.0f).item(), 100.0f);
}

TEST(Activation, SoftmaxRowsSumToOneAtLogitsOfAThousand) {
  const Tensor x = Tensor::from({1000, -1000, 0, 999, 1000,          //
                                 -1000, -1000, -1000, -1000, -1000,  //
                                 -1000, 1000, -999.5f, 500, -1},
                                {3, 5});
  const Tensor y = px::softmax(x, 1);
  for (int64_t r = 0; r < 3; ++r) {
    float total = 0.0f;
    for (int64_t c = 0; c < 5; ++c) {
      EXPECT_TRUE(std::isfinite(y.at({r, c})));
      total += y.at({r, c});
    }
    EXPECT_NEAR(total, 1.0f, 1e-6f) << "row " << r;
  }
  EXPECT_FLOAT_EQ(y.at({1, 2}), 0.2f);  // a row of ties is uniform
  const Tensor log_y = px::log_softmax(x, -1);
  for (float v : log_y.to_vector()) EXPECT_TRUE(std::isfinite(v));
  EXPECT_FLOAT_EQ(log_y.at({2, 0}), -2000.0f);
  // Along the first axis of a 3-D tensor: each (row, column) line sums to 1.
  const Tensor columns = px::softmax(x.reshape({3, 5, 1}) * 3.0f, 0);
  for (int64_t c = 0; c < 5; ++c) {
    float total = 0.0f;
    for (int64_t r = 0; r < 3; ++r) total += columns.at({r, c, 0});
    EXPECT_NEAR(total, 1.0f, 1e-6f) << "column " << c;
  }
}

TEST(Activation, SoftmaxOfAScalarIsOneAndABadAxisIsNamed) {
  EXPECT_EQ(px::softmax(Tensor::scalar(3.0f)).item(), 1.0f);
  try {
    (void)px::softmax(Tensor::ones({2, 3}), 2);
    FAIL() << "no error";
  } catch (const px::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("softmax"), std::string::npos) << message;
    EXPECT_NE(message.find("[2, 3]"), std::string::npos) << message;
  }
  EXPECT_THROW(px::relu(Tensor()), px::Error);
}
