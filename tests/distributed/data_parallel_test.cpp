// Data-parallel training, run under mpirun with 2 and 3 processes (tests/CMakeLists.txt): the
// distributed fit equals the single-process fit on the same global batches, repeats bit for bit,
// and leaves every process with the same bits. Each process also trains the single-process
// reference itself, so the comparison needs no files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <plexus/distributed/distributed.hpp>
#include <plexus/optim/adam.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/fit.hpp>
#include <string>
#include <vector>

namespace px = plexus;
namespace distributed = plexus::distributed;
namespace train = plexus::train;
using px::Tensor;
using px::data::Dataset;

namespace {

// 3 classes from the sign pattern of 2 of 6 features; 200 rows: batches of 64 give 64, 64, 64, 8
// (22 + 21 + 21 on 3 processes).
Dataset class_data(int64_t n, uint64_t seed) {
  const Tensor x = Tensor::randn({n, 6}, seed);
  std::vector<float> y;
  for (int64_t i = 0; i < n; ++i) {
    const float a = x.at({i, 0}), b = x.at({i, 1});
    y.push_back(a > 0 ? (b > 0 ? 0.f : 1.f) : 2.f);
  }
  return Dataset(x, Tensor::from(y, {n}));
}

// Every layer whose result depends on the split of a batch: batch norm and dropout. The Linear
// before batch norm has no bias: batch norm cancels it, so its gradient is rounding noise, which
// Adam scales up to steps of lr whatever the process count.
px::nn::Sequential network() {
  return px::nn::Sequential{px::nn::Linear(6, 32, false, 1), px::nn::BatchNorm1d(32),
                            px::nn::ReLU(), px::nn::Dropout(0.2f, 7),
                            px::nn::Linear(32, 3, true, 2)};
}

struct Trained {
  std::vector<float> state;     // parameters, then running statistics, flattened
  size_t parameter_values = 0;  // how many of state's values are parameters
  px::train::History history;
};

Trained train_once(bool distributed_fit, size_t epochs = 25, bool sync_batch_norm = true) {
  px::nn::Sequential model = network();
  px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  train::FitOptions options{
      .epochs = epochs, .batch_size = 64, .metrics = {"accuracy"}, .verbose = 0, .seed = 3};
  options.validation = class_data(50, 11);
  options.distributed = distributed_fit;
  options.sync_batch_norm = sync_batch_norm;
  Trained run;
  run.history = train::fit(model, optimizer, "cross_entropy", class_data(200, 5), options);
  for (const Tensor& p : model.parameters()) {
    const auto v = p.to_vector();
    run.state.insert(run.state.end(), v.begin(), v.end());
  }
  run.parameter_values = run.state.size();
  for (const auto& [name, t] : model.state_dict()) {
    const auto v = t.to_vector();
    run.state.insert(run.state.end(), v.begin(), v.end());
  }
  return run;
}

bool bitwise_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Rank 0's values, on every process.
std::vector<float> from_rank0(const std::vector<float>& mine) {
  const Tensor all =
      distributed::all_gather_rows(Tensor::from(mine, {1, static_cast<int64_t>(mine.size())}));
  const auto v = all.to_vector();
  return {v.begin(), v.begin() + static_cast<ptrdiff_t>(mine.size())};
}

TEST(DataParallel, RunsOnSeveralProcesses) { EXPECT_GE(distributed::world_size(), 2); }

TEST(DataParallel, ShardsOfABatchCoverItInOrder) {
  EXPECT_EQ(distributed::shard_of(64, 0, 3).rows, 22);
  EXPECT_EQ(distributed::shard_of(64, 1, 3).offset, 22);
  EXPECT_EQ(distributed::shard_of(64, 2, 3).offset, 43);
  EXPECT_EQ(distributed::shard_of(64, 2, 3).rows, 21);
}

TEST(DataParallel, SumIsTheRankOrderSumWithTheSameBitsEverywhere) {
  const int world = distributed::world_size();
  const auto inputs_of = [](int rank) { return Tensor::randn({1001}, 40 + rank).to_vector(); };
  std::vector<float> values = inputs_of(distributed::rank());
  distributed::all_reduce_sum(values);
  std::vector<float> expected = inputs_of(0);
  for (int r = 1; r < world; ++r) {
    const auto other = inputs_of(r);
    for (size_t i = 0; i < expected.size(); ++i) expected[i] += other[i];
  }
  EXPECT_TRUE(bitwise_equal(values, expected));
  EXPECT_TRUE(bitwise_equal(values, from_rank0(values)));
}

TEST(DataParallel, FitEqualsTheSingleProcessFitWithBatchNormAndDropout) {
  const Trained single = train_once(false);
  const Trained spread = train_once(true);
  ASSERT_EQ(single.state.size(), spread.state.size());
  // 100 Adam steps (4 batches x 25 epochs): the sums differ only in their rounding.
  double worst = 0;
  for (size_t i = 0; i < single.state.size(); ++i) {
    const double scale = std::max(1.0, std::abs(static_cast<double>(single.state[i])));
    worst =
        std::max(worst, std::abs(static_cast<double>(single.state[i] - spread.state[i])) / scale);
  }
  EXPECT_LE(worst, 1e-5);
  ASSERT_EQ(single.history.epochs(), spread.history.epochs());
  for (size_t e = 0; e < single.history.epochs(); ++e) {
    EXPECT_NEAR(single.history[e].loss, spread.history[e].loss, 1e-5);
    EXPECT_NEAR(*single.history[e].val_loss, *spread.history[e].val_loss, 1e-5);
  }
  EXPECT_EQ(single.history.last().metrics, spread.history.last().metrics);
}

TEST(DataParallel, FitRepeatsBitForBitAndEveryRankHoldsTheSameBits) {
  const Trained first = train_once(true, 5);
  const Trained second = train_once(true, 5);
  EXPECT_TRUE(bitwise_equal(first.state, second.state));
  EXPECT_TRUE(bitwise_equal(first.state, from_rank0(first.state)));
  std::vector<float> losses;
  for (size_t e = 0; e < first.history.epochs(); ++e)
    losses.push_back(static_cast<float>(first.history[e].loss));
  EXPECT_TRUE(bitwise_equal(losses, from_rank0(losses)));
}

TEST(DataParallel, PerProcessBatchStatisticsGiveUpTheEquality) {
  const Trained single = train_once(false, 5);
  const Trained local = train_once(true, 5, false);
  double worst = 0;
  for (size_t i = 0; i < single.state.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(single.state[i] - local.state[i])));
  EXPECT_GT(worst, 1e-4);
  // Still one set of parameters, since the gradients are summed whatever the statistics; the
  // running statistics are each process's own.
  const std::vector<float> parameters(
      local.state.begin(), local.state.begin() + static_cast<ptrdiff_t>(local.parameter_values));
  EXPECT_TRUE(bitwise_equal(parameters, from_rank0(parameters)));
}

