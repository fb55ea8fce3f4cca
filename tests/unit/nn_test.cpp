// Modules and layers: PyTorch state_dict names, train/eval mode, Sequential (construction, errors
// that name the layer, summary), Linear's initialisation and seeding, Dropout's statistics and
// masks, BatchNorm1d's modes, and saving/restoring a model through its named tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

namespace px = plexus;
namespace nn = plexus::nn;
using px::Tensor;
using V = std::vector<float>;

namespace {

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : named) names.push_back(name);
  return names;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const px::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---- Module -------------------------------------------------------------------------------------

TEST(Module, NamedParametersFollowPyTorchStateDictNames) {
  nn::Sequential model{nn::Linear(4, 3), nn::BatchNorm1d(3),
                       nn::Sequential{nn::Linear(3, 2, /*bias=*/false), nn::Dropout(0.1f)},
                       nn::LayerNorm(2)};
  EXPECT_EQ(names_of(model.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "2.0.weight",
                                      "3.weight", "3.bias"}));
  EXPECT_EQ(names_of(model.named_buffers()),
            (std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"}));
  const std::vector<Tensor> parameters = model.parameters();
  ASSERT_EQ(parameters.size(), 7u);
  EXPECT_EQ(parameters[0].shape(), (px::Shape{3, 4}));
  EXPECT_EQ(parameters[4].shape(), (px::Shape{2, 3}));
  for (const Tensor& p : parameters) EXPECT_TRUE(p.needs_grad());
  for (const auto& [name, b] : model.named_buffers()) EXPECT_FALSE(b.needs_grad()) << name;
  // The handles are the layer's own tensors, not copies.
  EXPECT_TRUE(parameters[0].is_same(model.at<nn::Linear>(0).weight));
}

TEST(Module, TrainAndEvalRecurseIntoChildren) {
  nn::Sequential model{nn::Linear(2, 2), nn::Sequential{nn::Dropout(), nn::BatchNorm1d(2)}};
  EXPECT_TRUE(model.is_training());
  model.eval();
  EXPECT_FALSE(model.is_training());
  EXPECT_FALSE(model[0].is_training());
  EXPECT_FALSE(model[1].is_training());
  EXPECT_FALSE(model.at<nn::Sequential>(1)[1].is_training());
  model.train();
  EXPECT_TRUE(model.at<nn::Sequential>(1)[0].is_training());
}

// ---- Sequential ---------------------------------------------------------------------------------

TEST(Sequential, ChainsLayersBuiltFromABracedList) {
  nn::Sequential model{nn::Linear(3, 4, true, 1), nn::Dropout(0.5f), nn::Linear(4, 2, true, 2)};
  ASSERT_EQ(model.size(), 3u);
  EXPECT_EQ(model[0].name(), "Linear(3 -> 4)");
  EXPECT_EQ(model[1].name(), "Dropout(p=0.5)");
  EXPECT_EQ(model.name(), "Sequential(Linear(3 -> 4), Dropout(p=0.5), Linear(4 -> 2))");
  model.push_back(nn::BatchNorm1d(2));
  EXPECT_EQ(model.size(), 4u);
  EXPECT_EQ(model[3].name(), "BatchNorm1d(2)");
  EXPECT_EQ(model.children()[3].first, "3");
  EXPECT_THROW(model[4], px::Error);
  auto shared = std::make_shared<nn::Linear>(2, 2);  // held, not copied
  nn::Sequential holder{shared, nn::ReLU()};
  EXPECT_EQ(&holder[0], shared.get());
  EXPECT_THROW(model.at<nn::Linear>(1), px::Error);

  model.eval();  // dropout is the identity, batch norm uses its running statistics (0 and 1)
  const Tensor x = Tensor::randn({5, 3}, 3);
  const nn::Linear& first = model.at<nn::Linear>(0);
  const nn::Linear& last = model.at<nn::Linear>(2);
  const Tensor expected =
      px::linear(px::linear(x, first.weight, first.bias), last.weight, last.bias) /
      std::sqrt(1.0f + 1e-5f);
  const Tensor y = model(x);
  ASSERT_EQ(y.shape(), (px::Shape{5, 2}));
  for (size_t i = 0; i < y.numel(); ++i) EXPECT_NEAR(y.data()[i], expected.data()[i], 1e-6f) << i;
}

TEST(Sequential, ShapeErrorNamesTheLayerAndShapes) {
  nn::Sequential model{nn::Linear(784, 256), nn::Dropout(0.2f), nn::Linear(256, 10)};
  EXPECT_EQ(error_of([&] {
              model(Tensor::zeros({2, 780}));
            }),
            "layer 0 (Linear(784 -> 256)): input has 780 features, expected 784 "
            "(input shape [2, 780])");
  nn::Sequential broken{nn::Linear(4, 5), nn::Dropout(0.2f), nn::Linear(6, 2)};
  EXPECT_EQ(error_of([&] {
              broken(Tensor::zeros({3, 4}));
            }),
            "layer 2 (Linear(6 -> 2)): input has 5 features, expected 6 (input shape [3, 5])");
  nn::Sequential nested{nn::Linear(4, 4), nn::Sequential{nn::Linear(4, 3), nn::BatchNorm1d(2)}};
  EXPECT_EQ(error_of([&] {
              nested(Tensor::zeros({3, 4}));
            }),
            "layer 1 (Sequential(Linear(4 -> 3), BatchNorm1d(2))): layer 1 (BatchNorm1d(2)): "
            "expected input [B, 2], got shape [3, 3]");
}

TEST(Sequential, SummaryListsOutputSizesAndParameterCounts) {
  nn::Sequential model{nn::Linear(784, 256), nn::BatchNorm1d(256), nn::Dropout(0.2f),
                       nn::Sequential{nn::Linear(256, 128), nn::LayerNorm(128)},
                       nn::Linear(128, 10)};
  model.at<nn::Dropout>(2).eval();
  const std::string summary = model.summary();
  SCOPED_TRACE(summary);
  EXPECT_NE(summary.find("Sequential: 6 layers"), std::string::npos);
  EXPECT_NE(summary.find("Linear(784 -> 256)"), std::string::npos);
  EXPECT_NE(summary.find("200,960"), std::string::npos);  // 784 * 256 + 256
  EXPECT_NE(summary.find("3.0"), std::string::npos);      // the nested Linear(256 -> 128)
  EXPECT_NE(summary.find("[B, 128]"), std::string::npos);
  EXPECT_NE(summary.find("[B, 10]"), std::string::npos);
  // 200,960 + 512 + 32,896 + 256 + 1,290
  EXPECT_NE(summary.find("total parameters: 235,914"), std::string::npos);
  // The dry run restored every mode and left the running statistics alone.
  EXPECT_TRUE(model[1].is_training());
  EXPECT_FALSE(model[2].is_training());
  EXPECT_EQ(model.at<nn::BatchNorm1d>(1).num_batches_tracked.item(), 0.0f);

  nn::Sequential broken{nn::Linear(4, 5), nn::Linear(6, 2)};
  EXPECT_NE(broken.summary().find("shape error: layer 1 (Linear(6 -> 2)): input has 5 features"),
            std::string::npos)
      << broken.summary();
}

// ---- Linear -------------------------------------------------------------------------------------

TEST(Linear, DefaultInitialisationIsPyTorchsUniformBound) {
  nn::Linear layer(400, 300);
  ASSERT_EQ(layer.weight.shape(), (px::Shape{300, 400}));
  ASSERT_EQ(layer.bias.shape(), (px::Shape{300}));
  const double bound = 1.0 / std::sqrt(400.0);  // kaiming_uniform(a = sqrt(5)) = 1 / sqrt(In)
  for (const Tensor& t : {layer.weight, layer.bias}) {
    double sum = 0, squares = 0, largest = 0;
    for (size_t i = 0; i < t.numel(); ++i) {
      const double v = t.data()[i];
      sum += v;
      squares += v * v;
      largest = std::max(largest, std::fabs(v));
    }
    const double n = static_cast<double>(t.numel());
    EXPECT_LE(largest, static_cast<double>(static_cast<float>(bound)));
    EXPECT_GT(largest, 0.95 * bound);
    EXPECT_NEAR(sum / n, 0.0, 5 * bound / std::sqrt(3 * n));
    // U(-a, a) has std a / sqrt(3).
    EXPECT_NEAR(std::sqrt(squares / n), bound / std::sqrt(3.0), 0.1 * bound / std::sqrt(3.0));
  }
  // Tight on the 120,000 weights: within 1% of the uniform's std.
  double squares = 0;
  for (float v : layer.weight.to_vector()) squares += double(v) * v;
  EXPECT_NEAR(std::sqrt(squares / 120000), bound / std::sqrt(3.0), 0.01 * bound / std::sqrt(3.0));
}

TEST(Linear, SameSeedGivesBitIdenticalWeights) {
  px::manual_seed(7);
  const nn::Linear a(10, 5);
  const nn::Linear b(10, 5);
  px::manual_seed(7);
  const nn::Linear again(10, 5);
  EXPECT_EQ(a.weight.to_vector(), again.weight.to_vector());
  EXPECT_EQ(a.bias.to_vector(), again.bias.to_vector());
  EXPECT_NE(a.weight.to_vector(), b.weight.to_vector());
  px::manual_seed(8);
  EXPECT_NE(nn::Linear(10, 5).weight.to_vector(), a.weight.to_vector());
  // An explicit seed ignores the global sequence.
  EXPECT_EQ(nn::Linear(10, 5, true, 42).weight.to_vector(),
            nn::Linear(10, 5, true, 42).weight.to_vector());
  EXPECT_EQ(nn::Linear(10, 5, false, 42).weight.to_vector(),
            nn::Linear(10, 5, true, 42).weight.to_vector());
}

TEST(Linear, InputFeatureMismatchNamesTheLayerAndShape) {
  nn::Linear layer(784, 256);
  EXPECT_EQ(error_of([&] {
              layer(Tensor::zeros({128, 780}));
            }),
            "Linear(784 -> 256): input has 780 features, expected 784 (input shape [128, 780])");
  EXPECT_THROW(nn::Linear(0, 3), px::Error);
  const nn::Linear no_bias(3, 2, false);
  EXPECT_FALSE(no_bias.bias.defined());
  EXPECT_EQ(no_bias.name(), "Linear(3 -> 2, bias=false)");
  EXPECT_EQ(no_bias.parameters().size(), 1u);
}

// ---- Dropout ------------------------------------------------------------------------------------

TEST(Dropout, KeepsTheMeanOverAMillionSamples) {
  nn::Dropout dropout(0.3f, 1);
  const Tensor y = dropout(Tensor::ones({1000, 1000}));
  double sum = 0;
  size_t zeros = 0;
  for (float v : y.to_vector()) {
    sum += v;
    if (v == 0.0f) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.7f);
    }
  }
  // std of the mean: sqrt((1/0.7 - 1) / 1e6) = 6.5e-4, so 0.01 is 15 standard deviations.
  EXPECT_NEAR(sum / 1e6, 1.0, 0.01);
  EXPECT_NEAR(static_cast<double>(zeros) / 1e6, 0.3, 0.005);
}

