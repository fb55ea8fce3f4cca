// Streaming a .npy of features with a .npy of labels (NpyStream through StreamingTable): it fits
// what prepare_arrays fits (task, classes, the 1/255 scale of byte values), learns as well as the
// in-memory arrays, reads integer, bool and image-shaped [N, H, W] features as read whole, shares
// its lanes among simulated processes bit for bit with each reading about its share, and refuses
// bad files naming them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <plexus/data/npy.hpp>
#include <plexus/data/source.hpp>
#include <plexus/data/streaming.hpp>
#include <plexus/ops/reduce.hpp>
#include <plexus/train/recipe.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace fs = std::filesystem;
using px::data::NpyStream;
using px::data::Part;
using px::data::StreamingTable;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

// A .npy (version 1.0) of `descr` and `shape` holding `data` (of any length, to make it lie).
fs::path write_raw_npy(const std::string& name, const std::string& descr, const std::string& shape,
                       const std::string& data) {
  std::string head = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  head.append((64 - (10 + head.size() + 1) % 64) % 64, ' ');
  head += '\n';
  const fs::path path = fs::path(::testing::TempDir()) / name;
  std::ofstream out(path, std::ios::binary);
  out << "\x93NUMPY" << '\x01' << '\x00' << char(head.size() & 0xff) << char(head.size() >> 8)
      << head << data;
  return path;
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

struct Files {
  fs::path x, y;
};

// Rows of three byte-valued features (0..255, so both paths scale them by 1/255) and int64
// labels 0, 3 or 7 from the first two.
Files write_data(const std::string& name, size_t rows) {
  std::vector<float> x;
  std::vector<int64_t> y;
  uint32_t state = 5;
  const auto byte = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 24);
  };
  for (size_t i = 0; i < rows; ++i) {
    const float a = byte(), b = byte(), c = byte();
    x.insert(x.end(), {a, b, c});
    const float s = a + b;
    y.push_back(s < 200 ? 0 : (s < 310 ? 3 : 7));
  }
  const std::string n = std::to_string(rows);
  return {
      write_raw_npy(name + "_x.npy", "<f4", std::string("(").append(n).append(", 3)"), bytes_of(x)),
      write_raw_npy(name + "_y.npy", "<i8", std::string("(").append(n).append(",)"), bytes_of(y))};
}

double accuracy(const px::Tensor& outputs, const px::Tensor& targets) {
  const px::Tensor predicted = px::argmax(outputs, 1);
  size_t right = 0;
  for (size_t i = 0; i < targets.numel(); ++i)
    right += predicted.data()[i] == targets.data()[i] ? 1 : 0;
  return static_cast<double>(right) / static_cast<double>(targets.numel());
}

}  // namespace

TEST(NpyStream, FitsWhatPrepareArraysFitsAndLearnsAsWellAsInMemory) {
  const Files files = write_data("npy_stream_learn", 6000);
  const StreamingTable table(NpyStream(files.x.string(), files.y.string(), 4096), {.seed = 2});
  const px::data::Source source = px::data::load_source(files.x.string(), {.labels = files.y});
  const px::data::PreparedData whole = px::data::prepare_arrays(source.arrays, std::nullopt);
  const px::data::PreparedData& streamed = table.prepared();
  EXPECT_EQ(streamed.task, whole.task);
  EXPECT_EQ(streamed.classes, (std::vector<std::string>{"0", "3", "7"}));
  EXPECT_EQ(streamed.classes, whole.classes);
  EXPECT_EQ(streamed.features, whole.features);
  EXPECT_EQ(streamed.scale, 1.0f / 255.0f);
  EXPECT_EQ(streamed.scale, whole.scale);
  EXPECT_FALSE(streamed.preprocessing.has_value());
  EXPECT_FALSE(streamed.target.has_value());
  EXPECT_EQ(table.features(), 3u);
  EXPECT_EQ(table.rows(), 6000u);
  EXPECT_NEAR(static_cast<double>(table.rows(Part::test)), 1200, 120);
  // The model file's description of the inputs is the same.
  EXPECT_EQ(px::train::model_info(streamed).input.scale, px::train::model_info(whole).input.scale);

  const px::train::Recipe recipe{.hidden = {32}, .dropout = 0, .lr = 1e-2, .epochs = 8};
  px::train::TrainedModel in_memory = px::train::train_model(whole, recipe, {.verbose = 0});
  px::train::TrainedModel stream = px::train::train_model(
      px::train::build_network(recipe, streamed), table, recipe, {.verbose = 0}, 1000);
  const auto test = table.batches(Part::test, {.batch_size = 256});
  const auto [outputs, targets] = px::train::forward_batches(stream.network, *test);
  EXPECT_EQ(targets.numel(), table.rows(Part::test));
  const double a_stream = accuracy(outputs, targets);
  const double a_whole = accuracy(in_memory.network(whole.x_test), whole.y_test);
  EXPECT_GT(a_whole, 0.9);
  EXPECT_NEAR(a_stream, a_whole, 0.03) << "streamed " << a_stream << ", in memory " << a_whole;
}

