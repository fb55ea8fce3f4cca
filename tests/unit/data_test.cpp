// Dataset, DataLoader and train_validation_split: batch counts and contents, per-epoch shuffling
// from the seed, stratified proportions, and the errors of misuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <plexus/data/dataset.hpp>
#include <plexus/data/loader.hpp>
#include <plexus/data/split.hpp>
#include <plexus/plexus.hpp>
#include <set>
#include <vector>

namespace px = plexus;
using px::Tensor;
using px::data::Batch;
using px::data::DataLoader;
using px::data::Dataset;

namespace {

// N rows; row i has features (i, 10 i) and target i, so a batch shows which rows it holds.
Dataset numbered(int64_t n) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.insert(x.end(), {static_cast<float>(i), 10.f * static_cast<float>(i)});
    y.push_back(static_cast<float>(i));
  }
  return Dataset(Tensor::from(x, {n, 2}), Tensor::from(y, {n}));
}

// Each batch's target values (row numbers), one epoch.
std::vector<std::vector<float>> epoch_rows(DataLoader& loader) {
  std::vector<std::vector<float>> rows;
  for (const Batch& batch : loader) {
    const std::vector<float> x = batch.x.to_vector();
    const std::vector<float> y = batch.y.to_vector();
    for (size_t i = 0; i < y.size(); ++i) {
      EXPECT_EQ(x[2 * i], y[i]);  // features and targets stay paired
      EXPECT_EQ(x[2 * i + 1], 10.f * y[i]);
    }
    rows.push_back(y);
  }
  return rows;
}

std::vector<float> flatten(const std::vector<std::vector<float>>& batches) {
  std::vector<float> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

}  // namespace

TEST(Dataset, SizeAndTensorsAsGiven) {
  const Dataset data = numbered(5);
  EXPECT_EQ(data.size(), 5u);
  EXPECT_EQ(data.features().shape(), (px::Shape{5, 2}));
  EXPECT_EQ(data.targets().shape(), (px::Shape{5}));
  const std::vector<int64_t> rows{4, 1};
  EXPECT_EQ(data.subset(rows).targets().to_vector(), (std::vector<float>{4, 1}));
}

TEST(Dataset, MismatchedRowCountsNameBothShapes) {
  try {
    Dataset(Tensor::zeros({10, 3}), Tensor::zeros({9}));
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_STREQ(e.what(),
                 "Dataset: features [10, 3] and targets [9] disagree on the number of samples "
                 "(10 != 9)");
  }
}

TEST(Dataset, KeepsTensorsOutOfTheGraph) {
  const Dataset data(Tensor::ones({4, 2}).requires_grad(), Tensor::zeros({4}));
  EXPECT_FALSE(data.features().needs_grad());
}