TEST(Dropout, IsTheIdentityInEvalMode) {
  nn::Dropout dropout(0.5f);
  dropout.eval();
  const Tensor x = Tensor::randn({20, 30}, 2).requires_grad();
  const Tensor y = dropout(x);
  EXPECT_EQ(y.to_vector(), x.to_vector());
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), Tensor::ones({20, 30}).to_vector());
}

TEST(Dropout, RepeatsItsMasksForTheSameSeed) {
  const Tensor x = Tensor::ones({64, 64});
  nn::Dropout a(0.5f, 11), b(0.5f, 11), c(0.5f, 12);
  const V first = a(x).to_vector();
  EXPECT_EQ(first, b(x).to_vector());
  EXPECT_NE(first, c(x).to_vector());
  EXPECT_NE(first, a(x).to_vector());  // each forward draws a new mask

  px::manual_seed(3);  // the global sequence seeds dropouts made without a seed
  nn::Dropout d(0.5f);
  const V from_global = d(x).to_vector();
  px::manual_seed(3);
  nn::Dropout e(0.5f);
  EXPECT_EQ(from_global, e(x).to_vector());
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  nn::Dropout dropout(0.25f, 5);
  const Tensor x = Tensor::rand({10, 10}, 1, 1.0f, 2.0f).requires_grad();
  const Tensor y = dropout(x);
  y.sum().backward();
  for (size_t i = 0; i < x.numel(); ++i)
    EXPECT_FLOAT_EQ(x.grad().data()[i], y.data()[i] / x.data()[i]) << i;
}