TEST(NpyStream, ARegressionTargetIsStandardisedByTheTrainingRowsAndFloat64IsRead) {
  std::vector<double> x;
  std::vector<float> y;
  for (int i = 0; i < 500; ++i) {
    x.push_back(i * 0.01);
    y.push_back(static_cast<float>(i) * 0.5f + 0.25f);
  }
  const fs::path xs = write_raw_npy("npy_stream_reg_x.npy", "<f8", "(500,)", bytes_of(x));
  const fs::path ys = write_raw_npy("npy_stream_reg_y.npy", "<f4", "(500,)", bytes_of(y));
  const StreamingTable table(NpyStream(xs.string(), ys.string(), 512), {.validation_fraction = 0});
  EXPECT_EQ(table.prepared().task, px::data::Task::regression);
  EXPECT_EQ(table.prepared().scale, 1.0f);
  // The training rows' labels, gathered from the stream, give the mean and std it standardises by.
  const auto train = table.batches(Part::train, {.batch_size = 64});
  train->start_epoch(0);
  double sum = 0, squares = 0, n = 0;
  while (const auto batch = train->next()) {
    ASSERT_EQ(batch->x.shape(1), 1);
    for (size_t i = 0; i < batch->y.numel(); ++i) {
      const double label = batch->y.data()[i];
      EXPECT_NEAR(label, batch->x.data()[i] * 50 + 0.25, 1e-4);  // each row keeps its label
      sum += label, squares += label * label, n += 1;
    }
  }
  EXPECT_EQ(n, static_cast<double>(table.rows(Part::train)));
  EXPECT_NEAR(table.target_mean(), sum / n, 1e-9);
  EXPECT_NEAR(table.target_std(), std::sqrt(squares / n - (sum / n) * (sum / n)), 1e-6);
}

TEST(NpyStream, BadFilesAreRefusedNamingTheFileAndTheWayOut) {
  const Files files = write_data("npy_stream_bad", 100);
  const fs::path short_labels =
      write_raw_npy("npy_stream_short_y.npy", "<i8", "(99,)", bytes_of(std::vector<int64_t>(99)));
  EXPECT_THAT(error_of([&] { NpyStream(files.x.string(), short_labels.string()); }),
              HasSubstr("npy_stream_short_y.npy: 99 labels for the 100 rows of"));
  const fs::path big_endian =
      write_raw_npy("npy_stream_big.npy", ">f4", "(100, 3)", bytes_of(std::vector<float>(300)));
  EXPECT_THAT(error_of([&] { NpyStream(big_endian.string(), files.y.string()); }),
              HasSubstr("npy_stream_big.npy: dtype '>f4' is not supported (big-endian"));
  const fs::path truncated =
      write_raw_npy("npy_stream_cut.npy", "<f4", "(100, 3)", bytes_of(std::vector<float>(250)));
  EXPECT_THAT(error_of([&] { NpyStream(truncated.string(), files.y.string()); }),
              HasSubstr("npy_stream_cut.npy: the shape (100, 3) of '<f4' needs 300 x 4 bytes"));
  std::vector<float> labels(100, 1.0f);
  labels[70] = NAN;
  const fs::path nan_labels =
      write_raw_npy("npy_stream_nan_y.npy", "<f4", "(100,)", bytes_of(labels));
  EXPECT_THAT(
      error_of([&] { StreamingTable(NpyStream(files.x.string(), nan_labels.string()), {}); }),
      HasSubstr("npy_stream_nan_y.npy: label 70 is not finite"));
}

namespace {

// The rows of every unit of `stream`, in order: features and labels.
std::pair<std::vector<float>, std::vector<float>> every_row(const NpyStream& stream) {
  std::vector<float> xs, ys, x, y;
  for (size_t unit = 0; unit < stream.units(); ++unit) {
    stream.read_unit(unit, x, y);
    xs.insert(xs.end(), x.begin(), x.end());
    ys.insert(ys.end(), y.begin(), y.end());
  }
  return {xs, ys};
}

}  // namespace

