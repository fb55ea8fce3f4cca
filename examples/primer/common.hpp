// What every primer example shares: the command line (--out DIR, --full), writing figures, the
// machine-checkable `claim: key=value` lines the tests read, and the toy data sets. It uses the
// public API only, as the examples do; it is not part of the library.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <plexus/plexus.hpp>
#include <plexus/plot/figure.hpp>
#include <plexus/plot/report.hpp>
#include <string>
#include <vector>

namespace primer {

namespace px = plexus;

struct Args {
  std::filesystem::path out = ".";  ///< where the SVGs go
  bool full = false;                ///< slower settings for prettier figures
};

/// --out DIR and --full; anything else prints the usage and exits with 2.
inline Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--full") == 0) {
      args.full = true;
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      args.out = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--out DIR] [--full]\n", argv[0]);
      std::exit(2);
    }
  }
  std::filesystem::create_directories(args.out);
  return args;
}

/// Writes figure as DIR/name.svg and says so.
inline void save(const px::plot::Figure& figure, const Args& args, const std::string& name) {
  const auto path = args.out / (name + ".svg");
  figure.save(path.string());
  std::printf("wrote %s\n", path.string().c_str());
}

/// One line the tests parse: "claim: key=value".
inline void claim(const char* key, double value) { std::printf("claim: %s=%.9g\n", key, value); }

inline std::vector<double> to_doubles(const px::Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return {v.begin(), v.end()};
}

inline std::vector<double> iota(size_t n, double first = 0) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

/// Two interleaved spirals, n points each: features [2n, 2] in about [-1, 1], labels [2n] (0, 1).
/// No straight line separates them, which is the primer's point about non-linear data.
inline px::data::Dataset two_spirals(size_t n, float noise, uint64_t seed) {
  px::Generator gen(seed);
  std::vector<float> x, y;
  for (size_t c = 0; c < 2; ++c) {
    for (size_t i = 0; i < n; ++i) {
      const float r = 0.1f + 0.9f * static_cast<float>(i) / static_cast<float>(n);
      const float angle = 3.5f * r * 3.14159265f + static_cast<float>(c) * 3.14159265f;
      x.push_back(r * std::cos(angle) + noise * gen.normal());
      x.push_back(r * std::sin(angle) + noise * gen.normal());
      y.push_back(static_cast<float>(c));
    }
  }
  return {px::Tensor::from(x, {static_cast<int64_t>(2 * n), 2}),
          px::Tensor::from(y, {static_cast<int64_t>(2 * n)})};
}

/// y = sin(3x) + noise for x uniform in [-1, 1]: features [n, 1], targets [n, 1].
inline px::data::Dataset noisy_sine(size_t n, float noise, uint64_t seed) {
  px::Generator gen(seed);
  std::vector<float> x(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = gen.uniform(-1.f, 1.f);
    y[i] = std::sin(3.f * x[i]) + noise * gen.normal();
  }
  const auto rows = static_cast<int64_t>(n);
  return {px::Tensor::from(x, {rows, 1}), px::Tensor::from(y, {rows, 1})};
}

/// Columns 0 and 1 of a [N, 2] tensor, for scatter plots.
inline std::pair<std::vector<double>, std::vector<double>> columns(const px::Tensor& xy) {
  std::vector<double> a, b;
  const float* p = xy.data();
  for (int64_t i = 0; i < xy.shape(0); ++i) {
    a.push_back(p[2 * i]);
    b.push_back(p[2 * i + 1]);
  }
  return {a, b};
}

inline std::vector<int> labels(const px::Tensor& y) {
  std::vector<int> out;
  for (float v : y.to_vector()) out.push_back(static_cast<int>(v));
  return out;
}

}  // namespace primer

namespace primer {

/// The fitting, regularization and early-stopping examples' task: 40 noisy samples of sin(3x) to
/// learn from, 200 more to validate on; few enough that a big network can memorise the noise.
struct SineTask {
  px::data::Dataset train = noisy_sine(40, 0.3f, 1);
  px::data::Dataset validation = noisy_sine(200, 0.3f, 2);
};

/// 1 -> width (x depth, relu) -> 1, with an optional dropout after every hidden layer.
inline px::nn::Sequential mlp(int64_t width, int depth, float dropout = 0.f) {
  px::manual_seed(0);
  px::nn::Sequential net;
  int64_t in = 1;
  for (int d = 0; d < depth; ++d) {
    net.push_back(px::nn::Linear(in, width));
    net.push_back(px::nn::ReLU());
    if (dropout > 0) net.push_back(px::nn::Dropout(dropout));
    in = width;
  }
  net.push_back(px::nn::Linear(in, 1));
  return net;
}

/// The model's curve over [-1, 1], in eval mode.
inline px::plot::Series curve_of(px::nn::Module& model, std::string label) {
  px::NoGradGuard no_grad;
  model.eval();
  const px::Tensor x = px::Tensor::arange(-1.f, 1.001f, 0.01f).reshape({-1, 1});
  return {std::move(label), to_doubles(x), to_doubles(model(x))};
}

}  // namespace primer
