// px::train::fit and its callbacks: the loop does what a hand-written loop does, records the
// history, runs callbacks in order, switches train/eval modes, repeats bit for bit from a seed,
// and stops with a clear error on NaN/Inf.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <plexus/io/safetensors.hpp>
#include <plexus/optim/adam.hpp>
#include <plexus/optim/clip.hpp>
#include <plexus/optim/schedule.hpp>
#include <plexus/optim/sgd.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/fit.hpp>
#include <plexus/train/progress.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace px = plexus;
namespace fs = std::filesystem;
namespace train = plexus::train;
using px::Tensor;
using px::data::Dataset;

namespace {

// y = 2 x0 - x1 + 0.5 + noise, N samples.
Dataset linear_data(int64_t n, uint64_t seed) {
  const Tensor x = Tensor::randn({n, 2}, seed);
  const Tensor noise = Tensor::randn({n, 1}, seed + 100, 0.f, 0.1f);
  const Tensor w = Tensor::from({2.f, -1.f}, {2, 1});
  return Dataset(x, px::matmul(x, w) + 0.5f + noise);
}

// 3 classes from the sign pattern of 2 features.
Dataset class_data(int64_t n, uint64_t seed) {
  const Tensor x = Tensor::randn({n, 2}, seed);
  std::vector<float> y;
  for (int64_t i = 0; i < n; ++i) {
    const float a = x.at({i, 0}), b = x.at({i, 1});
    y.push_back(a > 0 ? (b > 0 ? 0.f : 1.f) : 2.f);
  }
  return Dataset(x, Tensor::from(y, {n}));
}

std::vector<std::vector<float>> weights_of(const px::nn::Module& model) {
  std::vector<std::vector<float>> all;
  for (const Tensor& p : model.parameters()) all.push_back(p.to_vector());
  return all;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const px::Error& e) {
    return e.what();
  }
  return "no error";
}

// Records what fit() calls, with the model's mode and grad state at each forward.
class Probe : public px::nn::Module {
 public:
  explicit Probe(int64_t in, int64_t out)
      : linear_(std::make_shared<px::nn::Linear>(in, out, true, 1)) {
    register_module("0", linear_);
  }
  Tensor forward(const Tensor& x) override {
    calls.push_back({is_training(), px::grad_enabled(), x.shape(0)});
    return (*linear_)(x);
  }
  std::string name() const override { return "Probe"; }
  struct Call {
    bool training, grad;
    int64_t rows;
  };
  std::vector<Call> calls;

 private:
  std::shared_ptr<px::nn::Linear> linear_;
};

class Recorder : public train::Callback {
 public:
  void on_train_begin() override { events.push_back("train_begin"); }
  void on_epoch_begin(size_t epoch) override {
    events.push_back("epoch_begin " + std::to_string(epoch));
  }
  void on_batch_end(size_t step, const train::BatchLog& log) override {
    events.push_back("batch " + std::to_string(log.epoch) + "." + std::to_string(step));
    if (stop_at_step && *stop_at_step == step) stop_training();
  }
  void on_epoch_end(size_t epoch, const train::EpochLog&) override {
    events.push_back("epoch_end " + std::to_string(epoch));
  }
  void on_train_end(const train::History& history) override {
    events.push_back("train_end " + std::to_string(history.epochs()));
  }
  std::vector<std::string> events;
  std::optional<size_t> stop_at_step;
};

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_fit_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};
using CheckpointFiles = TempDir;
using HistoryLogFiles = TempDir;

}  // namespace

// ---- Loss --------------------------------------------------------------------------------------