TEST(NpyStream, IntegerBoolAndImageShapedFeaturesStreamAsTheyReadWhole) {
  // 3000 images of [2, 3] bytes (so both paths scale them by 1/255), int16 values past a byte,
  // and bools; uint8 labels 0, 3 or 7 from the first two values.
  const size_t rows = 3000;
  std::vector<uint8_t> images, bools, labels;
  std::vector<int16_t> shorts;
  uint32_t state = 11;
  const auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (size_t i = 0; i < rows; ++i) {
    for (int j = 0; j < 6; ++j) images.push_back(static_cast<uint8_t>(next()));
    const int s = images[i * 6] + images[i * 6 + 1];
    labels.push_back(s < 200 ? 0 : (s < 310 ? 3 : 7));
    shorts.push_back(static_cast<int16_t>(images[i * 6] * 40 - 5000));
    shorts.push_back(static_cast<int16_t>(images[i * 6 + 1] * 40));
    bools.push_back(images[i * 6] > 127);
    bools.push_back(images[i * 6 + 1] > 127);
  }
  const std::string n = std::to_string(rows);
  const fs::path y = write_raw_npy("npy_stream_u1_y.npy", "|u1", "(" + n + ",)", bytes_of(labels));
  struct Case {
    fs::path x;
    size_t width;
    float scale;
  };
  const Case cases[] = {
      {write_raw_npy("npy_stream_u1_x.npy", "|u1", "(" + n + ", 2, 3)", bytes_of(images)), 6,
       1.0f / 255.0f},
      {write_raw_npy("npy_stream_i2_x.npy", "<i2", "(" + n + ", 2)", bytes_of(shorts)), 2, 1.0f},
      {write_raw_npy("npy_stream_b1_x.npy", "|b1", "(" + n + ", 1, 2)", bytes_of(bools)), 2, 1.0f}};
  for (const Case& c : cases) {
    const NpyStream stream(c.x.string(), y.string(), 1000);
    const px::data::Source source = px::data::load_source(c.x.string(), {.labels = y});
    const px::data::PreparedData whole = px::data::prepare_arrays(source.arrays, std::nullopt);
    // The rows read whole, flattened, bit for bit; the labels as read whole.
    const auto [xs, ys] = every_row(stream);
    ASSERT_EQ(xs.size(), source.arrays.features.numel()) << c.x;
    EXPECT_EQ(std::memcmp(xs.data(), source.arrays.features.data(), xs.size() * sizeof(float)), 0)
        << c.x;
    EXPECT_EQ(std::memcmp(ys.data(), source.arrays.labels.data(), ys.size() * sizeof(float)), 0);
    const StreamingTable table(NpyStream(c.x.string(), y.string(), 1000), {.seed = 4});
    const px::data::PreparedData& streamed = table.prepared();
    EXPECT_EQ(table.features(), c.width) << c.x;
    EXPECT_EQ(streamed.features, whole.features) << c.x;
    EXPECT_EQ(streamed.scale, c.scale) << c.x;
    EXPECT_EQ(streamed.scale, whole.scale) << c.x;
    EXPECT_EQ(streamed.classes, (std::vector<std::string>{"0", "3", "7"}));
    EXPECT_EQ(streamed.classes, whole.classes);
    // The batches hold the rows as prepare_arrays gives them: scaled by the fitted scale.
    const auto test = table.batches(Part::test, {.batch_size = 256});
    test->start_epoch(0);
    const auto batch = test->next();
    ASSERT_TRUE(batch.has_value());
    float largest = 0;
    for (size_t i = 0; i < batch->x.numel(); ++i) largest = std::max(largest, batch->x.data()[i]);
    float expected = 0;
    for (size_t i = 0; i < whole.x_test.numel(); ++i)
      expected = std::max(expected, whole.x_test.data()[i]);
    EXPECT_NEAR(largest, expected, 0.2f * expected) << c.x;
  }
  // The images learn as well streamed as in memory.
  const StreamingTable table(NpyStream(cases[0].x.string(), y.string(), 4096), {.seed = 2});
  const px::data::Source source = px::data::load_source(cases[0].x.string(), {.labels = y});
  const px::data::PreparedData whole = px::data::prepare_arrays(source.arrays, std::nullopt);
  const px::train::Recipe recipe{.hidden = {32}, .dropout = 0, .lr = 1e-2, .epochs = 8};
  px::train::TrainedModel in_memory = px::train::train_model(whole, recipe, {.verbose = 0});
  px::train::TrainedModel stream = px::train::train_model(
      px::train::build_network(recipe, table.prepared()), table, recipe, {.verbose = 0}, 1000);
  const auto test = table.batches(Part::test, {.batch_size = 256});
  const auto [outputs, targets] = px::train::forward_batches(stream.network, *test);
  const double a_stream = accuracy(outputs, targets);
  const double a_whole = accuracy(in_memory.network(whole.x_test), whole.y_test);
  EXPECT_GT(a_whole, 0.85);
  EXPECT_NEAR(a_stream, a_whole, 0.04) << "streamed " << a_stream << ", in memory " << a_whole;
}

