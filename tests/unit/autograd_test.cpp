// The autograd engine: accumulation, fan-out, freeing the graph, no-grad scopes, misuse errors,
// and the gradient checker itself (it must catch a wrong backward).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <plexus/plexus.hpp>

#include "tensor/storage.hpp"

namespace px = plexus;
using px::Tensor;
using V = std::vector<float>;

// The primer's perceptron: x = (-1, 2), w = (0.5, -0.3), b = 0.1, y = sigmoid(w.x + b).
// z = -0.5 - 0.6 + 0.1 = -1;  y = 1 / (1 + e) = 0.268941;  dy/dz = y (1 - y) = 0.196612;
// dy/dw = dy/dz * x = (-0.196612, 0.393224);  dy/db = 0.196612.
TEST(Autograd, PerceptronForwardAndBackwardByHand) {
  const Tensor x = Tensor::from({-1, 2}, {1, 2});
  Tensor w = Tensor::from({0.5f, -0.3f}, {2, 1}).requires_grad();
  Tensor b = Tensor::from({0.1f}, {1}).requires_grad();
  const Tensor y = 1.f / (1.f + px::exp(-(px::matmul(x, w) + b)));
  EXPECT_NEAR(y.item(), 0.268941f, 1e-6f);
  y.sum().backward();
  EXPECT_NEAR(w.grad().at({0, 0}), -0.196612f, 1e-6f);
  EXPECT_NEAR(w.grad().at({1, 0}), 0.393224f, 1e-6f);
  EXPECT_NEAR(b.grad().item(), 0.196612f, 1e-6f);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor w = Tensor::from({2, 3}, {2}).requires_grad();
  (w * w).sum().backward();
  (w * 3.f).sum().backward();
  EXPECT_EQ(w.grad().to_vector(), (V{7, 9}));
  w.zero_grad();
  EXPECT_FALSE(w.grad().defined());
}

// zero_grad() keeps a gradient's buffer for the next backward() only when no one else holds it:
// a handle taken before keeps its values, and the reused buffer starts from nothing.
TEST(Autograd, ZeroGradReusesOnlyAGradientNoOneHolds) {
  Tensor w = Tensor::from({2, 3}, {2}).requires_grad();
  (w * 3.f).sum().backward();
  const Tensor held = w.grad();
  w.zero_grad();
  (w * 5.f).sum().backward();
  EXPECT_EQ(held.to_vector(), (V{3, 3}));
  EXPECT_EQ(w.grad().to_vector(), (V{5, 5}));
  const float* buffer = w.grad().data();
  w.zero_grad();
  EXPECT_FALSE(w.grad().defined());
  (w * 7.f).sum().backward();  // written into the kept buffer (zero-filled first)
  EXPECT_EQ(w.grad().data(), buffer);
  EXPECT_EQ(w.grad().to_vector(), (V{7, 7}));
  const Tensor x = Tensor::from({1, 2, 3, 4}, {2, 2});
  Tensor m = Tensor::from({1, 0, 0, 1}, {2, 2}).requires_grad();
  px::matmul(x, m).sum().backward();
  m.zero_grad();
  px::matmul(x, m).sum().backward();  // into the kept buffer with beta = 0: not added to
  EXPECT_EQ(m.grad().to_vector(), (V{4, 4, 6, 6}));
}

// Products write a new gradient buffer with beta = 0 and add to an existing one with beta = 1.
TEST(Autograd, MatrixProductGradientsAccumulateAcrossBackwardCalls) {
  const Tensor x = Tensor::randn({5, 3}, 1);
  Tensor w = Tensor::randn({4, 3}, 2).requires_grad();
  Tensor b = Tensor::randn({3, 4}, 3).requires_grad();
  px::linear(x, w).sum().backward();
  px::matmul(x, b).sum().backward();
  const std::vector<float> once_w = w.grad().to_vector(), once_b = b.grad().to_vector();
  px::linear(x, w).sum().backward();
  px::matmul(x, b).sum().backward();
  for (size_t i = 0; i < once_w.size(); ++i) EXPECT_FLOAT_EQ(w.grad().data()[i], 2 * once_w[i]);
  for (size_t i = 0; i < once_b.size(); ++i) EXPECT_FLOAT_EQ(b.grad().data()[i], 2 * once_b[i]);
}

TEST(Autograd, TensorUsedManyTimesGetsTheSumOfItsGradients) {
  Tensor x = Tensor::from({1, 2}, {2}).requires_grad();
  const Tensor h = x * 2.f;
  const Tensor y = (h * h + h * x + x).sum();  // 4x^2 + 2x^2 + x -> 12x + 1
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (V{13, 25}));
}

TEST(Autograd, BroadcastGradientIsSummedOverTheBatch) {
  const Tensor x = Tensor::ones({4, 3});
  Tensor b = Tensor::zeros({3}).requires_grad();
  (x + b).sum().backward();
  EXPECT_EQ(b.grad().to_vector(), (V{4, 4, 4}));
}

