// Registries by name (losses, optimizers, schedules, activations, layers): every entry builds and
// runs and has a help line, an unknown name lists every valid one, and describe/build round-trip
// a model. Also Module::state_dict/load_state_dict, self-description (type(), spec(),
// in_features()) and summary() of a module the library does not know.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::testing::error_of;
namespace nn = plexus::nn;
using px::Tensor;

namespace {

// Every name in `names` appears in `message`.
void expect_lists_all(const std::string& message, const std::vector<std::string>& names) {
  SCOPED_TRACE(message);
  for (const std::string& name : names) EXPECT_NE(message.find(name), std::string::npos) << name;
}

Tensor ramp(px::Shape shape, float scale = 0.1f) {
  Tensor t = Tensor::empty(shape);
  for (size_t i = 0; i < t.numel(); ++i) t.data()[i] = scale * static_cast<float>(i % 7) - 0.2f;
  return t;
}

// Not built in: states no in_features, and has no type() or spec() of its own.
class Doubler : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return x * 2.0f; }
  std::string name() const override { return "Doubler(x2)"; }
};

}  // namespace

// ---- losses ------------------------------------------------------------------------------------

TEST(LossRegistry, EveryLossBuildsRunsAndHasAHelpLine) {
  const std::vector<px::loss::LossInfo> losses = px::loss::registry();
  ASSERT_EQ(losses.size(), px::loss::names().size());
  const Tensor pred = ramp({4, 3}, 0.15f);
  for (const auto& info : losses) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.description.empty());
    Tensor target;
    switch (info.target) {
      case px::loss::TargetKind::class_indices:
        target = Tensor::from({0, 2, 1, 2}, {4});
        break;
      case px::loss::TargetKind::probabilities:
        target = Tensor::full({4, 3}, 0.25f);
        break;
      case px::loss::TargetKind::values:
        target = Tensor::full({4, 3}, info.name == "hinge" ? 1.0f : 0.5f);
        break;
    }
    const Tensor p = info.name == "binary_cross_entropy" ? px::sigmoid(pred)
                     : info.name == "nll"                ? px::log_softmax(pred, -1)
                                                         : pred;
    const Tensor value = px::loss::by_name(info.name)(p, target);
    EXPECT_EQ(value.numel(), 1u);
    EXPECT_TRUE(std::isfinite(value.item()));
  }
}

TEST(LossRegistry, AnUnknownNameListsEveryKnownOne) {
  const std::string message = error_of([] { px::loss::by_name("cross-entropy"); });
  EXPECT_EQ(message.find("unknown loss \"cross-entropy\"; known: mse, mae,"), 0u) << message;
  expect_lists_all(message, px::loss::names());
}

TEST(LossRegistry, FitAcceptsEveryRegisteredName) {
  for (const std::string& name : px::loss::names()) EXPECT_EQ(px::train::Loss(name).name(), name);
}

// ---- optimizers and schedules ------------------------------------------------------------------

TEST(OptimizerRegistry, EveryOptimizerBuildsStepsAndTakesItsDefaultLr) {
  for (const auto& info : px::optim::optimizers()) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.description.empty());
    nn::Linear layer(3, 2, true, 1);
    auto opt = px::optim::make_optimizer(info.name, layer.parameters());
    EXPECT_EQ(opt->type(), info.type);
    EXPECT_DOUBLE_EQ(opt->lr(), info.default_lr);
    const std::vector<float> before = layer.weight.to_vector();
    px::loss::mse(layer(ramp({5, 3})), Tensor::zeros({5, 2})).backward();
    opt->step();
    EXPECT_NE(layer.weight.to_vector(), before);
  }
}