TEST(Dropout, RejectsPOutsideZeroToOne) {
  EXPECT_THROW(nn::Dropout(-0.1f), px::Error);
  EXPECT_THROW(nn::Dropout(1.0f), px::Error);
  EXPECT_THROW(nn::Dropout(1.5f), px::Error);
  px::Generator generator(0);
  EXPECT_THROW(px::dropout(Tensor::ones({2}), 1.0f, generator), px::Error);
  nn::Dropout none(0.0f);
  const Tensor x = Tensor::randn({4}, 0);
  EXPECT_EQ(none(x).to_vector(), x.to_vector());
}

// ---- BatchNorm1d and LayerNorm ------------------------------------------------------------------

TEST(BatchNorm1d, SingleSampleInTrainingModeIsAnError) {
  nn::BatchNorm1d bn(4);
  const std::string message = error_of([&] { bn(Tensor::ones({1, 4})); });
  EXPECT_NE(message.find("BatchNorm1d(4): Expected more than 1 value per channel when training"),
            std::string::npos)
      << message;
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0f);
  bn.eval();
  EXPECT_NO_THROW(bn(Tensor::ones({1, 4})));
  EXPECT_EQ(error_of([&] {
              bn(Tensor::ones({3, 5}));
            }),
            "BatchNorm1d(4): expected input [B, 4], got shape [3, 5]");
}