TEST(Autograd, NonScalarOutputNeedsExplicitGradient) {
  Tensor x = Tensor::from({1, 2}, {2}).requires_grad();
  const Tensor y = x * 3.f;
  EXPECT_THROW(y.backward(), px::Error);
  EXPECT_THROW(y.backward(Tensor::ones({3})), px::Error);
  y.backward(Tensor::from({1, 10}, {2}));
  EXPECT_EQ(x.grad().to_vector(), (V{3, 30}));
}

TEST(Autograd, BackwardWithoutGradIsAnError) {
  const Tensor x = Tensor::ones({2});
  EXPECT_THROW((x * 2.f).sum().backward(), px::Error);
}

TEST(Autograd, GraphIsFreedAfterBackward) {
  Tensor x = Tensor::ones({2}).requires_grad();
  const Tensor loss = (x * x).sum();
  loss.backward();
  EXPECT_THROW(loss.backward(), px::Error);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor w = Tensor::ones({2}).requires_grad();
  {
    px::NoGradGuard no_grad;
    EXPECT_FALSE(px::grad_enabled());
    const Tensor y = w * 2.f;
    EXPECT_FALSE(y.needs_grad());
  }
  EXPECT_TRUE(px::grad_enabled());
  EXPECT_TRUE((w * 2.f).needs_grad());
}

TEST(Autograd, DetachCutsTheGraphButSharesData) {
  Tensor w = Tensor::ones({2}).requires_grad();
  const Tensor d = (w * 2.f).detach();
  EXPECT_FALSE(d.needs_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_THROW((w * 2.f).requires_grad(), px::Error);
}

TEST(Autograd, DeepChainIsFreedWithoutRecursion) {
  Tensor x = Tensor::ones({1}).requires_grad();
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y + 1.f;
  EXPECT_EQ(y.item(), 200001.f);
  y = Tensor();  // dropping 200k nodes must not overflow the stack
  Tensor z = x;
  for (int i = 0; i < 100000; ++i) z = z * 1.f;
  z.backward();
  EXPECT_EQ(x.grad().item(), 1.f);
}

TEST(Autograd, CustomOpBackwardShapesAreChecked) {
  Tensor x = Tensor::ones({3}).requires_grad();
  const Tensor y = px::custom_op(
      "bad", {x}, [](const std::vector<Tensor>& in) { return in[0] * 2.f; },
      [](const px::BackwardArgs&) { return std::vector<Tensor>{Tensor::ones({4})}; });
  try {
    y.sum().backward();
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad"), std::string::npos) << e.what();
  }
}

// The op outputs' gradients come from a per-thread stack: aligned, apart, never nullptr, and
// popped back to a mark, nested marks included, across blocks; a cached build reuses the space.
TEST(Autograd, GradientStackPushesAlignedBuffersAndPopsToAMark) {
  namespace detail = px::detail;
  auto aligned = [](const float* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; };
  const detail::GradStackMark outer = detail::grad_stack_mark();
  float* first = detail::push_grad_buffer(10);
  float* empty = detail::push_grad_buffer(0);
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(aligned(first) && aligned(empty));
  EXPECT_GE(empty, first + 10);
  std::fill_n(first, 10, 7.0f);
  const detail::GradStackMark inner = detail::grad_stack_mark();
  float* nested = detail::push_grad_buffer(33);
  float* large = detail::push_grad_buffer(100000);  // more than a block holds
  EXPECT_TRUE(aligned(nested) && aligned(large));
  std::fill_n(nested, 33, -1.0f);
  std::fill_n(large, 100000, -1.0f);
  detail::pop_grad_buffers(inner);
  float* again = detail::push_grad_buffer(33);
  EXPECT_EQ(std::count(first, first + 10, 7.0f), 10);  // the outer pass's buffers untouched
  detail::pop_grad_buffers(outer);
  float* first_again = detail::push_grad_buffer(10);
  detail::pop_grad_buffers(outer);
#if PLEXUS_NO_CACHE
  (void)again, (void)first_again;  // sanitizer builds free popped buffers: no reuse to check
#else
  EXPECT_EQ(again, nested);  // the inner pass's space, used again
  EXPECT_EQ(first_again, first);
#endif
}

// A backward() inside a custom op's backward leaves the outer pass's gradients as they were.
// y = f(a) with f's backward an inner backward of a^2; z = 5 a shares a = 3 x and runs first, so
// a's gradient is on the gradient stack before the inner pass pushes and pops its own, and is read
// after it. d/dx (2 (3x)^2 + 5 (3x)) = 36 x + 15.
TEST(Autograd, BackwardInsideACustomOpsBackwardKeepsTheOuterPassGradients) {
  Tensor x = Tensor::from({1, -2, 0.5f}, {3}).requires_grad();
  const Tensor a = x * 3.f;
  // The inner graph, a^2 on a copy of a's values, recorded here (a backward records nothing).
  const Tensor copy = a.detach().clone().requires_grad();
  const Tensor square = copy * copy;
  const Tensor y = px::custom_op(
      "square", {a}, [](const std::vector<Tensor>& in) { return in[0] * in[0]; },
      [&](const px::BackwardArgs& args) {
        square.backward(args.grad_output);
        return std::vector<Tensor>{copy.grad()};
      });
  const Tensor z = a * 5.f;
  (y * 2.f + z).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (V{36 * 1 + 15, 36 * -2 + 15, 36 * 0.5f + 15}));
}