TEST(Fit, LossTakesALambdaOrAName) {
  const Tensor p = Tensor::from({1, 2, 3}, {3, 1});
  const Tensor t = Tensor::from({1, 1, 1}, {3});
  const train::Loss by_name = "mse";
  const train::Loss by_lambda = [](auto& pred, auto& target) {
    return px::loss::mae(pred, target.reshape(pred.shape()));
  };
  // mse: (0 + 1 + 4) / 3; the target [3] is reshaped to the prediction's [3, 1].
  EXPECT_FLOAT_EQ(by_name(p, t).item(), 5.f / 3.f);
  EXPECT_FLOAT_EQ(by_lambda(p, t).item(), 1.f);
  EXPECT_EQ(by_name.name(), "mse");
  EXPECT_NE(error_of([] { train::Loss("l2"); }).find("unknown loss \"l2\""), std::string::npos);
}

// ---- the loop ----------------------------------------------------------------------------------

TEST(Fit, FullBatchEqualsAHandWrittenLoop) {
  const Dataset data = linear_data(16, 1);
  px::nn::Linear a(2, 1, true, 3), b(2, 1, true, 3);
  px::optim::SGD opt_a(a.parameters(), {.lr = 0.1});
  px::optim::SGD opt_b(b.parameters(), {.lr = 0.1});
  const auto history = train::fit(a, opt_a, "mse", data,
                                  {.epochs = 5, .batch_size = 16, .verbose = 0, .shuffle = false});
  std::vector<double> losses;
  for (int epoch = 0; epoch < 5; ++epoch) {
    opt_b.zero_grad();
    const Tensor loss = px::loss::mse(b(data.features()), data.targets());
    losses.push_back(loss.item());
    loss.backward();
    opt_b.step();
  }
  EXPECT_EQ(weights_of(a), weights_of(b));
  EXPECT_EQ(history.series("loss"), losses);
}

TEST(Fit, ClipsTheGradientNormBeforeEachStep) {
  const Dataset data = linear_data(16, 1);
  px::nn::Linear a(2, 1, true, 3), b(2, 1, true, 3);
  px::optim::SGD opt_a(a.parameters(), {.lr = 0.5});
  px::optim::SGD opt_b(b.parameters(), {.lr = 0.5});
  train::fit(
      a, opt_a, "mse", data,
      {.epochs = 3, .batch_size = 16, .verbose = 0, .shuffle = false, .clip_grad_norm = 0.1});
  for (int epoch = 0; epoch < 3; ++epoch) {
    opt_b.zero_grad();
    px::loss::mse(b(data.features()), data.targets()).backward();
    EXPECT_GT(px::clip_grad_norm(b.parameters(), 0.1), 0.1);  // the clipping is active
    opt_b.step();
  }
  EXPECT_EQ(weights_of(a), weights_of(b));
}

TEST(Fit, StepsPerEpochFollowTheBatchSize) {
  const Dataset data = linear_data(10, 1);
  for (const auto& [batch_size, steps] :
       std::vector<std::pair<size_t, size_t>>{{1, 10}, {3, 4}, {10, 1}, {64, 1}}) {
    px::nn::Linear model(2, 1);
    px::optim::SGD opt(model.parameters(), {.lr = 0.01});
    const auto history =
        train::fit(model, opt, "mse", data, {.epochs = 2, .batch_size = batch_size, .verbose = 0});
    EXPECT_EQ(history[1].steps, steps) << "batch size " << batch_size;
  }
}