TEST(OptimizerRegistry, SettingsReachTheOptimizer) {
  nn::Linear layer(3, 2, true, 1);
  auto sgd = px::optim::make_optimizer("sgd", layer.parameters(),
                                       {.lr = 0.5, .weight_decay = 0.01, .momentum = 0.9});
  EXPECT_DOUBLE_EQ(sgd->lr(), 0.5);
  EXPECT_DOUBLE_EQ(sgd->groups()[0].weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(sgd->groups()[0].momentum, 0.9);
  EXPECT_NE(error_of([&] {
              px::optim::make_optimizer("adam", layer.parameters(), {.momentum = 0.9});
            }).find("Adam takes no momentum setting"),
            std::string::npos);
  // beta2 changes the second step (the first one's bias correction cancels it): the named
  // optimizer's steps are Adam's with that beta2, not with the default.
  const auto two_steps = [](px::optim::Optimizer& opt, nn::Linear& net) {
    for (int i = 0; i < 2; ++i) {
      opt.zero_grad();
      px::loss::mse(net(ramp({5, 3})), Tensor::ones({5, 2}) * static_cast<float>(3 * i)).backward();
      opt.step();
    }
    return net.weight.to_vector();
  };
  nn::Linear named(3, 2, true, 7), direct(3, 2, true, 7), plain(3, 2, true, 7);
  auto adam = px::optim::make_optimizer("adam", named.parameters(), {.beta2 = 0.95});
  px::optim::Adam reference(direct.parameters(), {.beta2 = 0.95});
  px::optim::Adam default_adam(plain.parameters());
  const auto expected = two_steps(reference, direct);
  EXPECT_EQ(two_steps(*adam, named), expected);
  EXPECT_NE(two_steps(default_adam, plain), expected);
  EXPECT_NE(error_of([&] {
              px::optim::make_optimizer("sgd", layer.parameters(), {.beta2 = 0.95});
            }).find("SGD takes no beta2 setting"),
            std::string::npos);
}

TEST(OptimizerRegistry, AnUnknownNameListsEveryKnownOne) {
  nn::Linear layer(3, 2);
  const std::string message =
      error_of([&] { px::optim::make_optimizer("adamax", layer.parameters()); });
  EXPECT_EQ(message.find("unknown optimizer \"adamax\"; known: "), 0u) << message;
  std::vector<std::string> names;
  for (const auto& info : px::optim::optimizers()) names.push_back(info.name);
  expect_lists_all(message, names);
}

TEST(ScheduleRegistry, EveryScheduleBuildsAndSteps) {
  for (const auto& info : px::optim::schedules()) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.description.empty());
    nn::Linear layer(3, 2);
    auto opt = px::optim::make_optimizer("sgd", layer.parameters(), {.lr = 0.1, .momentum = 0.9});
    auto schedule = px::optim::make_schedule(info.name, *opt, {.epochs = 10, .steps_per_epoch = 3});
    const size_t steps = info.per_batch ? 30 : 10;
    for (size_t i = 0; i < steps; ++i) {
      if (schedule->needs_metric()) {
        schedule->step(1.0);
      } else {
        schedule->step();
      }
    }
    EXPECT_GE(opt->lr(), 0.0);
    EXPECT_LE(opt->lr(), 0.1 + 1e-12);
  }
}

TEST(ScheduleRegistry, AnUnknownNameListsEveryKnownOne) {
  nn::Linear layer(3, 2);
  auto opt = px::optim::make_optimizer("sgd", layer.parameters());
  const std::string message = error_of([&] { px::optim::make_schedule("warmup", *opt); });
  EXPECT_EQ(message.find("unknown schedule \"warmup\"; known: "), 0u) << message;
  std::vector<std::string> names;
  for (const auto& info : px::optim::schedules()) names.push_back(info.name);
  expect_lists_all(message, names);
}

// ---- activations and layers --------------------------------------------------------------------

TEST(ActivationRegistry, EveryActivationBuildsRunsAndKeepsTheShape) {
  for (const auto& info : nn::activations()) {
    SCOPED_TRACE(info.name);
    EXPECT_FALSE(info.description.empty());
    const auto module = nn::make_activation(info.name);
    EXPECT_EQ(module->type(), info.type);
    EXPECT_EQ(module->spec().type, info.type);
    EXPECT_EQ((*module)(ramp({2, 5})).shape(), (px::Shape{2, 5}));
  }
}

TEST(ActivationRegistry, AnUnknownNameListsEveryKnownOne) {
  const std::string message = error_of([] { nn::make_activation("swish"); });
  EXPECT_EQ(message.find("unknown activation \"swish\"; known: relu, "), 0u) << message;
  std::vector<std::string> names;
  for (const auto& info : nn::activations()) names.push_back(info.name);
  expect_lists_all(message, names);
}

