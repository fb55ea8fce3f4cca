// A stream shared by processes (StreamShare), simulated by threads of one process: 1, 2 and 3
// processes fit the same pipeline bit for bit, together give the batches one process gives (each
// its rows of every global batch, in lane order), and each reads about its share of the bytes.
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plexus/data/streaming.hpp"

namespace px = plexus;
namespace fs = std::filesystem;
using px::data::CsvStream;
using px::data::Part;
using px::data::StreamingTable;

namespace {

fs::path write_csv(const std::string& name, size_t rows) {
  const fs::path path = fs::path(::testing::TempDir()) / name;
  std::ofstream out(path, std::ios::binary);
  out << "x1,x2,color,label\n";
  uint32_t state = 11;
  const auto uniform = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / static_cast<double>(1u << 24);
  };
  for (size_t i = 0; i < rows; ++i) {
    const double x1 = uniform() * 4 - 2, x2 = uniform() * 4 - 2;
    const bool red = uniform() < 0.5;
    out << x1 << "," << x2 << "," << (red ? "red" : "blue") << ","
        << (x1 + x2 + (red ? 0.5 : 0) < 0 ? "a" : "b") << "\n";
  }
  return path;
}

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

// One process's view: what it fitted, its rows of every batch of one epoch, the bytes it read.
struct Process {
  std::string preprocessing, target;
  double target_mean = 0, target_std = 0;
  std::vector<uint64_t> rows_per_lane;
  std::vector<std::vector<float>> batches;
  std::vector<size_t> offsets;
  uint64_t bytes = 0;
};

std::vector<Process> run(const fs::path& path, size_t processes) {
  ThreadGather gather(processes);
  std::vector<Process> out(processes);
  std::vector<std::thread> threads;
  for (size_t rank = 0; rank < processes; ++rank) {
    threads.emplace_back([&, rank] {
      px::data::StreamingOptions options{.columns = {.target = "label"}, .seed = 3};
      options.share = {
          .rank = rank,
          .processes = processes,
          .all_gather = [&gather, rank](const std::string& text) { return gather(rank, text); }};
      const StreamingTable table(CsvStream(path.string(), {.chunk_bytes = 4096}), options);
      Process& mine = out[rank];
      mine.preprocessing = table.preprocessing().to_json();
      mine.target = table.target().to_json();
      mine.target_mean = table.target_mean();
      mine.target_std = table.target_std();
      for (size_t lane = 0; lane < options.lanes; ++lane)
        mine.rows_per_lane.push_back(table.rows(Part::train, lane));
      auto source =
          table.batches(Part::train, {.batch_size = 50, .shuffle = true, .shuffle_rows = 600});
      source->start_epoch(1);
      while (const auto batch = source->next()) {
        mine.batches.emplace_back(batch->x.data(), batch->x.data() + batch->x.numel());
        mine.offsets.push_back(source->share() ? source->share()->offset : 0);
        EXPECT_EQ(source->share().has_value(), processes > 1);
      }
      mine.bytes = table.bytes_read();
    });
  }
  for (std::thread& thread : threads) thread.join();
  return out;
}

}  // namespace