TEST(Fit, HistoryRecordsLossesMetricsLrAndTime) {
  const Dataset data = linear_data(64, 1);
  const Dataset val = linear_data(32, 2);
  px::nn::Linear model(2, 1, true, 0);
  px::optim::SGD opt(model.parameters(), {.lr = 0.05});
  const auto history = train::fit(
      model, opt, "mse", data,
      {.epochs = 20, .batch_size = 8, .validation = val, .metrics = {"mae", "r2"}, .verbose = 0});
  ASSERT_EQ(history.epochs(), 20u);
  EXPECT_LT(history.last().loss, 0.1 * history[0].loss);
  ASSERT_TRUE(history[3].val_loss.has_value());
  EXPECT_LT(*history.last().val_loss, 0.05);
  EXPECT_GT(history.last().get("val_r2"), 0.99);
  EXPECT_EQ(history[0].lr, 0.05);
  EXPECT_GT(history[0].seconds, 0.0);
  std::vector<std::string> names;
  for (const auto& [name, value] : history[0].values()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"loss", "mae", "r2", "val_loss", "val_mae", "val_r2",
                                             "lr", "seconds"}));
  EXPECT_EQ(history.series("val_loss").size(), 20u);
  const std::vector<double> val_losses = history.series("val_loss");
  EXPECT_EQ(history.best_epoch("val_loss"),
            static_cast<size_t>(std::min_element(val_losses.begin(), val_losses.end()) -
                                val_losses.begin()));
  EXPECT_NE(error_of([&] { history[0].get("accuracy"); }).find("\"accuracy\" is not logged"),
            std::string::npos);
  // The validation values are the model's on the validation set after each epoch.
  const auto check = train::evaluate(model, "mse", val, {.batch_size = 8, .metrics = {"mae"}});
  EXPECT_DOUBLE_EQ(check.loss, *history.last().val_loss);
  EXPECT_DOUBLE_EQ(check.metric("mae"), history.last().get("val_mae"));
}

TEST(Fit, TrainsInTrainModeAndValidatesInEvalModeWithoutGrad) {
  Probe model(2, 3);
  model.eval();  // fit puts it in train mode and then back to eval
  px::optim::SGD opt(model.parameters());
  train::fit(model, opt, "cross_entropy", class_data(10, 1),
             {.epochs = 1, .batch_size = 4, .validation = class_data(5, 2), .verbose = 0});
  ASSERT_EQ(model.calls.size(), 3u + 2u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(model.calls[i].training);
    EXPECT_TRUE(model.calls[i].grad);
  }
  EXPECT_EQ(model.calls[2].rows, 2);  // 10 = 4 + 4 + 2
  for (size_t i = 3; i < 5; ++i) {
    EXPECT_FALSE(model.calls[i].training);
    EXPECT_FALSE(model.calls[i].grad);
  }
  EXPECT_FALSE(model.is_training());
}

TEST(Fit, ClassificationMetricsByNameAndObject) {
  px::nn::Sequential model{px::nn::Linear(2, 16, true, 1), px::nn::ReLU(),
                           px::nn::Linear(16, 3, true, 2)};
  px::optim::Adam opt(model.parameters(), {.lr = 0.05});
  const auto history =
      train::fit(model, opt, [](auto& p, auto& t) { return px::loss::cross_entropy(p, t); },
                 class_data(200, 1),
                 {.epochs = 30,
                  .batch_size = 20,
                  .validation = class_data(100, 2),
                  .metrics = {"accuracy", px::metrics::top_k(2), "f1"},
                  .verbose = 0});
  EXPECT_GT(history.last().get("val_accuracy"), 0.9);
  EXPECT_GE(history.last().get("val_top2"), history.last().get("val_accuracy"));
  EXPECT_GT(history.last().get("f1"), 0.85);
}

TEST(Fit, CallbacksRunInOrderAndCanStopTraining) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters());
  Recorder recorder;
  train::fit(model, opt, "mse", linear_data(4, 1),
             {.epochs = 2, .batch_size = 2, .callbacks = {recorder}, .verbose = 0});
  EXPECT_EQ(recorder.events,
            (std::vector<std::string>{"train_begin", "epoch_begin 0", "batch 0.0", "batch 0.1",
                                      "epoch_end 0", "epoch_begin 1", "batch 1.0", "batch 1.1",
                                      "epoch_end 1", "train_end 2"}));

  Recorder stopper;
  stopper.stop_at_step = 0;
  const auto history =
      train::fit(model, opt, "mse", linear_data(4, 1),
                 {.epochs = 5, .batch_size = 2, .callbacks = {stopper}, .verbose = 0});
  EXPECT_EQ(history.epochs(), 1u);
  EXPECT_EQ(history[0].steps, 1u);
  EXPECT_EQ(stopper.events.back(), "train_end 1");
}