TEST(LayerRegistry, EveryLayerBuildsFromItsDefaultsAndRoundTripsItsSpec) {
  for (const auto& info : nn::layers()) {
    SCOPED_TRACE(info.type);
    EXPECT_FALSE(info.description.empty());
    nn::LayerSpec spec{info.type, {}, {}};
    for (const auto& arg : info.args)
      spec.args.emplace_back(arg.name, arg.default_value.value_or(4));
    const auto module = nn::make_layer(spec);
    EXPECT_EQ(module->type(), info.type);
    const nn::LayerSpec again = module->spec();
    EXPECT_EQ(again.type, info.type);
    ASSERT_EQ(again.args.size(), info.args.size());
    for (size_t i = 0; i < again.args.size(); ++i) {
      EXPECT_EQ(again.args[i].first, spec.args[i].first);
      EXPECT_FLOAT_EQ(static_cast<float>(again.args[i].second),
                      static_cast<float>(spec.args[i].second));
    }
  }
}

TEST(LayerRegistry, BadSpecsSayWhatIsWrong) {
  EXPECT_EQ(
      error_of([] {
        nn::make_layer({"Conv2d", {}, {}});
      })
          .find("unknown layer type \"Conv2d\"; known: Linear, BatchNorm1d, LayerNorm, Dropout, "
                "ReLU"),
      0u);
  EXPECT_EQ(error_of([] {
              nn::make_layer({"Linear", {{"in_features", 3}}, {}});
            }),
            "Linear: argument 'out_features' is required");
  EXPECT_EQ(error_of([] {
              nn::make_layer({"Dropout", {{"rate", 0.1}}, {}});
            }),
            "Dropout: unknown argument 'rate'; it takes p");
  EXPECT_EQ(error_of([] {
              nn::make_layer({"Linear", {{"in_features", 2.5}, {"out_features", 1}}, {}});
            }),
            "Linear: argument 'in_features' must be a whole number, got 2.5");
  EXPECT_EQ(error_of([] {
              nn::build({{"ReLU", {}, {}}, {"Tanh", {{"x", 1}}, {}}});
            }),
            "layer 1: Tanh: unknown argument 'x'; it takes none");
}

TEST(LayerRegistry, BuildOfDescribeGivesTheSameStateAndOutputs) {
  nn::Sequential model{
      nn::Linear(4, 6, true, 3),
      nn::BatchNorm1d(6, 1e-3f, 0.2f),
      nn::LeakyReLU(0.2f),
      nn::Sequential{nn::Linear(6, 5, /*bias=*/false, 4), nn::GELU(px::GeluApproximation::tanh)},
      nn::Dropout(0.3f),
      nn::LayerNorm(5, 1e-4f, false),
      nn::Softplus(2.0f, 10.0f),
      nn::Linear(5, 3, true, 5),
      nn::LogSoftmax(-1)};
  model(ramp({8, 4}));  // moves BatchNorm's running statistics off their initial values
  model.eval();

  nn::Sequential copy = nn::build(nn::describe(model));
  EXPECT_EQ(copy.name(), model.name());
  const px::NamedTensors original = model.state_dict();
  const px::NamedTensors rebuilt = copy.state_dict();
  ASSERT_EQ(rebuilt.size(), original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    EXPECT_EQ(rebuilt[i].first, original[i].first);
    EXPECT_EQ(rebuilt[i].second.shape(), original[i].second.shape());
  }
  copy.load_state_dict(original);
  copy.eval();
  EXPECT_EQ(copy(ramp({3, 4})).to_vector(), model(ramp({3, 4})).to_vector());
}

// ---- Module state ------------------------------------------------------------------------------

TEST(ModuleState, StateDictIsParametersThenBuffersSharingData) {
  nn::Sequential model{nn::Linear(2, 3), nn::BatchNorm1d(3)};
  px::NamedTensors state = model.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                      "1.running_var", "1.num_batches_tracked"}));
  state[0].second.data()[0] = 42.0f;
  EXPECT_EQ(model.at<nn::Linear>(0).weight.data()[0], 42.0f);
}

