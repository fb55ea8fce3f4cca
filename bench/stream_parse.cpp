// The streaming reader's stages on a generated numeric CSV (issue 24's "parse + transform"
// target): cutting + parsing (CsvStream::scan), the fitting pass (PreprocessingAccumulator::add)
// and the transform (Preprocessing::transform), each timed in CPU time of this one thread, so the
// figures hold on a busy machine. Prints one JSON line per stage.
//
//   stream_parse [rows=200000] [file=stream_parse.csv] [chunk_bytes=4194304]
#include <cstdio>
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

void report(const char* stage, double seconds, uint64_t bytes) {
  std::printf("{\"stage\": \"%s\", \"cpu_s\": %.3f, \"mb_per_s\": %.1f}\n", stage, seconds,
              static_cast<double>(bytes) / seconds / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::stoul(argv[1]) : 200000;
  const std::string path = argc > 2 ? argv[2] : "stream_parse.csv";
  const size_t chunk_bytes = argc > 3 ? std::stoul(argv[3]) : size_t{4} << 20;
  write_csv(path, rows);

  px::data::CsvStream stream(path, {.chunk_bytes = chunk_bytes});
  const uint64_t bytes = stream.file_bytes();
  double start = cpu_seconds();
  size_t scanned = 0;
  stream.scan(
      [&](const px::data::Table& table, const px::data::CsvChunk&) { scanned += table.rows(); });
  report("scan", cpu_seconds() - start, bytes);

  std::vector<px::data::Table> tables;
  for (const px::data::CsvChunk& chunk : stream.chunks()) tables.push_back(stream.read(chunk));

  px::data::TabularOptions options;
  px::data::PreprocessingAccumulator accumulator(stream.columns(), options, path);
  start = cpu_seconds();
  for (const px::data::Table& table : tables) accumulator.add(table);
  report("accumulate", cpu_seconds() - start, bytes);

  const px::data::Preprocessing preprocessing = accumulator.preprocessing();
  start = cpu_seconds();
  double checksum = 0;
  for (const px::data::Table& table : tables) {
    std::vector<size_t> all(table.rows());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    const px::Tensor x = preprocessing.transform(table, all);
    checksum += static_cast<double>(x.data()[0]);
  }
  report("transform", cpu_seconds() - start, bytes);
  std::printf("{\"rows\": %zu, \"bytes\": %llu, \"checksum\": %.6f}\n", scanned,
              static_cast<unsigned long long>(bytes), checksum);
  std::remove(path.c_str());
}