TEST(BatchNorm1d, TrainModeNormalisesTheBatchAndEvalModeUsesRunningStatistics) {
  nn::BatchNorm1d bn(3, 1e-5f, 0.5f, /*affine=*/false);
  const Tensor x = Tensor::randn({8, 3}, 4, 3.0f, 2.0f);
  const Tensor y = bn(x);
  for (int64_t c = 0; c < 3; ++c) {
    double sum = 0, squares = 0;
    for (int64_t r = 0; r < 8; ++r) sum += y.at({r, c});
    for (int64_t r = 0; r < 8; ++r) squares += y.at({r, c}) * y.at({r, c});
    EXPECT_NEAR(sum / 8, 0.0, 1e-5);
    EXPECT_NEAR(squares / 8, 1.0, 1e-4);  // biased variance: 1 / (1 + eps / var)
  }
  EXPECT_EQ(bn.name(), "BatchNorm1d(3, momentum=0.5, affine=false)");
  bn.eval();
  const V mean = bn.running_mean.to_vector();
  const V var = bn.running_var.to_vector();
  const Tensor z = bn(x);
  for (int64_t c = 0; c < 3; ++c)
    EXPECT_NEAR(z.at({0, c}), (x.at({0, c}) - mean[c]) / std::sqrt(var[c] + 1e-5f), 1e-5f);
  EXPECT_EQ(bn.running_mean.to_vector(), mean);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0f);
}

TEST(LayerNorm, NormalisesEachRowAndNamesShapeErrors) {
  nn::LayerNorm norm(5);
  const Tensor y = norm(Tensor::randn({2, 3, 5}, 9, 1.0f, 3.0f));
  ASSERT_EQ(y.shape(), (px::Shape{2, 3, 5}));
  for (int64_t i = 0; i < 6; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < 5; ++j) sum += y.data()[i * 5 + j];
    EXPECT_NEAR(sum, 0.0, 1e-5);
  }
  EXPECT_EQ(error_of([&] {
              norm(Tensor::ones({2, 4}));
            }),
            "LayerNorm(5): input has 4 features in its last dimension, expected 5 "
            "(input shape [2, 4])");
}