TEST(Fit, SameSeedGivesBitIdenticalWeightsAndHistory) {
  // Dropout, shuffling and Adam: everything random comes from the seeds.
  const auto run = [](uint64_t seed) {
    px::nn::Sequential model{px::nn::Linear(2, 32, true, 5), px::nn::ReLU(),
                             px::nn::Dropout(0.3, 6), px::nn::Linear(32, 3, true, 7)};
    px::optim::Adam opt(model.parameters(), {.lr = 0.01});
    const auto history = train::fit(model, opt, "cross_entropy", class_data(100, 1),
                                    {.epochs = 4,
                                     .batch_size = 16,
                                     .validation = class_data(40, 2),
                                     .metrics = {"accuracy"},
                                     .verbose = 0,
                                     .seed = seed});
    std::vector<double> numbers;
    for (const auto& log : history)
      for (const auto& [name, value] : log.values())
        if (name != "seconds") numbers.push_back(value);
    return std::make_pair(weights_of(model), numbers);
  };
  const auto a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);  // exact equality of doubles: bit-identical
  EXPECT_NE(a.first, c.first);
}

// ---- NaN / Inf ---------------------------------------------------------------------------------

TEST(Fit, AbsurdLearningRateStopsWithEpochStepAndLayer) {
  px::nn::Sequential model{px::nn::Linear(2, 16, true, 1), px::nn::Tanh(),
                           px::nn::Linear(16, 1, true, 2)};
  px::optim::SGD opt(model.parameters(), {.lr = 1e10});
  const std::string message = error_of([&] {
    train::fit(model, opt, "mse", linear_data(64, 1), {.epochs = 5, .batch_size = 8, .verbose = 0});
  });
  // e.g. "epoch 1, step 3: loss is Inf; gradient of 0.weight (Linear(2 -> 16)) has NaN. hint: ..."
  EXPECT_NE(message.find("epoch 1, step "), std::string::npos) << message;
  EXPECT_NE(message.find("gradient of "), std::string::npos) << message;
  EXPECT_NE(message.find("(Linear("), std::string::npos) << message;
  EXPECT_NE(message.find("hint: lower the learning rate or clip gradients (clip_grad_norm)"),
            std::string::npos)
      << message;
}

TEST(Fit, NonFiniteGradientNamesTheParameterThatHasIt) {
  // Layer 0 scales its inputs by 1e28: the output (~1e28) squares to Inf, and dL/dout ~ 1e28 is
  // finite, so 0.weight's gradient (dout W2 x ~ 1e28) stays finite while 2.weight's (dout h ~
  // 1e56) overflows. The message names 2.weight, the first parameter with a non-finite gradient.
  px::nn::Sequential model{px::nn::Linear(2, 4, true, 1), px::nn::ReLU(),
                           px::nn::Linear(4, 1, true, 2)};
  Tensor w0 = model.at<px::nn::Linear>(0).weight;
  for (size_t i = 0; i < w0.numel(); ++i) w0.data()[i] = 1e28f;
  px::optim::SGD opt(model.parameters(), {.lr = 0.01});
  const std::string message = error_of([&] {
    train::fit(model, opt, "mse", linear_data(8, 1), {.epochs = 1, .batch_size = 8, .verbose = 0});
  });
  EXPECT_EQ(message,
            "epoch 1, step 1: loss is Inf; gradient of 2.weight (Linear(4 -> 1)) has Inf. hint: "
            "lower the learning rate or clip gradients (clip_grad_norm)");
}

TEST(Fit, NaNInTheDataIsReportedAsSuch) {
  Tensor x = Tensor::randn({8, 2}, 1);
  x.data()[5] = NAN;
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters());
  const std::string message = error_of([&] {
    train::fit(model, opt, "mse", Dataset(x, Tensor::zeros({8})),
               {.epochs = 1, .batch_size = 4, .verbose = 0, .shuffle = false});
  });
  EXPECT_EQ(message,
            "epoch 1, step 1: loss is NaN; gradient of weight (Linear(2 -> 1)) has NaN. hint: "
            "lower the learning rate or clip gradients (clip_grad_norm)");
}

