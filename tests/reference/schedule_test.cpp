// Every learning-rate schedule against torch.optim.lr_scheduler of PyTorch 1.13
// (fixtures/schedules): the lr of 30 epochs, read before each epoch's scheduler.step(), and for
// OneCycleLR the momentum too. Also the schedules' own rules: errors, metric handling, groups.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <plexus/optim.hpp>
#include <set>

#include "reference/fixture.hpp"

namespace px = plexus;
namespace optim = plexus::optim;
using plexus::Tensor;
using plexus::testing::Fixture;

namespace {

double real(const Fixture& f, const char* key) { return f.attrs.at(key).get<double>(); }
int64_t integer(const Fixture& f, const char* key) { return f.attrs.at(key).get<int64_t>(); }

// The constructor arguments each schedule's fixtures may carry; any other one fails the test.
const std::set<std::string>& known_attrs(const std::string& scheduler) {
  static const std::map<std::string, std::set<std::string>> known{
      {"StepLR", {"step_size", "gamma"}},
      {"MultiStepLR", {"gamma"}},
      {"ExponentialLR", {"gamma"}},
      {"CosineAnnealingLR", {"T_max", "eta_min"}},
      {"CosineAnnealingWarmRestarts", {"T_0", "T_mult", "eta_min"}},
      {"LinearLR", {"start_factor", "end_factor", "total_iters"}},
      {"OneCycleLR",
       {"optimizer_momentum", "max_lr", "total_steps", "pct_start", "anneal_strategy",
        "cycle_momentum", "base_momentum", "max_momentum", "div_factor", "final_div_factor",
        "three_phase"}},
      {"ReduceLROnPlateau",
       {"mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"}},
  };
  static const std::set<std::string> none;
  const auto it = known.find(scheduler);
  return it == known.end() ? none : it->second;
}

std::unique_ptr<optim::LRScheduler> make_schedule(const Fixture& f, optim::Optimizer& opt) {
  const std::string name = f.string("scheduler");
  if (name == "StepLR")
    return std::make_unique<optim::StepLR>(opt, integer(f, "step_size"), real(f, "gamma"));
  if (name == "MultiStepLR") {
    std::vector<int64_t> milestones;
    for (float m : f.tensor("milestones").to_vector()) milestones.push_back(std::lround(m));
    return std::make_unique<optim::MultiStepLR>(opt, milestones, real(f, "gamma"));
  }
  if (name == "ExponentialLR") return std::make_unique<optim::ExponentialLR>(opt, real(f, "gamma"));
  if (name == "CosineAnnealingLR")
    return std::make_unique<optim::CosineAnnealingLR>(opt, integer(f, "T_max"), real(f, "eta_min"));
  if (name == "CosineAnnealingWarmRestarts")
    return std::make_unique<optim::CosineAnnealingWarmRestarts>(
        opt, integer(f, "T_0"), integer(f, "T_mult"), real(f, "eta_min"));
  if (name == "LinearLR")
    return std::make_unique<optim::LinearLR>(opt, real(f, "start_factor"), real(f, "end_factor"),
                                             integer(f, "total_iters"));
  if (name == "OneCycleLR") {
    const std::string anneal = f.string("anneal_strategy");
    EXPECT_TRUE(anneal == "cos" || anneal == "linear") << anneal;
    return std::make_unique<optim::OneCycleLR>(
        opt, real(f, "max_lr"), integer(f, "total_steps"),
        optim::OneCycleLR::Options{.pct_start = real(f, "pct_start"),
                                   .anneal_strategy = anneal == "linear"
                                                          ? optim::AnnealStrategy::linear
                                                          : optim::AnnealStrategy::cos,
                                   .cycle_momentum = f.flag("cycle_momentum"),
                                   .base_momentum = real(f, "base_momentum"),
                                   .max_momentum = real(f, "max_momentum"),
                                   .div_factor = real(f, "div_factor"),
                                   .final_div_factor = real(f, "final_div_factor"),
                                   .three_phase = f.flag("three_phase")});
  }
  if (name == "ReduceLROnPlateau")
    return std::make_unique<optim::ReduceLROnPlateau>(
        opt,
        optim::ReduceLROnPlateau::Options{
            .mode = f.string("mode") == "max" ? optim::PlateauMode::max : optim::PlateauMode::min,
            .factor = real(f, "factor"),
            .patience = integer(f, "patience"),
            .threshold = real(f, "threshold"),
            .threshold_mode = f.string("threshold_mode") == "abs" ? optim::ThresholdMode::abs
                                                                  : optim::ThresholdMode::rel,
            .cooldown = integer(f, "cooldown"),
            .min_lr = real(f, "min_lr"),
            .eps = real(f, "eps")});
  return nullptr;
}

// The fixtures store float32; the lr computed in double must round to the same float.
::testing::AssertionResult same_as_float(double actual, float expected) {
  if (std::fabs(actual - expected) <= 1e-6 * std::fabs(expected))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual << " vs PyTorch's " << expected;
}

}  // namespace