namespace {

// distributed::all_gather among threads: every caller gets every rank's text, in rank order.
class ThreadGather {
 public:
  explicit ThreadGather(size_t processes) : slots_(processes) {}
  std::vector<std::string> operator()(size_t rank, const std::string& text) {
    std::unique_lock lock(mutex_);
    slots_[rank] = text;
    const size_t generation = generation_;
    if (++arrived_ == slots_.size()) {
      arrived_ = 0;
      result_ = slots_;
      ++generation_;
      all_arrived_.notify_all();
    } else {
      all_arrived_.wait(lock, [&] { return generation_ != generation; });
    }
    return result_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  std::vector<std::string> slots_, result_;
  size_t arrived_ = 0, generation_ = 0;
};

struct Process {
  std::vector<std::string> classes;
  float scale = 0;
  double target_mean = 0, target_std = 0;
  std::vector<uint64_t> rows_per_lane;
  std::vector<std::vector<float>> batches, targets;
  std::vector<size_t> offsets;
  uint64_t bytes = 0;
};

std::vector<Process> run(const Files& files, size_t processes) {
  ThreadGather gather(processes);
  std::vector<Process> out(processes);
  std::vector<std::thread> threads;
  for (size_t rank = 0; rank < processes; ++rank) {
    threads.emplace_back([&, rank] {
      px::data::StreamingOptions options{.seed = 3};
      options.share = {
          .rank = rank,
          .processes = processes,
          .all_gather = [&gather, rank](const std::string& text) { return gather(rank, text); }};
      const StreamingTable table(NpyStream(files.x.string(), files.y.string(), 1024), options);
      Process& mine = out[rank];
      mine.classes = table.prepared().classes;
      mine.scale = table.prepared().scale;
      mine.target_mean = table.target_mean();
      mine.target_std = table.target_std();
      for (size_t lane = 0; lane < options.lanes; ++lane)
        mine.rows_per_lane.push_back(table.rows(Part::train, lane));
      auto source =
          table.batches(Part::train, {.batch_size = 50, .shuffle = true, .shuffle_rows = 600});
      source->start_epoch(1);
      while (const auto batch = source->next()) {
        mine.batches.emplace_back(batch->x.data(), batch->x.data() + batch->x.numel());
        mine.targets.emplace_back(batch->y.data(), batch->y.data() + batch->y.numel());
        mine.offsets.push_back(source->share() ? source->share()->offset : 0);
      }
      mine.bytes = table.bytes_read();
    });
  }
  for (std::thread& thread : threads) thread.join();
  return out;
}

}  // namespace

TEST(NpyStream, OneTwoAndThreeProcessesFitTheSameAndTogetherGiveTheSameBatches) {
  const Files files = write_data("npy_stream_share", 6000);
  const uint64_t file_bytes = fs::file_size(files.x) + fs::file_size(files.y);
  const std::vector<Process> one = run(files, 1);
  ASSERT_GT(one[0].batches.size(), 50u);
  // One process reads the rows twice (the fitting pass, and the epoch), not the headers.
  EXPECT_LE(one[0].bytes, 2 * file_bytes);
  EXPECT_GE(one[0].bytes, 2 * file_bytes - 512);
  for (const size_t processes : {2u, 3u}) {
    const std::vector<Process> many = run(files, processes);
    for (size_t rank = 0; rank < processes; ++rank) {
      const Process& p = many[rank];
      EXPECT_EQ(p.classes, one[0].classes) << processes << " processes, rank " << rank;
      EXPECT_EQ(p.scale, one[0].scale);
      EXPECT_EQ(p.target_mean, one[0].target_mean);
      EXPECT_EQ(p.target_std, one[0].target_std);
      EXPECT_EQ(p.rows_per_lane, one[0].rows_per_lane);
      ASSERT_EQ(p.batches.size(), one[0].batches.size());
      // Its share of the bytes: 1 KiB units of 85 rows deal each lane 11 or 12 of the 71 units.
      const double share = static_cast<double>(p.bytes) / static_cast<double>(one[0].bytes);
      EXPECT_NEAR(share, 1.0 / static_cast<double>(processes), 0.03)
          << processes << " processes, rank " << rank;
    }
    for (size_t b = 0; b < one[0].batches.size(); ++b) {
      std::vector<float> joined, targets;
      for (size_t rank = 0; rank < processes; ++rank) {
        EXPECT_EQ(many[rank].offsets[b] * 3, joined.size()) << "batch " << b;
        joined.insert(joined.end(), many[rank].batches[b].begin(), many[rank].batches[b].end());
        targets.insert(targets.end(), many[rank].targets[b].begin(), many[rank].targets[b].end());
      }
      ASSERT_EQ(joined, one[0].batches[b]) << processes << " processes, batch " << b;
      ASSERT_EQ(targets, one[0].targets[b]) << processes << " processes, batch " << b;
    }
  }
}
