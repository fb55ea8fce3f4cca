// Streaming: CsvStream's chunks hold read_csv's rows with their lines (quoted line breaks,
// .csv.gz, shards), errors name the true line, StreamingTable fits what the in-memory pipeline
// fits on the same training rows, and its batches give every row of a part once per epoch in an
// order set by (seed, epoch), which fit() learns from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <plexus/data/csv_stream.hpp>
#include <plexus/data/streaming.hpp>
#include <plexus/nn/activation.hpp>
#include <plexus/nn/linear.hpp>
#include <plexus/nn/sequential.hpp>
#include <plexus/optim/adam.hpp>
#include <plexus/train/fit.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace fs = std::filesystem;
using px::data::CsvChunk;
using px::data::CsvStream;
using px::data::Part;
using px::data::Table;
using px::testing::error_of;
using ::testing::HasSubstr;

namespace {

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(::testing::TempDir()) / name;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// x1, x2 uniform in [-2, 2], a colour, and a class from x1 + x2: learnable, 3 classes.
std::string make_csv(size_t rows, uint32_t seed) {
  std::ostringstream text;
  text << "id,x1,x2,color,label\n";
  uint32_t state = seed;
  const auto uniform = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<double>(state >> 8) / static_cast<double>(1u << 24);
  };
  for (size_t i = 0; i < rows; ++i) {
    const double x1 = uniform() * 4 - 2, x2 = uniform() * 4 - 2;
    const bool red = uniform() < 0.5;
    const double s = x1 + x2 + (red ? 0.5 : 0.0);
    text << "r" << i << "," << x1 << "," << x2 << "," << (red ? "red" : "blue") << ","
         << (s < -0.5  ? "a"
             : s < 0.8 ? "b"
                       : "c")
         << "\n";
  }
  return text.str();
}

// Every chunk's rows in order, as (line, cells joined by '|').
std::vector<std::pair<size_t, std::string>> rows_of(CsvStream& stream) {
  std::vector<std::pair<size_t, std::string>> rows;
  stream.scan([&](const Table& table, const CsvChunk&) {
    for (size_t r = 0; r < table.rows(); ++r) {
      std::string cells;
      for (size_t c = 0; c < table.cols(); ++c) cells += std::string(table.cell(r, c)) + "|";
      rows.emplace_back(table.line(r), cells);
    }
  });
  return rows;
}

std::vector<std::pair<size_t, std::string>> rows_of(const Table& table) {
  std::vector<std::pair<size_t, std::string>> rows;
  for (size_t r = 0; r < table.rows(); ++r) {
    std::string cells;
    for (size_t c = 0; c < table.cols(); ++c) cells += std::string(table.cell(r, c)) + "|";
    rows.emplace_back(table.line(r), cells);
  }
  return rows;
}

}  // namespace

TEST(CsvStream, ChunksHoldReadCsvsRowsAndLinesAlsoAcrossQuotedLineBreaks) {
  std::ostringstream lines;
  lines << "name,note,value\n";
  for (int i = 0; i < 400; ++i)
    lines << "n" << i << (i % 7 == 0 ? ",\"two\nlines, quoted\"," : ",plain,") << i
          << (i % 50 == 0 ? "\n\n" : "\n");
  const std::string text = lines.str();
  const fs::path path = write_file("stream_quoted.csv", text);
  CsvStream stream(path.string(), {.chunk_bytes = 100});  // a few records per chunk
  const auto streamed = rows_of(stream);
  EXPECT_GT(stream.chunks().size(), 50u);
  EXPECT_EQ(streamed, rows_of(px::data::read_csv(path)));
  EXPECT_EQ(stream.columns(), (std::vector<std::string>{"name", "note", "value"}));
  // Reading a chunk again gives what the scan gave.
  const CsvChunk& chunk = stream.chunks()[17];
  const Table again = stream.read(chunk);
  ASSERT_EQ(again.rows(), chunk.rows);
  EXPECT_EQ(again.line(0), streamed[chunk.first_row].first);
}