TEST(ScheduleReference, EveryScheduleMatchesTorchEveryEpoch) {
  const std::vector<std::string> names = px::testing::fixture_names("schedules");
  ASSERT_GE(names.size(), 9u);
  for (const std::string& name : names) {
    SCOPED_TRACE("fixture schedules/" + name);
    const Fixture f = px::testing::load_fixture("schedules", name);
    const std::set<std::string>& known = known_attrs(f.string("scheduler"));
    ASSERT_FALSE(known.empty()) << "unknown scheduler '" << f.string("scheduler") << "'";
    for (const auto& [key, value] : f.attrs.items()) {
      if (key == "scheduler" || key == "base_lr" || key == "epochs") continue;
      EXPECT_TRUE(known.count(key))
          << "attr '" << key << "' of " << f.string("scheduler") << " is not handled";
    }
    Tensor param = Tensor::zeros({1}).requires_grad();
    const double momentum =
        f.attrs.contains("optimizer_momentum") ? real(f, "optimizer_momentum") : 0.0;
    optim::SGD opt({param}, {.lr = real(f, "base_lr"), .momentum = momentum});
    const std::unique_ptr<optim::LRScheduler> schedule = make_schedule(f, opt);
    ASSERT_TRUE(schedule) << "unknown scheduler '" << f.string("scheduler") << "'";

    const std::vector<float> lrs = f.tensor("lr").to_vector();
    const std::vector<float> momenta =
        f.has("momentum") ? f.tensor("momentum").to_vector() : std::vector<float>{};
    const std::vector<float> metrics =
        f.has("metric") ? f.tensor("metric").to_vector() : std::vector<float>{};
    ASSERT_EQ(lrs.size(), static_cast<size_t>(integer(f, "epochs")));
    for (size_t epoch = 0; epoch < lrs.size(); ++epoch) {
      SCOPED_TRACE("epoch " + std::to_string(epoch));
      EXPECT_TRUE(same_as_float(opt.lr(), lrs[epoch]));
      EXPECT_EQ(schedule->last_lr().at(0), opt.lr());
      if (!momenta.empty()) {
        EXPECT_TRUE(same_as_float(opt.groups()[0].momentum, momenta[epoch]));
      }
      param.set_grad(Tensor::ones({1}));
      opt.step();
      if (schedule->needs_metric())
        schedule->step(static_cast<double>(metrics.at(epoch)));
      else
        schedule->step();
    }
  }
}

// Each group keeps its own base lr.
TEST(Schedule, GroupsDecayFromTheirOwnLearningRates) {
  Tensor a = Tensor::zeros({2}).requires_grad(), b = Tensor::zeros({3}).requires_grad();
  optim::SGD opt({{.params = {a}, .lr = 1.0}, {.params = {b}, .lr = 0.5}});
  optim::ExponentialLR schedule(opt, 0.5);
  schedule.step();
  schedule.step();
  EXPECT_EQ(opt.groups()[0].lr, 0.25);
  EXPECT_EQ(opt.groups()[1].lr, 0.125);
  EXPECT_EQ(schedule.last_lr(), (std::vector<double>{0.25, 0.125}));
  EXPECT_EQ(schedule.last_epoch(), 2);
}

// The closed form of the cosine schedule, 0.001 + (0.1 - 0.001)(1 + cos(pi t / 10)) / 2, and its
// climb back up after T_max (period 2 T_max).
TEST(Schedule, CosineAnnealingFollowsTheClosedFormAndClimbsBackAfterTMax) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::SGD opt({p}, {.lr = 0.1});
  optim::CosineAnnealingLR schedule(opt, 10, 0.001);
  for (int64_t t = 1; t <= 40; ++t) {
    schedule.step();
    const double expected = 0.001 + 0.099 * (1 + std::cos(std::numbers::pi * t / 10)) / 2;
    EXPECT_NEAR(opt.lr(), expected, 1e-12) << "epoch " << t;
  }
}