TEST(Fit, NonScalarLossIsRejected) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters());
  const train::Loss per_sample(
      [](const Tensor& p, const Tensor& t) {
        return px::loss::mse(p, t.reshape(p.shape()), px::loss::Reduction::none);
      },
      "mse_none");
  EXPECT_EQ(error_of([&] {
              train::fit(model, opt, per_sample, linear_data(4, 1),
                         {.batch_size = 4, .verbose = 0});
            }),
            "fit: the loss (mse_none) must be a scalar, got [4, 1]; hint: use Reduction::mean");
}

// ---- EarlyStopping -----------------------------------------------------------------------------

TEST(EarlyStopping, KeepsTheBestAndStopsAfterPatienceEpochsWithoutImprovement) {
  train::EarlyStoppingCallback early({.monitor = "val_loss", .patience = 3, .min_delta = 0.05});
  early.on_train_begin();
  // improvement means below best - 0.05:
  // 1.0 best | 0.9 best | 0.88 wait 1 | 0.86 wait 2 | 0.84 best | 0.9 w1 | 0.85 w2 | 0.80 w3 stop
  const std::vector<double> losses{1.0, 0.9, 0.88, 0.86, 0.84, 0.9, 0.85, 0.80, 0.1};
  size_t epoch = 0;
  for (; epoch < losses.size() && !early.stop_requested(); ++epoch) {
    train::EpochLog log;
    log.epoch = epoch;
    log.val_loss = losses[epoch];
    early.on_epoch_end(epoch, log);
  }
  EXPECT_EQ(epoch, 8u);
  EXPECT_EQ(early.stopped_epoch(), 7u);
  EXPECT_EQ(early.best_epoch(), 4u);
  EXPECT_DOUBLE_EQ(early.best(), 0.84);
}

TEST(EarlyStopping, MaximisesAccuracyInAutomaticMode) {
  train::EarlyStoppingCallback early({.monitor = "val_accuracy", .patience = 2});
  early.on_train_begin();
  const std::vector<double> accuracy{0.5, 0.7, 0.6, 0.7, 0.65};
  size_t epoch = 0;
  for (; epoch < accuracy.size() && !early.stop_requested(); ++epoch) {
    train::EpochLog log;
    log.metrics = {{"val_accuracy", accuracy[epoch]}};
    early.on_epoch_end(epoch, log);
  }
  EXPECT_EQ(early.best_epoch(), 1u);  // 0.7 again at epoch 3 is not an improvement
  EXPECT_EQ(early.stopped_epoch(), 3u);
}

TEST(EarlyStopping, AMonitorThatIsNotLoggedIsAnError) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters());
  model.eval();
  const std::string message = error_of([&] {
    train::fit(model, opt, "mse", linear_data(8, 1),
               {.epochs = 3, .callbacks = {train::EarlyStopping()}, .verbose = 0});
  });
  EXPECT_EQ(message,
            "\"val_loss\" is not logged; the logged values are: loss, lr, seconds. hint: pass "
            ".validation to fit");
  EXPECT_FALSE(model.is_training());  // the mode is restored when fit() throws
}