// A custom op may hand back the output gradient it was given: a tensor of its own.
TEST(Autograd, CustomOpMayReturnItsOutputGradient) {
  Tensor x = Tensor::from({1, 2}, {2}).requires_grad();
  Tensor kept;
  const Tensor y = px::custom_op(
      "identity", {x}, [](const std::vector<Tensor>& in) { return in[0]; },
      [&kept](const px::BackwardArgs& args) {
        kept = args.grad_output;
        return std::vector<Tensor>{args.grad_output};
      });
  (y * 4.f).sum().backward();
  EXPECT_EQ(x.grad().to_vector(), (V{4, 4}));
  (x * 2.f).sum().backward();  // another pass reuses the gradient stack
  EXPECT_EQ(kept.to_vector(), (V{4, 4}));
}

// A deliberately wrong backward (d/dx x^3 written as 2x^2) must fail the check; the right one,
// 3x^2, must pass.
TEST(Gradcheck, CatchesAWrongBackward) {
  auto cube = [](float factor) {
    return [factor](const std::vector<Tensor>& in) {
      return px::custom_op(
          "cube", {in[0]}, [](const std::vector<Tensor>& x) { return x[0] * x[0] * x[0]; },
          [factor](const px::BackwardArgs& a) {
            return std::vector<Tensor>{a.grad_output * a.inputs[0] * a.inputs[0] * factor};
          });
    };
  };
  const Tensor x = Tensor::randn({3, 4}, 5);
  const px::GradcheckResult wrong = px::gradcheck(cube(2.f), {x});
  EXPECT_FALSE(wrong.ok);
  EXPECT_GT(wrong.max_relative_error[0], 0.1);
  EXPECT_NE(wrong.report.find("FAILS"), std::string::npos);
  const px::GradcheckResult right = px::gradcheck(cube(3.f), {x});
  EXPECT_TRUE(right.ok) << right.report;
}

// A transposed gradient has the right values in the wrong places: random output weights catch it.
TEST(Gradcheck, CatchesATransposedGradient) {
  auto f = [](const std::vector<Tensor>& in) {
    return px::custom_op(
        "scale_rows", {in[0]},
        [](const std::vector<Tensor>& x) {
          return x[0] * Tensor::from({1, 2, 3}, {3, 1});
        },
        [](const px::BackwardArgs& a) {
          const Tensor right = a.grad_output * Tensor::from({1, 2, 3}, {3, 1});
          return std::vector<Tensor>{right.t().reshape({3, 3})};
        });
  };
  EXPECT_FALSE(px::gradcheck(f, {Tensor::randn({3, 3}, 1)}).ok);
}

// A whole model checked through its own parameters; the parameters and their gradients are left
// as they were.
TEST(Gradcheck, ChecksAWholeModelThroughItsParameters) {
  px::manual_seed(3);
  px::nn::Sequential model{px::nn::Linear(3, 5), px::nn::Tanh(), px::nn::Linear(5, 2)};
  const Tensor x = Tensor::randn({4, 3}, 1);
  const Tensor y = Tensor::randn({4, 2}, 2);
  const std::vector<Tensor> params = model.parameters();
  const std::vector<float> before = params[0].to_vector();
  params[0].set_grad(Tensor::full(params[0].shape(), 7.f));
  const px::GradcheckResult result =
      px::gradcheck([&] { return px::loss::mse(model(x), y); }, params);
  EXPECT_TRUE(result.ok) << result.report;
  EXPECT_EQ(result.max_relative_error.size(), params.size());
  EXPECT_EQ(params[0].to_vector(), before);
  EXPECT_EQ(params[0].grad().to_vector(), std::vector<float>(params[0].numel(), 7.f));
  EXPECT_FALSE(params[1].grad().defined());
}

TEST(Gradcheck, CatchesAWrongBackwardInsideAModel) {
  px::manual_seed(3);
  px::nn::Linear layer(3, 2);
  const Tensor x = Tensor::randn({4, 3}, 1);
  auto doubled_backward = [](const Tensor& t) {
    return px::custom_op(
        "wrong", {t}, [](const std::vector<Tensor>& in) { return in[0] * 1.f; },
        [](const px::BackwardArgs& a) { return std::vector<Tensor>{a.grad_output * 2.f}; });
  };
  EXPECT_FALSE(
      px::gradcheck([&] { return px::sum(doubled_backward(layer(x))); }, layer.parameters()).ok);
}