// ---- saving and restoring
// ------------------------------------------------------------------------

TEST(Module, NamedParametersAndBuffersRestoreAModelExactly) {
  auto make = [] {
    return nn::Sequential{nn::Linear(5, 8), nn::BatchNorm1d(8), nn::ReLU(), nn::Dropout(0.3f),
                          nn::Sequential{nn::Linear(8, 3), nn::LayerNorm(3)}};
  };
  px::manual_seed(1);
  nn::Sequential trained = make();
  // Move the running statistics and the norm parameters away from their initial values.
  for (uint64_t step = 0; step < 3; ++step) trained(Tensor::randn({16, 5}, step, 1.0f, 2.0f));
  for (const Tensor& p : trained.parameters()) {
    Tensor handle = p;
    for (size_t i = 0; i < handle.numel(); ++i) handle.data()[i] += 0.01f * float(i % 7);
  }

  px::manual_seed(2);
  nn::Sequential restored = make();
  trained.eval();
  restored.eval();
  const Tensor x = Tensor::randn({4, 5}, 99);
  EXPECT_NE(trained(x).to_vector(), restored(x).to_vector());

  auto copy_all = [](const auto& from, const auto& to) {
    ASSERT_EQ(names_of(from), names_of(to));
    for (size_t i = 0; i < from.size(); ++i) {
      Tensor destination = to[i].second;
      std::copy_n(from[i].second.data(), from[i].second.numel(), destination.data());
    }
  };
  copy_all(trained.named_parameters(), restored.named_parameters());
  copy_all(trained.named_buffers(), restored.named_buffers());
  EXPECT_EQ(trained(x).to_vector(), restored(x).to_vector());
  EXPECT_EQ(restored.at<nn::BatchNorm1d>(1).num_batches_tracked.item(), 3.0f);
}

// ---- activation modules -------------------------------------------------------------------------

TEST(ActivationModules, ForwardToTheirFunctionsAndNameThemselvesAsPyTorch) {
  const Tensor x = Tensor::randn({3, 4}, 5);
  auto same = [&](nn::Module&& module, const Tensor& expected, const std::string& name) {
    EXPECT_EQ(module(x).to_vector(), expected.to_vector()) << name;
    EXPECT_EQ(module.name(), name);
    EXPECT_TRUE(module.parameters().empty()) << name;
  };
  same(nn::ReLU(), px::relu(x), "ReLU()");
  same(nn::Sigmoid(), px::sigmoid(x), "Sigmoid()");
  same(nn::Tanh(), px::tanh(x), "Tanh()");
  same(nn::LeakyReLU(), px::leaky_relu(x, 0.01f), "LeakyReLU(negative_slope=0.01)");
  same(nn::LeakyReLU(0.2f), px::leaky_relu(x, 0.2f), "LeakyReLU(negative_slope=0.2)");
  same(nn::ELU(), px::elu(x, 1.0f), "ELU(alpha=1)");
  same(nn::ELU(0.5f), px::elu(x, 0.5f), "ELU(alpha=0.5)");
  same(nn::SELU(), px::selu(x), "SELU()");
  same(nn::GELU(), px::gelu(x), "GELU()");
  same(nn::GELU(px::GeluApproximation::tanh), px::gelu(x, px::GeluApproximation::tanh),
       "GELU(approximate='tanh')");
  same(nn::SiLU(), px::silu(x), "SiLU()");
  same(nn::Softplus(), px::softplus(x), "Softplus(beta=1, threshold=20)");
  same(nn::Softplus(2.0f, 5.0f), px::softplus(x, 2.0f, 5.0f), "Softplus(beta=2, threshold=5)");
  same(nn::Softmax(), px::softmax(x, -1), "Softmax(dim=-1)");
  same(nn::Softmax(0), px::softmax(x, 0), "Softmax(dim=0)");
  same(nn::LogSoftmax(), px::log_softmax(x, -1), "LogSoftmax(dim=-1)");
}
