// Every optimizer against PyTorch 1.13 (fixtures/optim): 25 steps on
// loss = mean((x W^T + b - target)^2) from the same start; the loss before each step and the
// weights and bias after each step must agree.
#include <gtest/gtest.h>

#include <memory>
#include <plexus/optim.hpp>
#include <set>

#include "reference/fixture.hpp"

namespace px = plexus;
namespace optim = plexus::optim;
using plexus::Tensor;
using plexus::testing::Fixture;

namespace {

// Attrs are read as double: an lr of 0.1 read as float would not be PyTorch's 0.1.
double real(const Fixture& f, const char* key) { return f.attrs.at(key).get<double>(); }

// The attrs each optimizer's fixtures may carry; any other one fails the test, so a new option in
// make_fixtures.py cannot be silently ignored here.
const std::set<std::string>& known_attrs(const std::string& optimizer) {
  static const std::map<std::string, std::set<std::string>> known{
      {"SGD", {"lr", "momentum", "dampening", "weight_decay", "nesterov", "lr_weight", "lr_bias"}},
      {"Adagrad", {"lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value"}},
      {"Adadelta", {"lr", "rho", "eps", "weight_decay"}},
      {"RMSprop", {"lr", "momentum", "alpha", "eps", "centered", "weight_decay"}},
      {"Adam", {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"}},
      {"AdamW", {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"}},
      {"NAdam", {"lr", "beta1", "beta2", "eps", "weight_decay", "momentum_decay"}},
  };
  static const std::set<std::string> none;
  const auto it = known.find(optimizer);
  return it == known.end() ? none : it->second;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const Fixture& f, const Tensor& w,
                                                 const Tensor& b) {
  const std::string name = f.string("optimizer");
  if (name == "SGD") {
    const optim::SGD::Options options{.lr = f.attrs.contains("lr") ? real(f, "lr") : 0.01,
                                      .momentum = real(f, "momentum"),
                                      .dampening = real(f, "dampening"),
                                      .weight_decay = real(f, "weight_decay"),
                                      .nesterov = f.flag("nesterov")};
    if (f.attrs.contains("lr_weight"))
      return std::make_unique<optim::SGD>(
          std::vector<optim::ParamGroup>{{.params = {w}, .lr = real(f, "lr_weight")},
                                         {.params = {b}, .lr = real(f, "lr_bias")}},
          options);
    return std::make_unique<optim::SGD>(std::vector<Tensor>{w, b}, options);
  }
  const std::vector<Tensor> params{w, b};
  if (name == "Adagrad")
    return std::make_unique<optim::Adagrad>(
        params,
        optim::Adagrad::Options{.lr = real(f, "lr"),
                                .lr_decay = real(f, "lr_decay"),
                                .weight_decay = real(f, "weight_decay"),
                                .initial_accumulator_value = real(f, "initial_accumulator_value"),
                                .eps = real(f, "eps")});
  if (name == "Adadelta")
    return std::make_unique<optim::Adadelta>(
        params, optim::Adadelta::Options{.lr = real(f, "lr"),
                                         .rho = real(f, "rho"),
                                         .eps = real(f, "eps"),
                                         .weight_decay = real(f, "weight_decay")});
  if (name == "RMSprop")
    return std::make_unique<optim::RMSprop>(
        params, optim::RMSprop::Options{.lr = real(f, "lr"),
                                        .alpha = real(f, "alpha"),
                                        .eps = real(f, "eps"),
                                        .weight_decay = real(f, "weight_decay"),
                                        .momentum = real(f, "momentum"),
                                        .centered = f.flag("centered")});
  if (name == "Adam")
    return std::make_unique<optim::Adam>(
        params, optim::Adam::Options{.lr = real(f, "lr"),
                                     .beta1 = real(f, "beta1"),
                                     .beta2 = real(f, "beta2"),
                                     .eps = real(f, "eps"),
                                     .weight_decay = real(f, "weight_decay"),
                                     .amsgrad = f.flag("amsgrad")});
  if (name == "AdamW")
    return std::make_unique<optim::AdamW>(
        params, optim::AdamW::Options{.lr = real(f, "lr"),
                                      .beta1 = real(f, "beta1"),
                                      .beta2 = real(f, "beta2"),
                                      .eps = real(f, "eps"),
                                      .weight_decay = real(f, "weight_decay"),
                                      .amsgrad = f.flag("amsgrad")});
  if (name == "NAdam")
    return std::make_unique<optim::Nadam>(
        params, optim::Nadam::Options{.lr = real(f, "lr"),
                                      .beta1 = real(f, "beta1"),
                                      .beta2 = real(f, "beta2"),
                                      .eps = real(f, "eps"),
                                      .weight_decay = real(f, "weight_decay"),
                                      .momentum_decay = real(f, "momentum_decay")});
  return nullptr;
}

}  // namespace

TEST(OptimReference, EveryOptimizerMatchesTorchAfterEveryStep) {
  const std::vector<std::string> names = px::testing::fixture_names("optim");
  ASSERT_GE(names.size(), 23u);
  for (const std::string& name : names) {
    SCOPED_TRACE("fixture optim/" + name);
    const Fixture f = px::testing::load_fixture("optim", name);
    const std::string optimizer = f.string("optimizer");
    const std::set<std::string>& known = known_attrs(optimizer);
    ASSERT_FALSE(known.empty()) << "unknown optimizer '" << optimizer << "'";
    for (const auto& [key, value] : f.attrs.items()) {
      if (key == "optimizer" || key == "steps") continue;
      if (key == "maximize") {  // plexus always minimises
        EXPECT_FALSE(value.get<bool>());
        continue;
      }
      EXPECT_TRUE(known.count(key)) << "attr '" << key << "' of " << optimizer << " is not handled";
    }

    const Tensor x = f.tensor("x");
    const Tensor target = f.tensor("target");
    const Tensor w = f.tensor("weight_0").requires_grad();
    const Tensor b = f.tensor("bias_0").requires_grad();
    const std::unique_ptr<optim::Optimizer> opt = make_optimizer(f, w, b);
    ASSERT_TRUE(opt);
    const std::vector<float> losses = f.tensor("loss").to_vector();
    const int64_t steps = f.attrs.at("steps").get<int64_t>();
    ASSERT_EQ(losses.size(), static_cast<size_t>(steps));
    for (int64_t k = 1; k <= steps; ++k) {
      SCOPED_TRACE("step " + std::to_string(k));
      opt->zero_grad();
      const Tensor loss = px::mean(px::square(px::linear(x, w, b) - target));
      EXPECT_NEAR(loss.item(), losses[k - 1], 1e-6 + 1e-5 * std::fabs(losses[k - 1]));
      loss.backward();
      opt->step();
      EXPECT_TRUE(px::testing::tensors_close(w, f.tensor("weight_" + std::to_string(k))));
      EXPECT_TRUE(px::testing::tensors_close(b, f.tensor("bias_" + std::to_string(k))));
    }
  }
}