TEST(CsvStream, ReadsGzipAndShardsSharingOneHeader) {
  const std::string text = make_csv(300, 1);
  const fs::path plain = write_file("stream_gz/data.csv", text);
  const fs::path gz = fs::path(::testing::TempDir()) / "stream_gz/data.csv.gz";
  gzFile out = gzopen(gz.c_str(), "wb");
  gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
  gzclose(out);
  CsvStream compressed(gz.string(), {.chunk_bytes = 512});
  const auto rows = rows_of(compressed);
  EXPECT_EQ(rows, rows_of(px::data::read_csv(plain)));
  EXPECT_TRUE(compressed.compressed(0));
  size_t seen = 0;
  compressed.read_file(0, [&](const Table& table, const CsvChunk&) { seen += table.rows(); });
  EXPECT_EQ(seen, 300u);

  // Shards: a header each, rows in file order, lines of their own file.
  fs::remove_all(fs::path(::testing::TempDir()) / "stream_shards");
  const size_t cut = text.find('\n', text.size() / 2) + 1;
  write_file("stream_shards/part-1.csv", text.substr(0, cut));
  write_file("stream_shards/part-2.csv", text.substr(0, text.find('\n') + 1) + text.substr(cut));
  const std::string folder = (fs::path(::testing::TempDir()) / "stream_shards").string();
  CsvStream shards(folder, {.chunk_bytes = 512});
  const auto shard_rows = rows_of(shards);
  ASSERT_EQ(shard_rows.size(), 300u);
  EXPECT_EQ(shards.files().size(), 2u);
  for (size_t i = 0; i < 300; ++i) EXPECT_EQ(shard_rows[i].second, rows[i].second);
  EXPECT_EQ(shard_rows.back().first, 300 - std::count(text.begin(), text.begin() + cut, '\n') + 2);
  CsvStream glob(folder + "/part-*.csv", {.chunk_bytes = 512});
  EXPECT_EQ(rows_of(glob), shard_rows);

  write_file("stream_shards/part-3.csv", "id,x1,x2,colour,label\nq,1,2,red,a\n");
  CsvStream mismatched(folder, {.chunk_bytes = 512});
  EXPECT_THAT(error_of([&] { rows_of(mismatched); }),
              HasSubstr("part-3.csv:1: the header's field 4 is 'colour'"));
}

TEST(CsvStream, ErrorsNameTheFileAndTheTrueLine) {
  std::string text = make_csv(3000, 2);  // past the start read_csv's detection samples
  text += "late,1.0,2.0,red\n";          // one field short, on line 3002
  const fs::path path = write_file("stream_ragged.csv", text);
  CsvStream stream(path.string(), {.chunk_bytes = 4096});
  EXPECT_THAT(error_of([&] { rows_of(stream); }),
              HasSubstr("stream_ragged.csv:3002: 4 fields, the header has 5"));
  EXPECT_THAT(error_of([] { CsvStream("no/such/file.csv"); }), HasSubstr("no such file"));
}

TEST(StreamingTable, FitsWhatTheInMemoryPipelineFitsOnTheSameTrainingRows) {
  const fs::path path = write_file("stream_fit.csv", make_csv(3000, 3));
  const px::data::TabularOptions columns{.target = "label", .ignore = {"id"}};
  px::data::StreamingTable streamed(CsvStream(path.string(), {.chunk_bytes = 4096}),
                                    {.columns = columns, .seed = 5});
  const Table table = px::data::read_csv(path);
  // A row's part comes from its place on the stream's grid: its unit, and its index there.
  std::vector<uint64_t> keys;
  const CsvStream stream(path.string(), {.chunk_bytes = 4096});
  const std::vector<px::data::StreamUnit> units = stream.units();
  for (size_t u = 0; u < units.size(); ++u)
    stream.read_unit(units[u], [&](const Table& rows, uint64_t first) {
      for (size_t i = 0; i < rows.rows(); ++i)
        keys.push_back(px::data::stream_row_key(u, first + i));
    });
  ASSERT_EQ(keys.size(), table.rows());
  std::vector<size_t> train_rows;
  for (size_t i = 0; i < table.rows(); ++i)
    if (px::data::assign_part(keys[i], 5, 0.2, 0.1) == Part::train) train_rows.push_back(i);
  EXPECT_EQ(streamed.rows(Part::train), train_rows.size());
  EXPECT_EQ(streamed.rows(), 3000u);
  const px::data::Target target = px::data::Target::fit(table, train_rows, columns);
  EXPECT_EQ(streamed.target().classes, target.classes);
  px::data::TabularOptions fitted = columns;
  fitted.task = target.task;
  const auto exact = px::data::Preprocessing::fit(table, train_rows, fitted);
  const auto& got = streamed.preprocessing().columns();
  ASSERT_EQ(got.size(), exact.columns().size());
  for (size_t c = 0; c < got.size(); ++c) {
    EXPECT_EQ(got[c].kind, exact.columns()[c].kind) << got[c].name;
    EXPECT_EQ(got[c].categories, exact.columns()[c].categories) << got[c].name;
    if (got[c].kind != px::data::ColumnKind::numeric) continue;
    // The median from the sketch has a rank within its bound of 0.5 (log2(n / k) / k, taken at
    // k = 200, looser than the accumulator's k).
    std::vector<double> values;
    const int col = table.column_index(got[c].name);
    for (const size_t r : train_rows) values.push_back(std::stod(std::string(table.cell(r, col))));
    std::sort(values.begin(), values.end());
    const double bound = std::log2(static_cast<double>(values.size()) / 200.0 + 1) / 200.0;
    const auto at = [&](double q) {
      return values[static_cast<size_t>(std::clamp(q, 0.0, 1.0) * (values.size() - 1))];
    };
    EXPECT_GE(got[c].median, at(0.5 - bound) - 1e-9) << got[c].name;
    EXPECT_LE(got[c].median, at(0.5 + bound) + 1e-9) << got[c].name;
  }
}