TEST(ModuleState, LoadStateDictCopiesInPlaceAndChecksNamesAndShapes) {
  nn::Sequential a{nn::Linear(2, 3, true, 1), nn::ReLU(), nn::Linear(3, 1, true, 2)};
  nn::Sequential b{nn::Linear(2, 3, true, 7), nn::ReLU(), nn::Linear(3, 1, true, 8)};
  const Tensor weight = b.at<nn::Linear>(0).weight;  // a handle, as an optimizer keeps
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(weight.to_vector(), a.at<nn::Linear>(0).weight.to_vector());

  nn::Sequential wider{nn::Linear(2, 4), nn::ReLU(), nn::Linear(4, 1)};
  const std::vector<float> before = wider.at<nn::Linear>(2).weight.to_vector();
  EXPECT_EQ(error_of([&] { wider.load_state_dict(a.state_dict()); }),
            "load_state_dict: tensor \"0.weight\" has shape [3, 2] but the model's is [4, 2]");
  EXPECT_EQ(wider.at<nn::Linear>(2).weight.to_vector(), before);  // nothing changed

  px::NamedTensors partial = a.state_dict();
  partial.erase(partial.begin() + 1);  // 0.bias
  EXPECT_EQ(error_of([&] { b.load_state_dict(partial); }),
            "load_state_dict: the model's tensor \"0.bias\" ([3]) is missing");
  partial.emplace_back("extra", Tensor::zeros({2}));
  b.load_state_dict(partial, /*strict=*/false);  // skips both
  partial.emplace_back("2.weight", Tensor::zeros({1, 3}));
  EXPECT_EQ(error_of([&] { b.load_state_dict(partial, false); }),
            "load_state_dict: tensor \"2.weight\" appears twice");
  partial.pop_back();
  partial.push_back({"0.bias", Tensor::zeros({2})});
  EXPECT_EQ(error_of([&] { b.load_state_dict(partial, false); }),
            "load_state_dict: tensor \"0.bias\" has shape [2] but the model's is [3]");
}

// ---- self-description --------------------------------------------------------------------------

TEST(ModuleDescription, TypeIsTheClassNameAndNameTheDescription) {
  EXPECT_EQ(nn::Linear(3, 2).type(), "Linear");
  EXPECT_EQ(nn::Linear(3, 2).name(), "Linear(3 -> 2)");
  EXPECT_EQ(nn::LeakyReLU(0.2f).type(), "LeakyReLU");
  EXPECT_EQ(Doubler().type(), "Doubler");  // name() up to its '('
  EXPECT_EQ(Doubler().spec().type, "Doubler");
  EXPECT_EQ(nn::Linear(3, 2).in_features(), 3);
  EXPECT_EQ(nn::Linear(3, 2).out_features(), 2);
  EXPECT_FALSE(nn::ReLU().in_features().has_value());
  nn::Sequential model{nn::Dropout(0.1f), nn::LayerNorm(3), nn::Linear(3, 5), nn::Tanh()};
  EXPECT_EQ(model.in_features(), 3);
  EXPECT_EQ(model.out_features(), 5);

  nn::Linear linear(3, 2);
  px::optim::SGD sgd(linear.parameters());
  EXPECT_EQ(sgd.type(), "SGD");
}

TEST(ModuleDescription, SummaryShowsALayerItDoesNotKnowByItsOwnName) {
  nn::Sequential alone{Doubler()};
  const std::string only = alone.summary();
  EXPECT_NE(only.find("Doubler(x2)"), std::string::npos) << only;
  EXPECT_NE(only.find("?"), std::string::npos) << only;  // nothing states the input width

  nn::Sequential model{nn::Linear(3, 4), Doubler(), nn::Linear(4, 2)};
  const std::string summary = model.summary();
  SCOPED_TRACE(summary);
  EXPECT_NE(summary.find("Doubler(x2)"), std::string::npos);
  EXPECT_NE(summary.find("[B, 4]"), std::string::npos);
  EXPECT_NE(summary.find("[B, 2]"), std::string::npos);
  EXPECT_EQ(summary.find("?"), std::string::npos);
  EXPECT_THROW(nn::make_layer(Doubler().spec()), px::Error);  // not built in: no rebuild
}