TEST(StreamShare, OneTwoAndThreeProcessesFitTheSamePipelineAndTogetherGiveTheSameBatches) {
  const fs::path path = write_csv("stream_share.csv", 6000);
  const uint64_t file_bytes = fs::file_size(path);
  const std::vector<Process> one = run(path, 1);
  ASSERT_GT(one[0].batches.size(), 50u);
  // One process reads the file twice: the fitting pass, and the epoch.
  EXPECT_GE(one[0].bytes, 2 * file_bytes);
  EXPECT_LE(one[0].bytes, 2 * file_bytes + file_bytes / 10);
  for (const size_t processes : {2u, 3u}) {
    const std::vector<Process> many = run(path, processes);
    for (size_t rank = 0; rank < processes; ++rank) {
      const Process& p = many[rank];
      EXPECT_EQ(p.preprocessing, one[0].preprocessing) << processes << " processes, rank " << rank;
      EXPECT_EQ(p.target, one[0].target);
      EXPECT_EQ(p.target_mean, one[0].target_mean);
      EXPECT_EQ(p.target_std, one[0].target_std);
      EXPECT_EQ(p.rows_per_lane, one[0].rows_per_lane);
      ASSERT_EQ(p.batches.size(), one[0].batches.size());
      // About its share of the bytes: a 4 KiB grid over a 6000-row file deals each lane some
      // 10 units, so the shares differ by a unit or two.
      const double share = static_cast<double>(p.bytes) / static_cast<double>(one[0].bytes);
      EXPECT_NEAR(share, 1.0 / static_cast<double>(processes), 0.06)
          << processes << " processes, rank " << rank;
    }
    // The ranks' rows of each batch, in rank order at their offsets, are one process's batch.
    const size_t width = one[0].batches[0].size() / 50;
    for (size_t b = 0; b < one[0].batches.size(); ++b) {
      std::vector<float> joined;
      for (size_t rank = 0; rank < processes; ++rank) {
        EXPECT_EQ(many[rank].offsets[b] * width, joined.size()) << "batch " << b;
        joined.insert(joined.end(), many[rank].batches[b].begin(), many[rank].batches[b].end());
      }
      ASSERT_EQ(joined, one[0].batches[b]) << processes << " processes, batch " << b;
    }
  }
}

TEST(StreamShare, TheGridComesFromTheFileSizeAndItsUnitsHoldEveryRowOnce) {
  const fs::path path = write_csv("stream_share_keys.csv", 2000);
  const CsvStream stream(path.string(), {.chunk_bytes = 4096});
  const std::vector<px::data::StreamUnit> units = stream.units();
  ASSERT_GT(units.size(), 5u);
  // The grid comes from the file's size alone, each unit its records and no other's: together,
  // read_csv's rows in order.
  std::vector<std::string> rows;
  for (size_t u = 0; u < units.size(); ++u) {
    EXPECT_EQ(units[u].begin, u * 4096);
    stream.read_unit(units[u], [&](const px::data::Table& table, uint64_t first) {
      EXPECT_EQ(first, 0u);
      for (size_t r = 0; r < table.rows(); ++r)
        rows.push_back(std::string(table.cell(r, 0)) + "," + std::string(table.cell(r, 1)));
    });
  }
  const px::data::Table whole = px::data::read_csv(path);
  ASSERT_EQ(rows.size(), whole.rows());
  for (size_t r = 0; r < whole.rows(); ++r)
    EXPECT_EQ(rows[r], std::string(whole.cell(r, 0)) + "," + std::string(whole.cell(r, 1)));
}

TEST(StreamShare, MoreProcessesThanLanesAreRefused) {
  const fs::path path = write_csv("stream_share_few.csv", 100);
  px::data::StreamingOptions options{.columns = {.target = "label"}, .lanes = 2};
  options.share = {.rank = 0, .processes = 3, .all_gather = [](const std::string& text) {
                     return std::vector<std::string>{text};
                   }};
  EXPECT_THROW(StreamingTable(CsvStream(path.string()), options), px::Error);
}

TEST(StreamShare, AQuotedLineBreakIsRefusedNamingItsTrueLine) {
  const fs::path path = fs::path(::testing::TempDir()) / "stream_share_quoted.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "x1,note,label\n";
    for (int i = 0; i < 600; ++i) out << i << ",plain," << (i % 2 ? "a" : "b") << "\n";
    out << "600,\"two\nlines\",a\n";  // line 602
    for (int i = 0; i < 100; ++i) out << i << ",plain," << (i % 2 ? "a" : "b") << "\n";
  }
  try {
    const StreamingTable table(CsvStream(path.string(), {.chunk_bytes = 1024}),
                               {.columns = {.target = "label"}});
    ADD_FAILURE() << "a quoted line break was streamed";
  } catch (const px::Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("stream_share_quoted.csv:602: a quoted field holds a line"),
        std::string::npos)
        << e.what();
  }
}
