// The streaming reader's stages on a generated numeric CSV (issue 24's "parse + transform"
// target): cutting + parsing (CsvStream::scan), the fitting pass (PreprocessingAccumulator::add),
// the transform (Preprocessing::transform) and parsing + transforming each chunk as a streamed
// epoch does, each timed in CPU time of this one thread, so the figures hold on a busy machine;
// each stage runs `repeats` times and the median is shown. Prints one JSON line per stage, then
// the transform's output hashed bit for bit (FNV-1a over every float), which two builds that
// promise the same inputs must agree on.
//
//   stream_parse [rows=200000] [file=stream_parse.csv] [chunk_bytes=4194304] [repeats=5]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "plexus/data/csv_stream.hpp"
#include "plexus/data/streaming_fit.hpp"
#include "plexus/data/tabular.hpp"

namespace px = plexus;

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Ten numeric columns written as a data frame library writes them (up to 6 significant digits,
// some negative), and a class from the first three.
void write_csv(const std::string& path, size_t rows) {
  std::ofstream out(path);
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal(0, 10);
  out << "x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,label\n";
  char cell[32];
  for (size_t r = 0; r < rows; ++r) {
    double x[10];
    for (double& v : x) v = normal(random);
    for (const double v : x) {
      std::snprintf(cell, sizeof cell, "%.6g,", v);
      out << cell;
    }
    out << (x[0] + x[1] > x[2] ? (x[0] > 0 ? 0 : 1) : 2) << '\n';
  }
}

// Runs `stage` `repeats` times and prints its median CPU time and speed.
template <typename Stage>
void measure(const char* name, size_t repeats, uint64_t bytes, Stage&& stage) {
  std::vector<double> seconds;
  for (size_t r = 0; r < repeats; ++r) {
    const double start = cpu_seconds();
    stage();
    seconds.push_back(cpu_seconds() - start);
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf("{\"stage\": \"%s\", \"cpu_s\": %.4f, \"mb_per_s\": %.1f}\n", name, median,
              static_cast<double>(bytes) / median / 1e6);
}

// FNV-1a over the bits of `x`'s floats, continuing from `hash`.
uint64_t hash_floats(const px::Tensor& x, uint64_t hash) {
  const float* data = x.data();
  for (size_t i = 0; i < x.numel(); ++i) {
    uint32_t bits = 0;
    std::memcpy(&bits, data + i, sizeof bits);
    for (int byte = 0; byte < 4; ++byte)
      hash = (hash ^ ((bits >> (8 * byte)) & 0xFF)) * 1099511628211u;
  }
  return hash;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::stoul(argv[1]) : 200000;
  const std::string path = argc > 2 ? argv[2] : "stream_parse.csv";
  const size_t chunk_bytes = argc > 3 ? std::stoul(argv[3]) : size_t{4} << 20;
  const size_t repeats = argc > 4 ? std::stoul(argv[4]) : 5;
  write_csv(path, rows);

  px::data::CsvStream stream(path, {.chunk_bytes = chunk_bytes});
  const uint64_t bytes = stream.file_bytes();
  size_t scanned = 0;
  measure("scan", repeats, bytes, [&] {
    scanned = 0;
    stream.scan(
        [&](const px::data::Table& table, const px::data::CsvChunk&) { scanned += table.rows(); });
  });

  std::vector<px::data::Table> tables;
  for (const px::data::CsvChunk& chunk : stream.chunks()) tables.push_back(stream.read(chunk));
  const auto all_rows = [](const px::data::Table& table) {
    std::vector<size_t> all(table.rows());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  };

  px::data::TabularOptions options;
  measure("accumulate", repeats, bytes, [&] {
    px::data::PreprocessingAccumulator accumulator(stream.columns(), options, path);
    for (const px::data::Table& table : tables) accumulator.add(table);
  });
  px::data::PreprocessingAccumulator accumulator(stream.columns(), options, path);
  for (const px::data::Table& table : tables) accumulator.add(table);
  const px::data::Preprocessing preprocessing = accumulator.preprocessing();

  measure("transform", repeats, bytes, [&] {
    for (const px::data::Table& table : tables) preprocessing.transform(table, all_rows(table));
  });
  // Each unit read, parsed and transformed in turn, as one producer thread of a streamed epoch
  // does.
  const std::vector<px::data::StreamUnit> units = stream.units();
  measure("parse+transform", repeats, bytes, [&] {
    for (const px::data::StreamUnit& unit : units)
      stream.read_unit(unit, [&](const px::data::Table& table, uint64_t) {
        preprocessing.transform(table, all_rows(table));
      });
  });
  uint64_t hash = 14695981039346656037u;
  for (const px::data::Table& table : tables)
    hash = hash_floats(preprocessing.transform(table, all_rows(table)), hash);
  std::printf("{\"rows\": %zu, \"bytes\": %llu, \"output_hash\": \"%016llx\"}\n", scanned,
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(hash));
  std::remove(path.c_str());
}
