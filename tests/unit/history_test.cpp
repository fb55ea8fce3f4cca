// The history as JSON text (train::epoch_to_json, history_to_json): every logged value but the
// wall time, in the order of EpochLog::values(), numbers that read back exactly, null for NaN/Inf.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <plexus/train/history.hpp>

namespace train = plexus::train;

namespace {

train::EpochLog epoch(size_t number, double loss, double val_loss) {
  train::EpochLog log;
  log.epoch = number;
  log.steps = 4;
  log.loss = loss;
  log.val_loss = val_loss;
  log.metrics = {{"accuracy", 0.75}, {"val_accuracy", 0.5}};
  log.lr = 0.001;
  log.seconds = 1.25;
  return log;
}

}  // namespace

TEST(HistoryJson, AnEpochIsItsLoggedValuesWithoutTheWallTime) {
  EXPECT_EQ(train::epoch_to_json(epoch(0, 0.1, 0.25)),
            "{\"loss\": 0.1, \"accuracy\": 0.75, \"val_loss\": 0.25, \"val_accuracy\": 0.5, "
            "\"lr\": 0.001}");
  train::EpochLog no_validation;
  no_validation.loss = 2;
  no_validation.lr = 1e-05;
  EXPECT_EQ(train::epoch_to_json(no_validation), "{\"loss\": 2, \"lr\": 1e-05}");
}

TEST(HistoryJson, NumbersReadBackExactlyAndNonFiniteOnesAreNull) {
  train::History history;
  history.append(epoch(0, 1.0 / 3.0, NAN));
  history.append(epoch(1, 0.1 + 0.2, INFINITY));
  const auto array = nlohmann::json::parse(train::history_to_json(history));
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(array[0]["loss"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(array[1]["loss"].get<double>(), 0.1 + 0.2);
  EXPECT_TRUE(array[0]["val_loss"].is_null());
  EXPECT_TRUE(array[1]["val_loss"].is_null());
  EXPECT_FALSE(array[1].contains("seconds"));
  EXPECT_EQ(train::history_to_json(train::History()), "[]");
}
