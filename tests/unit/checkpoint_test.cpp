// Checkpoints: a run of 10 epochs stopped after its fifth (or interrupted mid-epoch) and resumed
// from its checkpoint gives the same weights and history, bit for bit, as the run left alone —
// with dropout, Adam, a schedule and early stopping all carrying state across the break.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <plexus/plexus.hpp>
#include <plexus/train/checkpoint.hpp>

namespace px = plexus;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

px::data::Dataset blobs(uint64_t seed, int64_t n) {
  px::Tensor x = px::Tensor::randn({n, 2}, seed);
  px::Tensor y = px::Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(i % 3);
    y.data()[i] = static_cast<float>(cls);
    x.data()[2 * i] += 2.0f * static_cast<float>(cls);
  }
  return {x, y};
}

// One run's pieces, built the same way every time.
struct TrainingRun {
  px::nn::Sequential model;
  std::unique_ptr<px::optim::Adam> adam;
  std::unique_ptr<px::optim::StepLR> schedule;
  px::train::EarlyStoppingCallback early{
      {.monitor = "val_loss", .patience = 3, .restore_best_weights = true}};
  std::unique_ptr<px::train::LRScheduleCallback> step_schedule;

  TrainingRun() {
    px::manual_seed(3);
    model = px::nn::Sequential{px::nn::Linear(2, 16), px::nn::ReLU(), px::nn::Dropout(0.3),
                               px::nn::Linear(16, 3)};
    adam =
        std::make_unique<px::optim::Adam>(model.parameters(), px::optim::Adam::Options{.lr = 1e-2});
    schedule = std::make_unique<px::optim::StepLR>(*adam, 2, 0.5);
    step_schedule = std::make_unique<px::train::LRScheduleCallback>(*schedule);
  }

  px::train::FitOptions options(size_t epochs) {
    return {.epochs = epochs,
            .batch_size = 16,
            .validation = blobs(9, 60),
            .metrics = {"accuracy"},
            .callbacks = {early, *step_schedule},
            .verbose = 0,
            .seed = 5};
  }

  px::train::History fit(const px::train::FitOptions& options) {
    return px::train::fit(model, *adam, "cross_entropy", blobs(1, 150), options);
  }
};

void expect_same_run(TrainingRun& a, const px::train::History& ha, TrainingRun& b,
                     const px::train::History& hb) {
  const auto wa = a.model.state_dict();
  const auto wb = b.model.state_dict();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i)
    EXPECT_EQ(wa[i].second.to_vector(), wb[i].second.to_vector()) << wa[i].first;
  ASSERT_EQ(ha.epochs(), hb.epochs());
  for (size_t e = 0; e < ha.epochs(); ++e) {
    EXPECT_EQ(ha[e].loss, hb[e].loss) << "epoch " << e;
    EXPECT_EQ(ha[e].val_loss, hb[e].val_loss) << "epoch " << e;
    EXPECT_EQ(ha[e].metrics, hb[e].metrics) << "epoch " << e;
    EXPECT_EQ(ha[e].lr, hb[e].lr) << "epoch " << e;
  }
  EXPECT_EQ(a.early.best_epoch(), b.early.best_epoch());
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("checkpoint_" + name);
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST(Checkpoint, StoppedAfterFiveEpochsAndResumedIsTheRunLeftAlone) {
  TrainingRun alone;
  const px::train::History straight = alone.fit(alone.options(10));

  const fs::path dir = fresh_dir("five");
  {
    TrainingRun first;
    auto options = first.options(5);
    options.checkpoint_dir = dir;
    options.checkpoint_config = R"({"note": "run 1"})";
    first.fit(options);
  }
  const px::train::Checkpoint checkpoint = px::train::load_checkpoint(dir);
  EXPECT_EQ(checkpoint.epochs_done, 5u);
  EXPECT_EQ(checkpoint.history.epochs(), 5u);
  EXPECT_THAT(checkpoint.config, HasSubstr("run 1"));
  ASSERT_EQ(checkpoint.generators.size(), 1u);  // the dropout layer's
  EXPECT_EQ(checkpoint.generators[0].first, "2");

  TrainingRun resumed;
  auto options = resumed.options(10);
  options.resume = &checkpoint;
  const px::train::History continued = resumed.fit(options);
  expect_same_run(alone, straight, resumed, continued);
}

TEST(Checkpoint, InterruptedMidEpochResumesFromTheLastFinishedEpoch) {
  TrainingRun alone;
  const px::train::History straight = alone.fit(alone.options(8));

  // A callback raises the flag in the middle of the fourth epoch, as a SIGINT handler would.
  std::atomic<bool> interrupt{false};
  struct Raiser : px::train::Callback {
    std::atomic<bool>* flag;
    explicit Raiser(std::atomic<bool>* f) : flag(f) {}
    void on_batch_end(size_t step, const px::train::BatchLog& log) override {
      if (log.epoch == 3 && step == 4) flag->store(true);
    }
  };
  const fs::path dir = fresh_dir("interrupt");
  {
    TrainingRun first;
    auto options = first.options(8);
    options.interrupt = &interrupt;
    options.interrupt_checkpoint_dir = dir;
    Raiser raiser(&interrupt);
    options.callbacks.emplace_back(raiser);
    try {
      first.fit(options);
      FAIL() << "expected Interrupted";
    } catch (const px::train::Interrupted& e) {
      EXPECT_EQ(e.epoch, 3u);
      EXPECT_EQ(e.step, 5u);
      EXPECT_EQ(e.checkpoint, dir);
      EXPECT_THAT(e.what(), HasSubstr("3 finished epochs"));
    }
  }
  const px::train::Checkpoint checkpoint = px::train::load_checkpoint(dir);
  EXPECT_EQ(checkpoint.epochs_done, 3u);
  // The raiser has no state: the resumed run may leave it out.

  TrainingRun resumed;
  auto options = resumed.options(8);
  options.resume = &checkpoint;
  const px::train::History continued = resumed.fit(options);
  expect_same_run(alone, straight, resumed, continued);
}

TEST(Checkpoint, ForeignOrMismatchedCheckpointsAreClearErrors) {
  const fs::path dir = fresh_dir("errors");
  EXPECT_THROW(
      {
        try {
          px::train::load_checkpoint(dir);
        } catch (const px::Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("no checkpoint here"));
          throw;
        }
      },
      px::Error);
  fs::create_directories(dir);
  px::io::save_safetensors(px::train::checkpoint_file(dir), {}, {});
  try {
    px::train::load_checkpoint(dir);
    FAIL();
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a plexus checkpoint"));
  }

  TrainingRun first;
  auto options = first.options(2);
  options.checkpoint_dir = dir;
  first.fit(options);
  const px::train::Checkpoint checkpoint = px::train::load_checkpoint(dir);
  TrainingRun other;
  auto too_few = other.options(1);
  too_few.resume = &checkpoint;
  try {
    other.fit(too_few);
    FAIL();
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("more than the 1 asked for"));
  }
}