// coslog4 over 150 steps: log2(1 + 15 t) crosses 1, 2, 3 at t = 1/15, 3/15, 7/15, so the lr is 0
// at steps 0, 10, 30, 70 and 150, and the base lr half-way through each cycle (log2 = 0.5, ...).
TEST(Schedule, CosLogWarmsUpAndAnnealsFourCyclesEachLongerThanTheLast) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::SGD opt({p}, {.lr = 0.1});
  optim::CosLogLR schedule(opt, 150, 4);
  std::vector<double> lr = {opt.lr()};
  for (int step = 1; step <= 150; ++step) {
    schedule.step();
    lr.push_back(opt.lr());
  }
  for (int zero : {0, 10, 30, 70, 150}) EXPECT_NEAR(lr[zero], 0.0, 1e-12) << "step " << zero;
  for (double cycles : {0.5, 1.5, 2.5, 3.5}) {  // the peaks, half-way through each cycle
    const auto step = static_cast<size_t>(std::lround((std::exp2(cycles) - 1) / 15 * 150));
    EXPECT_GT(lr[step], 0.095) << "cycle peak " << cycles;
  }
  for (size_t step = 0; step <= 150; ++step) {
    const double cycles = std::log2(1 + 15 * static_cast<double>(step) / 150);
    EXPECT_NEAR(lr[step], 0.1 * (1 - std::cos(2 * std::numbers::pi * cycles)) / 2, 1e-12) << step;
  }
  EXPECT_THROW(optim::CosLogLR(opt, 0), px::Error);
}

TEST(Schedule, LinearAnnealingOneCycleReachesMaxLrThenTheFinalLr) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::Adagrad opt({p});  // no momentum: only the lr is cycled
  optim::OneCycleLR schedule(opt, 1.0, 11,
                             {.pct_start = 0.5,
                              .anneal_strategy = optim::AnnealStrategy::linear,
                              .div_factor = 10.0,
                              .final_div_factor = 100.0});
  EXPECT_DOUBLE_EQ(opt.lr(), 0.1);  // max_lr / div_factor
  // Phase 1 runs over steps 0 .. 4.5 (pct_start * 11 - 1), phase 2 from 4.5 to 10.
  for (size_t s = 1; s <= 10; ++s) schedule.step();
  EXPECT_DOUBLE_EQ(opt.lr(), 0.001);  // initial lr / final_div_factor
  EXPECT_EQ(opt.groups()[0].momentum, 0.0);
  schedule.step();  // step 11 = total_steps is still allowed, as in PyTorch
  EXPECT_THROW(schedule.step(), px::Error);
}

TEST(Schedule, OneCycleCyclesAdamsBeta1) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::Adam opt({p});
  optim::OneCycleLR schedule(opt, 0.01, 10);
  EXPECT_EQ(opt.groups()[0].momentum, 0.95);  // max_momentum while the lr is lowest
  schedule.step();
  schedule.step();  // step 2 = pct_start * total_steps - 1: the peak
  EXPECT_DOUBLE_EQ(opt.lr(), 0.01);
  EXPECT_DOUBLE_EQ(opt.groups()[0].momentum, 0.85);
}

TEST(Schedule, ReduceLROnPlateauNeedsTheMetric) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::SGD opt({p}, {.lr = 0.1});
  optim::ReduceLROnPlateau schedule(opt, {.patience = 0});
  EXPECT_THROW(schedule.step(), px::Error);
  schedule.step(1.0);
  schedule.step(1.0);  // no improvement, patience 0: cut
  EXPECT_NEAR(opt.lr(), 0.01, 1e-15);
  EXPECT_EQ(schedule.best(), 1.0);
}

TEST(Schedule, MetricIsIgnoredBySchedulesThatWatchNone) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::SGD opt({p}, {.lr = 0.1});
  optim::StepLR schedule(opt, 1, 0.5);
  EXPECT_FALSE(schedule.needs_metric());
  schedule.step(123.0);
  EXPECT_EQ(opt.lr(), 0.05);
}

TEST(Schedule, InvalidArgumentsNameTheScheduleAndTheArgument) {
  Tensor p = Tensor::zeros({1}).requires_grad();
  optim::SGD opt({p});
  auto message = [](auto make) {
    try {
      make();
    } catch (const px::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { optim::StepLR s(opt, 0); }),
            "StepLR: invalid step_size = 0; it must be >= 1");
  EXPECT_EQ(message([&] {
              optim::MultiStepLR s(opt, {5, 3});
            }),
            "MultiStepLR: the milestones must be in increasing order");
  EXPECT_EQ(message([&] { optim::CosineAnnealingLR s(opt, 0); }),
            "CosineAnnealingLR: invalid T_max = 0; it must be >= 1");
  EXPECT_EQ(message([&] { optim::CosineAnnealingWarmRestarts s(opt, 5, 0); }),
            "CosineAnnealingWarmRestarts: invalid T_mult = 0; it must be >= 1");
  EXPECT_EQ(message([&] { optim::LinearLR s(opt, 0.0); }),
            "LinearLR: invalid start_factor = 0; it must be in (0, 1]");
  EXPECT_EQ(message([&] { optim::OneCycleLR s(opt, 0.1, 10, {.pct_start = 1.5}); }),
            "OneCycleLR: invalid pct_start = 1.5; it must be in [0, 1]");
  EXPECT_EQ(message([&] { optim::ReduceLROnPlateau s(opt, {.factor = 1.0}); }),
            "ReduceLROnPlateau: invalid factor = 1; it must be in [0, 1)");
}