TEST(EarlyStopping, RestoresTheBestWeightsAlsoWithoutStoppingEarly) {
  // A learning rate that overshoots late: val_loss is not monotone, so the best epoch is not the
  // last. With patience larger than the run, training reaches its last epoch.
  const Dataset data = linear_data(32, 1), val = linear_data(200, 9);
  px::nn::Linear model(2, 1, true, 0);
  px::optim::SGD opt(model.parameters(), {.lr = 0.3, .momentum = 0.9});
  train::EarlyStoppingCallback early({.patience = 1000, .restore_best_weights = true});
  const auto history = train::fit(model, opt, "mse", data,
                                  {.epochs = 30,
                                   .batch_size = 32,
                                   .validation = val,
                                   .callbacks = {early},
                                   .verbose = 0,
                                   .shuffle = false});
  ASSERT_EQ(history.epochs(), 30u);
  EXPECT_FALSE(early.stopped_epoch().has_value());
  const size_t best = history.best_epoch("val_loss");
  EXPECT_EQ(early.best_epoch(), best);
  ASSERT_LT(best, 29u) << "the test needs a run whose last epoch is not its best";
  const double restored = train::evaluate(model, "mse", val, {.batch_size = 32}).loss;
  EXPECT_DOUBLE_EQ(restored, *history[best].val_loss);
}

// The spelling: the settings structs go straight into fit's callbacks.
TEST_F(CheckpointFiles, SettingsStructsWorkDirectlyAsCallbacks) {
  const Dataset data = linear_data(16, 1);
  px::nn::Linear model(2, 1, true, 0);
  px::optim::SGD frozen(model.parameters(), {.lr = 0.0});  // the loss never improves
  const auto history = train::fit(
      model, frozen, "mse", data,
      {.epochs = 10,
       .callbacks = {train::EarlyStopping{.monitor = "loss", .patience = 2},
                     train::ModelCheckpoint{.path = dir_ / "best.plxs", .monitor = "loss"}},
       .verbose = 0});
  EXPECT_EQ(history.epochs(), 3u);  // the first epoch is the best; two more without improvement
  EXPECT_TRUE(fs::exists(dir_ / "best.plxs"));
}

// ---- ModelCheckpoint, LRSchedule, HistoryLogger, ProgressBar -----------------------------------

TEST_F(CheckpointFiles, ModelCheckpointSavesImprovingEpochsAtomically) {
  const Dataset data = linear_data(32, 1), val = linear_data(64, 9);
  px::nn::Linear model(2, 1, true, 0);
  px::optim::SGD opt(model.parameters(), {.lr = 0.3, .momentum = 0.9});
  train::ModelCheckpointCallback every({.path = dir_ / "epoch{epoch}.plxs"});
  train::ModelCheckpointCallback best({.path = dir_ / "best.plxs"});
  const auto history = train::fit(model, opt, "mse", data,
                                  {.epochs = 30,
                                   .batch_size = 32,
                                   .validation = val,
                                   .callbacks = {every, best},
                                   .verbose = 0,
                                   .shuffle = false});
  double best_so_far = INFINITY;
  for (size_t epoch = 0; epoch < 30; ++epoch) {
    const bool improved = *history[epoch].val_loss < best_so_far;
    best_so_far = std::min(best_so_far, *history[epoch].val_loss);
    EXPECT_EQ(fs::exists(dir_ / ("epoch" + std::to_string(epoch + 1) + ".plxs")), improved)
        << "epoch " << epoch;
  }
  EXPECT_EQ(best.saved_epoch(), history.best_epoch("val_loss"));
  EXPECT_FALSE(fs::exists(dir_ / "best.plxs.tmp"));
  px::nn::Linear loaded(2, 1);
  px::io::load_state_dict(loaded, dir_ / "best.plxs");
  EXPECT_DOUBLE_EQ(train::evaluate(loaded, "mse", val, {.batch_size = 32}).loss, best_so_far);
}

TEST(LRSchedule, StepsTheScheduleEachEpoch) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters(), {.lr = 0.1});
  px::optim::StepLR schedule(opt, 2, 0.5);
  const auto history = train::fit(model, opt, "mse", linear_data(8, 1),
                                  {.epochs = 5,
                                   .batch_size = 8,
                                   .callbacks = {train::LRScheduleCallback(schedule)},
                                   .verbose = 0});
  EXPECT_EQ(history.series("lr"), (std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025}));
}