TEST(DataParallel, AFailureOnOneRankIsAFailureOnAllNamingIt) {
  const int last = distributed::world_size() - 1;
  const std::optional<std::string> error =
      distributed::rank() == last ? std::optional<std::string>("cannot read part 2") : std::nullopt;
  try {
    distributed::agree_on_errors(error, "loading the data");
    ADD_FAILURE() << "no error";
  } catch (const px::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "loading the data failed on rank " + std::to_string(last) + ": cannot read part 2");
  }
  EXPECT_NO_THROW(distributed::agree_on_errors(std::nullopt, "loading the data"));
}

TEST(DataParallel, BatchesTooSmallToShareAreRefusedEverywhere) {
  px::nn::Sequential model = network();
  px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  // 65 rows in batches of 64: the last batch has 1 row.
  try {
    train::fit(model, optimizer, "cross_entropy", class_data(65, 5),
               {.batch_size = 64, .verbose = 0, .distributed = true});
    ADD_FAILURE() << "no error";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot give each of"), std::string::npos) << e.what();
  }
}

}  // namespace

// The other ranks print only their failures, each line naming the rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::cerr << "rank " << distributed::rank() << ": "
              << (result.file_name() ? result.file_name() : "") << ":" << result.line_number()
              << ": " << result.summary() << std::endl;
  }
};

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  distributed::init();
  if (distributed::rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter);
  }
  const int result = RUN_ALL_TESTS();
  distributed::finalize();
  return result;
}
