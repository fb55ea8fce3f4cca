// Networks that must learn, end to end through fit(): XOR, two spirals (where a linear model
// cannot), early stopping on a problem built to overfit, and the NaN stop at an absurd learning
// rate. Seeds are fixed and the bars generous, so these do not flake; each runs in well under
// 10 s on one slow core.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <plexus/optim/adam.hpp>
#include <plexus/optim/sgd.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/fit.hpp>
#include <string>
#include <vector>

namespace px = plexus;
namespace train = plexus::train;
using px::Tensor;
using px::data::Dataset;

namespace {

// Two interleaved spirals, `per_class` points each, with Gaussian jitter: class c at angle t is
// r (cos(t + c pi), sin(t + c pi)), r = t / (3 pi) for t in [0.25 pi, 3 pi] (one and a half turns).
Dataset two_spirals(int64_t per_class, float noise, uint64_t seed) {
  px::Generator generator(seed);
  std::vector<float> x, y;
  for (int64_t c = 0; c < 2; ++c) {
    for (int64_t i = 0; i < per_class; ++i) {
      const double t = std::numbers::pi * (0.25 + 2.75 * generator.uniform());
      const double r = t / (3 * std::numbers::pi);
      const double angle = t + static_cast<double>(c) * std::numbers::pi;
      x.push_back(static_cast<float>(r * std::cos(angle)) + noise * generator.normal());
      x.push_back(static_cast<float>(r * std::sin(angle)) + noise * generator.normal());
      y.push_back(static_cast<float>(c));
    }
  }
  const int64_t n = 2 * per_class;
  return Dataset(Tensor::from(x, {n, 2}) * 3.f, Tensor::from(y, {n}));
}

}  // namespace

TEST(Learning, XorWithA281TanhNetwork) {
  const Dataset xor_data(Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2}),
                         Tensor::from({0, 1, 1, 0}, {4, 1}));
  px::nn::Sequential model{px::nn::Linear(2, 8, true, 1), px::nn::Tanh(),
                           px::nn::Linear(8, 1, true, 2), px::nn::Sigmoid()};
  px::optim::Adam opt(model.parameters(), {.lr = 0.05});
  const auto history =
      train::fit(model, opt, "mse", xor_data, {.epochs = 1000, .batch_size = 4, .verbose = 0});
  EXPECT_LT(history.last().loss, 0.01);
  model.eval();
  const std::vector<float> out = model(xor_data.features()).to_vector();
  EXPECT_LT(out[0], 0.2f);
  EXPECT_GT(out[1], 0.8f);
  EXPECT_GT(out[2], 0.8f);
  EXPECT_LT(out[3], 0.2f);
}

TEST(Learning, MlpSeparatesTwoSpiralsWhereALinearModelCannot) {
  const Dataset train_set = two_spirals(200, 0.03f, 1);
  const Dataset test_set = two_spirals(200, 0.03f, 2);
  const train::FitOptions options{.epochs = 300,
                                  .batch_size = 32,
                                  .validation = test_set,
                                  .metrics = {"accuracy"},
                                  .verbose = 0,
                                  .seed = 3};

  px::nn::Sequential mlp{px::nn::Linear(2, 64, true, 1), px::nn::Tanh(),
                         px::nn::Linear(64, 64, true, 2), px::nn::Tanh(),
                         px::nn::Linear(64, 2, true, 3)};
  px::optim::Adam mlp_opt(mlp.parameters(), {.lr = 0.01});
  const auto mlp_history = train::fit(mlp, mlp_opt, "cross_entropy", train_set, options);
  EXPECT_GE(mlp_history.last().get("accuracy"), 0.95);
  EXPECT_GE(mlp_history.last().get("val_accuracy"), 0.95);

  // Logistic regression: one Linear layer draws a straight line through the spirals.
  px::nn::Linear logistic(2, 2, true, 4);
  px::optim::Adam logistic_opt(logistic.parameters(), {.lr = 0.01});
  const auto linear_history =
      train::fit(logistic, logistic_opt, "cross_entropy", train_set, options);
  EXPECT_LE(linear_history.last().get("accuracy"), 0.65);
  EXPECT_LE(linear_history.last().get("val_accuracy"), 0.65);
}

TEST(Learning, EarlyStoppingStopsOverfittingAndRestoresTheBestWeights) {
  // 12 noisy samples of sin(x), a network far too big for them: the training loss keeps falling
  // while the validation loss turns up once the network starts fitting the noise.
  const auto noisy_sine = [](int64_t n, float noise, uint64_t seed) {
    const Tensor x = Tensor::rand({n, 1}, seed, -3.f, 3.f);
    Tensor y = Tensor::randn({n, 1}, seed + 1, 0.f, noise);
    for (int64_t i = 0; i < n; ++i) y.data()[i] += std::sin(x.data()[i]);
    return Dataset(x, y);
  };
  const Dataset train_set = noisy_sine(12, 0.4f, 1);
  const Dataset val_set = noisy_sine(200, 0.0f, 2);
  px::nn::Sequential model{px::nn::Linear(1, 128, true, 1), px::nn::ReLU(),
                           px::nn::Linear(128, 128, true, 2), px::nn::ReLU(),
                           px::nn::Linear(128, 1, true, 3)};
  px::optim::Adam opt(model.parameters(), {.lr = 0.01});
  train::EarlyStoppingCallback early(
      {.monitor = "val_loss", .patience = 20, .restore_best_weights = true});
  const size_t epochs = 2000;
  const auto history = train::fit(model, opt, "mse", train_set,
                                  {.epochs = epochs,
                                   .batch_size = 12,
                                   .validation = val_set,
                                   .callbacks = {early},
                                   .verbose = 0});

  ASSERT_TRUE(early.stopped_epoch().has_value());
  EXPECT_LT(history.epochs(), epochs);
  const size_t best = history.best_epoch("val_loss");
  EXPECT_EQ(early.best_epoch(), best);
  EXPECT_EQ(*early.stopped_epoch(), best + 20);        // patience epochs after the best
  EXPECT_LT(history.last().loss, history[best].loss);  // still fitting the training noise
  // The restored weights are the best epoch's: they reproduce its validation loss.
  const double restored = train::evaluate(model, "mse", val_set, {.batch_size = 12}).loss;
  EXPECT_DOUBLE_EQ(restored, *history[best].val_loss);
  EXPECT_LT(restored, *history.last().val_loss);
}

TEST(Learning, AbsurdLearningRateStopsWithANamedNaN) {
  const Dataset data = two_spirals(50, 0.03f, 1);
  px::nn::Sequential model{px::nn::Linear(2, 32, true, 1), px::nn::ReLU(),
                           px::nn::Linear(32, 2, true, 2)};
  px::optim::SGD opt(model.parameters(), {.lr = 1e10});
  try {
    train::fit(model, opt, "cross_entropy", data, {.epochs = 10, .batch_size = 10, .verbose = 0});
    FAIL() << "training with lr = 1e10 did not stop";
  } catch (const px::Error& e) {
    const std::string message = e.what();
    // "epoch 1, step 2: loss is NaN; gradient of 0.weight (Linear(2 -> 32)) has NaN. hint: ..."
    EXPECT_EQ(message.rfind("epoch 1, step ", 0), 0u) << message;
    EXPECT_NE(message.find(": loss is "), std::string::npos) << message;
    EXPECT_NE(message.find("; gradient of 0.weight (Linear(2 -> 32)) has "), std::string::npos)
        << message;
    EXPECT_NE(message.find("hint: lower the learning rate or clip gradients (clip_grad_norm)"),
              std::string::npos)
        << message;
  }
}