TEST(DataLoader, BatchesInOrderWithAShortLastBatch) {
  DataLoader loader(numbered(10), {.batch_size = 4});
  EXPECT_EQ(loader.num_batches(), 3u);
  const auto rows = epoch_rows(loader);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(rows[1], (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(rows[2], (std::vector<float>{8, 9}));
}

TEST(DataLoader, DropLastSkipsTheShortBatch) {
  DataLoader loader(numbered(10), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(loader.num_batches(), 2u);
  EXPECT_EQ(flatten(epoch_rows(loader)), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(DataLoader, BatchSizeOneIsSgdAndBatchSizeNIsFullBatch) {
  DataLoader sgd(numbered(5), {.batch_size = 1});
  const auto single = epoch_rows(sgd);
  ASSERT_EQ(single.size(), 5u);
  for (const auto& b : single) EXPECT_EQ(b.size(), 1u);
  DataLoader full(numbered(5), {.batch_size = 5});
  const auto whole = epoch_rows(full);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].size(), 5u);
  DataLoader larger(numbered(5), {.batch_size = 100});
  EXPECT_EQ(larger.num_batches(), 1u);
}

TEST(DataLoader, ShuffleVisitsEveryRowOncePerEpochInANewOrder) {
  DataLoader loader(numbered(50), {.batch_size = 8, .shuffle = true, .seed = 3});
  const std::vector<float> first = flatten(epoch_rows(loader));
  const std::vector<float> second = flatten(epoch_rows(loader));
  std::vector<float> identity(50);
  std::iota(identity.begin(), identity.end(), 0.f);
  for (const auto* epoch : {&first, &second}) {
    std::vector<float> sorted = *epoch;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, identity);
  }
  EXPECT_NE(first, identity);
  EXPECT_NE(first, second);
  EXPECT_EQ(loader.epoch(), 2u);
}

TEST(DataLoader, TheSameSeedRepeatsEveryEpochAndAnotherSeedDoesNot) {
  DataLoader a(numbered(40), {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader b(numbered(40), {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader c(numbered(40), {.batch_size = 7, .shuffle = true, .seed = 12});
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto rows_a = epoch_rows(a);
    EXPECT_EQ(rows_a, epoch_rows(b));
    EXPECT_NE(rows_a, epoch_rows(c));
  }
  // An epoch's order depends only on (seed, epoch): resuming at epoch 2 gives epoch 2's order.
  DataLoader resumed(numbered(40), {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader replay(numbered(40), {.batch_size = 7, .shuffle = true, .seed = 11});
  epoch_rows(replay);
  epoch_rows(replay);
  resumed.set_epoch(2);
  EXPECT_EQ(epoch_rows(resumed), epoch_rows(replay));
}

TEST(DataLoader, ReusesBatchBlocksInTheSteadyState) {
#if PLEXUS_NO_CACHE
  GTEST_SKIP() << "the storage cache is off in sanitizer builds";
#endif
  DataLoader loader(numbered(256), {.batch_size = 32, .shuffle = true});
  std::set<const float*> blocks;
  for (int epoch = 0; epoch < 3; ++epoch)
    for (const Batch& batch : loader) blocks.insert(batch.x.data());
  EXPECT_LE(blocks.size(), 2u);  // 24 batches, recycled through the storage cache
}

TEST(DataLoader, BatchesHeldByTheCallerStayIntact) {
  DataLoader loader(numbered(6), {.batch_size = 2});
  std::vector<Tensor> kept;
  for (const Batch& batch : loader) kept.push_back(batch.y);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].to_vector(), (std::vector<float>{0, 1}));
  EXPECT_EQ(kept[2].to_vector(), (std::vector<float>{4, 5}));
}

TEST(DataLoader, RejectsZeroBatchSizeAndEmptyData) {
  EXPECT_THROW(DataLoader(numbered(4), {.batch_size = 0}), px::Error);
  EXPECT_THROW(DataLoader(Dataset(Tensor::zeros({0, 2}), Tensor::zeros({0}))), px::Error);
}

TEST(Split, DisjointPartsCoverTheDataInOriginalOrder) {
  const Dataset data = numbered(100);
  const auto [train, validation] = px::data::train_validation_split(data, 0.2, 5);
  EXPECT_EQ(train.size(), 80u);
  EXPECT_EQ(validation.size(), 20u);
  std::vector<float> all = train.targets().to_vector();
  const std::vector<float> v = validation.targets().to_vector();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::vector<float> identity(100);
  std::iota(identity.begin(), identity.end(), 0.f);
  EXPECT_EQ(all, identity);
  // Features travel with their targets.
  EXPECT_EQ(validation.features().at({3, 1}), 10.f * v[3]);
}

TEST(Split, RepeatsForTheSameSeed) {
  const Dataset data = numbered(30);
  const auto a = px::data::train_validation_split(data, 0.3, 9);
  const auto b = px::data::train_validation_split(data, 0.3, 9);
  const auto c = px::data::train_validation_split(data, 0.3, 10);
  EXPECT_EQ(a.validation.targets().to_vector(), b.validation.targets().to_vector());
  EXPECT_NE(a.validation.targets().to_vector(), c.validation.targets().to_vector());
}

TEST(Split, StratifiedKeepsClassProportions) {
  // 60 samples of class 0, 30 of class 1, 10 of class 2, interleaved.
  std::vector<float> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i % 10 == 9 ? 2.f : (i % 3 == 0 ? 1.f : 0.f));
  const auto count = [](const Tensor& t, float c) {
    const auto v = t.to_vector();
    return std::count(v.begin(), v.end(), c);
  };
  const Tensor y = Tensor::from(labels, {100});
  ASSERT_EQ(count(y, 0.f) + count(y, 1.f) + count(y, 2.f), 100);
  const Dataset data(Tensor::zeros({100, 1}), y);
  const auto split = px::data::train_validation_split(data, 0.2, 1, /*stratify=*/true);
  for (float c : {0.f, 1.f, 2.f}) {
    // round(0.2 * N_c) of each class goes to validation, the rest to training.
    const auto n_c = count(y, c);
    const auto expected = static_cast<long>(std::llround(0.2 * static_cast<double>(n_c)));
    EXPECT_EQ(count(split.validation.targets(), c), expected) << "class " << c;
    EXPECT_EQ(count(split.train.targets(), c), n_c - expected) << "class " << c;
  }
}

TEST(Split, RejectsBadFractionsAndNonClassTargetsWhenStratified) {
  const Dataset data = numbered(10);
  EXPECT_THROW(px::data::train_validation_split(data, 0.0, 0), px::Error);
  EXPECT_THROW(px::data::train_validation_split(data, 1.0, 0), px::Error);
  EXPECT_THROW(px::data::train_validation_split(numbered(2), 0.1, 0), px::Error);
  const Dataset real(Tensor::zeros({4, 1}), Tensor::from({0.5f, 1, 0, 1}, {4}));
  try {
    px::data::train_validation_split(real, 0.5, 0, true);
    FAIL() << "no error";
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("target 0 is 0.5"), std::string::npos) << e.what();
  }
}