TEST(LRSchedule, ReduceOnPlateauWatchesTheMonitoredValue) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters(), {.lr = 0.1});
  px::optim::ReduceLROnPlateau plateau(
      opt, {.mode = px::optim::PlateauMode::max, .factor = 0.5, .patience = 0});
  // Monitoring the training loss in "max" mode: every falling loss is a bad epoch, so the lr
  // halves after each epoch but the first.
  const auto history =
      train::fit(model, opt, "mse", linear_data(8, 1),
                 {.epochs = 4,
                  .batch_size = 8,
                  .callbacks = {train::LRSchedule{.scheduler = &plateau, .monitor = "loss"}},
                  .verbose = 0});
  EXPECT_EQ(history.series("lr"), (std::vector<double>{0.1, 0.1, 0.05, 0.025}));
}

TEST_F(HistoryLogFiles, HistoryLoggerWritesCsvAndJsonLines) {
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters(), {.lr = 0.05});
  const auto history =
      train::fit(model, opt, "mse", linear_data(16, 1),
                 {.epochs = 3,
                  .batch_size = 4,
                  .validation = linear_data(8, 2),
                  .metrics = {"mae"},
                  .callbacks = {train::HistoryLogger({.path = dir_ / "log.csv"}),
                                train::HistoryLogger({.path = dir_ / "log.jsonl"})},
                  .verbose = 0});
  std::ifstream csv(dir_ / "log.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "epoch,loss,mae,val_loss,val_mae,lr,seconds");
  for (size_t epoch = 0; epoch < 3; ++epoch) {
    ASSERT_TRUE(std::getline(csv, line));
    std::istringstream row(line);
    std::string cell;
    std::getline(row, cell, ',');
    EXPECT_EQ(cell, std::to_string(epoch));
    std::getline(row, cell, ',');
    EXPECT_EQ(std::stod(cell), history[epoch].loss);  // shortest round-trip text: exact
  }
  EXPECT_FALSE(std::getline(csv, line));

  std::ifstream jsonl(dir_ / "log.jsonl");
  size_t epoch = 0;
  while (std::getline(jsonl, line)) {
    const auto object = nlohmann::json::parse(line);
    EXPECT_EQ(object["epoch"], epoch);
    EXPECT_EQ(object["val_loss"].get<double>(), *history[epoch].val_loss);
    EXPECT_EQ(object["val_mae"].get<double>(), history[epoch].get("val_mae"));
    ++epoch;
  }
  EXPECT_EQ(epoch, 3u);
}

TEST(ProgressBar, PrintsOneLinePerEpochWhenNotATerminal) {
  std::ostringstream out;
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters(), {.lr = 0.05});
  train::fit(model, opt, "mse", linear_data(16, 1),
             {.epochs = 2,
              .batch_size = 4,
              .validation = linear_data(8, 2),
              .callbacks = {train::ProgressBar({.out = &out, .redraw = false})},
              .verbose = 0});
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.rfind("Epoch 1/2 4/4 - ", 0), 0u) << text;
  EXPECT_NE(text.find(" - loss "), std::string::npos);
  EXPECT_NE(text.find(" - val_loss "), std::string::npos);
  EXPECT_NE(text.find(" - lr 0.05\n"), std::string::npos) << text;
}

TEST(ProgressBar, RedrawsInPlaceOnATerminal) {
  std::ostringstream out;
  px::nn::Linear model(2, 1);
  px::optim::SGD opt(model.parameters(), {.lr = 0.05});
  train::fit(model, opt, "mse", linear_data(16, 1),
             {.epochs = 1,
              .batch_size = 4,
              .callbacks = {train::ProgressBar({.out = &out, .redraw = true, .width = 10})},
              .verbose = 0});
  const std::string text = out.str();
  // The first step is drawn at once; the epoch's summary overwrites the bar with '\r'.
  EXPECT_NE(text.find("\rEpoch 1/1 [==>.......] 1/4 - ETA "), std::string::npos) << text;
  EXPECT_NE(text.find("\rEpoch 1/1 [==========] 4/4 - "), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}
