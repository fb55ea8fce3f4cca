// What every C++ benchmark program shares: the command line, the Fashion-MNIST reader, timing,
// peak RSS and the one-JSON-object-per-line output the runner (bench/run.py) collects.
// It is header-only and knows nothing of any library under test; plexus_bench includes it too.
#pragma once

#include <zlib.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// ---- command line: <program> --workload W1|W2|W3|W4 [--threads T] [--epochs E] [--seed S]
//      [--steps S] [--quick] ----

struct Args {
  std::string workload;
  int threads = 1;
  int epochs = 5;      // W1 only
  int seed = 0;        // W1 only: the initial weights and the shuffle (bench/seeds.py varies it)
  bool quick = false;  // fewer timed calls in W2 and W4 (a smoke run, not a measurement)
  size_t steps = 0;    // W3's timed steps, 0 for kW3Steps (bench/callgrind_w3.sh varies it)
};

inline Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--workload")
      args.workload = value();
    else if (flag == "--threads")
      args.threads = std::stoi(value());
    else if (flag == "--epochs")
      args.epochs = std::stoi(value());
    else if (flag == "--seed")
      args.seed = std::stoi(value());
    else if (flag == "--quick")
      args.quick = true;
    else if (flag == "--steps")
      args.steps = std::stoul(value());
    else
      throw std::runtime_error("unknown argument " + flag);
  }
  if (args.workload.empty()) throw std::runtime_error("--workload W1|W2|W3|W4 is required");
  return args;
}

// ---- output: {"impl": ..., "workload": ..., "threads": ..., "metric": ..., "value": ..., "extra":
// {...}}

/// One entry of "extra", its value already written as JSON (use extra() to make one).
using Extra = std::pair<std::string, std::string>;

inline Extra extra(const std::string& key, double number) {
  std::ostringstream out;
  out.precision(10);
  out << number;
  return {key, out.str()};
}
inline Extra extra(const std::string& key, const char* text) {
  // NOTE: the texts are ours; none needs escaping. (Built with += : GCC 12 warns falsely about
  // "\"" + std::string(text) under -Wrestrict.)
  std::string json = "\"";
  json += text;
  json += '"';
  return {key, json};
}

/// Prints one measurement as one JSON line on stdout and flushes it.
inline void emit(const std::string& impl, const Args& args, const std::string& metric, double value,
                 std::initializer_list<Extra> extras = {}) {
  std::ostringstream out;
  out.precision(10);
  out << "{\"impl\": \"" << impl << "\", \"workload\": \"" << args.workload
      << "\", \"threads\": " << args.threads << ", \"metric\": \"" << metric
      << "\", \"value\": " << value << ", \"extra\": {";
  const char* separator = "";
  for (const auto& [key, json] : extras) {
    out << separator << '"' << key << "\": " << json;
    separator = ", ";
  }
  out << "}}\n";
  std::fputs(out.str().c_str(), stdout);
  std::fflush(stdout);
}

// ---- timing and memory ----

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// Median seconds per call of call(), after `warmup` untimed calls.
template <class Call>
double median_seconds(Call&& call, size_t warmup, size_t calls) {
  for (size_t i = 0; i < warmup; ++i) call();
  std::vector<double> times(calls);
  for (double& t : times) {
    double start = now_s();
    call();
    t = now_s() - start;
  }
  return median(times);
}

/// Peak resident set size of this process so far, in MiB (Linux reports ru_maxrss in KiB).
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

/// Weights of a fully-connected stack, biases excluded: the "6 flops per weight per sample" count.
inline double weight_count(std::initializer_list<size_t> widths) {
  double total = 0;
  for (auto it = widths.begin(); it + 1 != widths.end(); ++it) total += double(*it) * *(it + 1);
  return total;
}

// ---- the workloads' fixed shapes ----

constexpr size_t kW1Batch = 128, kW2Batch = 1024, kW4Batch = 256;
constexpr size_t kW3Steps = 10000;
inline size_t w3_steps(const Args& a) { return a.steps ? a.steps : kW3Steps; }
// How many timed calls (after warm-up) W2 and W4 take; torch_bench.py uses the same counts.
inline size_t w2_latency_calls(const Args& a) { return a.quick ? 300 : 3000; }
inline size_t w2_throughput_calls(const Args& a) { return a.quick ? 5 : 30; }
inline size_t w4_steps(const Args& a) { return a.quick ? 8 : 30; }
inline const double kW1Weights = weight_count({784, 256, 128, 10});
inline const double kW4Weights = weight_count({784, 2048, 2048, 10});

// ---- Fashion-MNIST (IDX files, gzip-compressed) ----

inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct Split {
  std::vector<float> images;         // [n, 784], pixels / 255
  std::vector<std::uint8_t> labels;  // [n], 0..9
  size_t size() const { return labels.size(); }
};
struct FashionMnist {
  Split train, test;
};

inline std::vector<std::uint8_t> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw std::runtime_error("cannot open " + path);
  std::vector<std::uint8_t> bytes;
  std::uint8_t chunk[1 << 16];
  int got;
  while ((got = gzread(file, chunk, sizeof chunk)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + got);
  gzclose(file);
  if (got < 0) throw std::runtime_error("cannot decompress " + path);
  return bytes;
}

inline std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

/// Reads one split: "<dir>/<prefix>-images-idx3-ubyte.gz" and its labels file.
inline Split read_split(const std::string& dir, const std::string& prefix) {
  auto images = read_gzip(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  auto labels = read_gzip(dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  if (images.size() < 16 || labels.size() < 8 || big_endian_u32(images.data()) != 0x803 ||
      big_endian_u32(labels.data()) != 0x801)
    throw std::runtime_error(dir + "/" + prefix + ": not IDX image/label files");
  size_t n = big_endian_u32(labels.data() + 4);
  size_t pixels = size_t(big_endian_u32(images.data() + 8)) * big_endian_u32(images.data() + 12);
  if (pixels != 784 || images.size() != 16 + n * pixels || labels.size() != 8 + n)
    throw std::runtime_error(dir + "/" + prefix + ": unexpected sizes");
  Split split;
  split.images.resize(n * pixels);
  for (size_t i = 0; i < split.images.size(); ++i) split.images[i] = images[16 + i] / 255.0f;
  split.labels.assign(labels.begin() + 8, labels.end());
  return split;
}

inline FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDir) {
  return {read_split(dir, "train"), read_split(dir, "t10k")};
}

}  // namespace bench
