// DivergedError: fit() stops on a NaN/Inf loss or gradient with an error that code can react to
// (the epoch, the step, the loss, what is to blame), not only a message to read.
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/nn/activation.hpp>
#include <plexus/nn/linear.hpp>
#include <plexus/nn/sequential.hpp>
#include <plexus/optim/sgd.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/fit.hpp>

namespace px = plexus;
namespace train = plexus::train;
using px::Tensor;
using px::data::Dataset;
using Cause = train::DivergedError::Cause;

namespace {

Dataset data(int64_t n) { return Dataset(Tensor::randn({n, 2}, 1), Tensor::randn({n, 1}, 2)); }

// fit's DivergedError; fails the test when fit returns or throws something else.
train::DivergedError divergence_of(px::nn::Module& model, const train::Loss& loss, size_t epochs) {
  px::optim::SGD opt(model.parameters(), {.lr = 0.01});
  try {
    train::fit(model, opt, loss, data(8), {.epochs = epochs, .batch_size = 4, .verbose = 0});
  } catch (const train::DivergedError& e) {
    return e;
  }
  ADD_FAILURE() << "fit did not throw DivergedError";
  return {"", 0, 0, 0, Cause::loss, ""};
}

}  // namespace

TEST(DivergedError, BlamesTheFirstParameterWithANonFiniteGradient) {
  // 1e28 weights: the output squares to Inf; 2.weight's gradient (dout h ~ 1e56) overflows first.
  px::nn::Sequential model{px::nn::Linear(2, 4, true, 1), px::nn::ReLU(),
                           px::nn::Linear(4, 1, true, 2)};
  Tensor w0 = model.at<px::nn::Linear>(0).weight;
  for (size_t i = 0; i < w0.numel(); ++i) w0.data()[i] = 1e28f;
  const train::DivergedError e = divergence_of(model, "mse", 1);
  EXPECT_EQ(e.cause, Cause::gradient);
  EXPECT_EQ(e.parameter, "2.weight");
  EXPECT_EQ(e.epoch, 0u);
  EXPECT_EQ(e.step, 0u);
  EXPECT_TRUE(std::isinf(e.loss));
  EXPECT_EQ(std::string(e.what()).rfind("epoch 1, step 1: loss is Inf; gradient of 2.weight", 0),
            0u)
      << e.what();
}

TEST(DivergedError, BlamesTheLossWhenEveryGradientIsFinite) {
  // A loss that is Inf from the second epoch on, with the gradient of a finite one.
  px::nn::Linear model(2, 1, true, 3);
  size_t calls = 0;
  const train::Loss loss(
      [&calls](const Tensor& p, const Tensor& t) {
        return px::loss::mse(p, t) + (++calls > 2 ? INFINITY : 0.f);
      },
      "mse_then_inf");
  const train::DivergedError e = divergence_of(model, loss, 3);
  EXPECT_EQ(e.cause, Cause::loss);
  EXPECT_EQ(e.parameter, "");
  EXPECT_EQ(e.epoch, 1u);
  EXPECT_EQ(e.step, 0u);
  EXPECT_EQ(std::string(e.what()),
            "epoch 2, step 1: loss is Inf; the parameters and their gradients are finite. hint: "
            "check the inputs and targets for NaN or Inf, and the loss for log(0)");
}