TEST(StreamingTable, BatchesGiveEveryRowOncePerEpochInAnOrderSetBySeedAndEpoch) {
  const fs::path path = write_file("stream_batches.csv", make_csv(2000, 4));
  px::data::StreamingTable table(CsvStream(path.string(), {.chunk_bytes = 2048}),
                                 {.columns = {.ignore = {"id"}}});
  const auto epoch_rows = [&](size_t epoch) {
    auto source =
        table.batches(Part::train, {.batch_size = 64, .shuffle = true, .shuffle_rows = 300});
    source->start_epoch(epoch);
    std::vector<std::vector<float>> rows;
    while (const auto batch = source->next()) {
      EXPECT_LE(batch->x.shape(0), 64);
      const int64_t width = batch->x.shape(1);
      for (int64_t r = 0; r < batch->x.shape(0); ++r)
        rows.emplace_back(batch->x.data() + r * width, batch->x.data() + (r + 1) * width);
    }
    EXPECT_EQ(rows.size(), table.rows(Part::train));
    return rows;
  };
  const auto first = epoch_rows(0), again = epoch_rows(0), second = epoch_rows(1);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, second);
  auto sorted_first = first, sorted_second = second;
  std::sort(sorted_first.begin(), sorted_first.end());
  std::sort(sorted_second.begin(), sorted_second.end());
  EXPECT_EQ(sorted_first, sorted_second);
  // Unshuffled: file order, as the validation and test rows are read.
  auto in_order = table.batches(Part::test, {.batch_size = 1000});
  in_order->start_epoch(0);
  size_t test_rows = 0;
  while (const auto batch = in_order->next()) test_rows += static_cast<size_t>(batch->x.shape(0));
  EXPECT_EQ(test_rows, table.rows(Part::test));
}

TEST(StreamingTable, FitLearnsFromTheStreamAndValidatesOnStreamedRows) {
  const fs::path path = write_file("stream_learn.csv", make_csv(4000, 6));
  px::data::StreamingTable table(CsvStream(path.string(), {.chunk_bytes = 4096}),
                                 {.columns = {.ignore = {"id"}}});
  auto train = table.batches(Part::train, {.batch_size = 32, .shuffle = true, .shuffle_rows = 500});
  auto validation = table.batches(Part::validation, {.batch_size = 256});
  px::nn::Sequential model;
  model.push_back(px::nn::Linear(static_cast<int64_t>(table.features()), 32, true, 1));
  model.push_back(px::nn::ReLU());
  model.push_back(px::nn::Linear(32, 3, true, 2));
  px::optim::Adam adam(model.parameters(), {.lr = 1e-2});
  const auto history = px::train::fit(
      model, adam, "cross_entropy", *train,
      {.epochs = 5, .validation_batches = validation.get(), .metrics = {"accuracy"}, .verbose = 0});
  EXPECT_GT(history.last().get("val_accuracy"), 0.93);
}
