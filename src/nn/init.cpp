// px::init: torch.nn.init's schemes on plexus' generator. Bounds and
// standard deviations are computed in double and rounded once, so they agree with the formulas.
#include "plexus/nn/init.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "base/check.hpp"
#include "nn/init_detail.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::init {

namespace detail {
void fill_uniform(Tensor& t, float low, float high, Generator& generator) {
  float* p = t.data();
  for (size_t i = 0; i < t.numel(); ++i) p[i] = generator.uniform(low, high);
}
}  // namespace detail

namespace {

Generator generator_for(std::optional<uint64_t> seed) {
  return Generator(seed ? *seed : next_seed());
}

Tensor& checked(Tensor& t, const char* scheme) {
  PLEXUS_CHECK(t.defined(), "init::", scheme, ": the tensor is empty");
  return t;
}

struct Fans {
  double in = 0, out = 0;
};

// fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (PyTorch's rule).
Fans fans_of(const Tensor& t, const char* scheme) {
  PLEXUS_CHECK(t.rank() >= 2, "init::", scheme, ": fan in and fan out need a tensor of at least ",
               "2 dimensions, got shape ", t.shape());
  double receptive = 1;
  for (size_t i = 2; i < t.rank(); ++i) receptive *= static_cast<double>(t.shape()[i]);
  return {static_cast<double>(t.shape()[1]) * receptive,
          static_cast<double>(t.shape()[0]) * receptive};
}

double fan_for(const Tensor& t, FanMode mode, const char* scheme) {
  const Fans fans = fans_of(t, scheme);
  const double fan = mode == FanMode::fan_in ? fans.in : fans.out;
  PLEXUS_CHECK(fan > 0, "init::", scheme, ": tensor of shape ", t.shape(), " has a zero fan");
  return fan;
}

Tensor fill_normal(Tensor t, double mean, double std, std::optional<uint64_t> seed) {
  Generator generator = generator_for(seed);
  float* p = t.data();
  for (size_t i = 0; i < t.numel(); ++i)
    p[i] = static_cast<float>(mean) + static_cast<float>(std) * generator.normal();
  return t;
}

Tensor fill_symmetric_uniform(Tensor t, double bound, std::optional<uint64_t> seed) {
  Generator generator = generator_for(seed);
  detail::fill_uniform(t, static_cast<float>(-bound), static_cast<float>(bound), generator);
  return t;
}

}  // namespace

float calculate_gain(std::string_view nonlinearity, std::optional<float> param) {
  if (nonlinearity == "linear" || nonlinearity == "identity" || nonlinearity == "sigmoid")
    return 1.0f;
  if (nonlinearity == "tanh") return 5.0f / 3.0f;
  if (nonlinearity == "relu") return static_cast<float>(std::sqrt(2.0));
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01f);
    return static_cast<float>(std::sqrt(2.0 / (1.0 + slope * slope)));
  }
  if (nonlinearity == "selu") return 0.75f;
  ::plexus::detail::throw_error("init::calculate_gain: unsupported nonlinearity '",
                                std::string(nonlinearity),
                                "' (expected linear, identity, sigmoid, tanh, relu, leaky_relu or "
                                "selu)");
}

Tensor zeros_(Tensor t) { return constant_(std::move(t), 0.0f); }
Tensor ones_(Tensor t) { return constant_(std::move(t), 1.0f); }

Tensor constant_(Tensor t, float value) {
  checked(t, "constant");
  std::fill_n(t.data(), t.numel(), value);
  return t;
}

Tensor uniform_(Tensor t, float a, float b, std::optional<uint64_t> seed) {
  checked(t, "uniform");
  PLEXUS_CHECK(a <= b, "init::uniform: lower bound ", a, " is above upper bound ", b);
  Generator generator = generator_for(seed);
  detail::fill_uniform(t, a, b, generator);
  return t;
}

Tensor normal_(Tensor t, float mean, float std, std::optional<uint64_t> seed) {
  checked(t, "normal");
  PLEXUS_CHECK(std >= 0, "init::normal: std must be >= 0, got ", std);
  return fill_normal(std::move(t), mean, std, seed);
}

Tensor xavier_uniform_(Tensor t, float gain, std::optional<uint64_t> seed) {
  const Fans fans = fans_of(checked(t, "xavier_uniform"), "xavier_uniform");
  const double bound = gain * std::sqrt(6.0 / (fans.in + fans.out));
  return fill_symmetric_uniform(std::move(t), bound, seed);
}

Tensor xavier_normal_(Tensor t, float gain, std::optional<uint64_t> seed) {
  const Fans fans = fans_of(checked(t, "xavier_normal"), "xavier_normal");
  return fill_normal(std::move(t), 0.0, gain * std::sqrt(2.0 / (fans.in + fans.out)), seed);
}

Tensor kaiming_uniform_(Tensor t, float a, FanMode mode, std::string_view nonlinearity,
                        std::optional<uint64_t> seed) {
  const double fan = fan_for(checked(t, "kaiming_uniform"), mode, "kaiming_uniform");
  const double gain = calculate_gain(nonlinearity, a);
  return fill_symmetric_uniform(std::move(t), gain * std::sqrt(3.0 / fan), seed);
}

Tensor kaiming_normal_(Tensor t, float a, FanMode mode, std::string_view nonlinearity,
                       std::optional<uint64_t> seed) {
  const double fan = fan_for(checked(t, "kaiming_normal"), mode, "kaiming_normal");
  const double gain = calculate_gain(nonlinearity, a);
  return fill_normal(std::move(t), 0.0, gain / std::sqrt(fan), seed);
}

Tensor lecun_normal_(Tensor t, std::optional<uint64_t> seed) {
  const double fan = fan_for(checked(t, "lecun_normal"), FanMode::fan_in, "lecun_normal");
  return fill_normal(std::move(t), 0.0, 1.0 / std::sqrt(fan), seed);
}

// Q of the QR decomposition of an N x M normal matrix (N >= M), by modified Gram-Schmidt run
// twice per column ("twice is enough", Giraud et al.), in double. Gram-Schmidt's R has a
// positive diagonal, which is the sign convention PyTorch enforces.
Tensor orthogonal_(Tensor t, float gain, std::optional<uint64_t> seed) {
  checked(t, "orthogonal");
  PLEXUS_CHECK(t.rank() >= 2, "init::orthogonal: needs a tensor of at least 2 dimensions, got ",
               "shape ", t.shape());
  const auto rows = static_cast<size_t>(t.shape()[0]);
  const size_t cols = rows == 0 ? 0 : t.numel() / rows;
  if (t.numel() == 0) return t;
  const bool wide = rows < cols;  // then orthonormalise the rows: work on the transpose
  const size_t n = wide ? cols : rows;
  const size_t m = wide ? rows : cols;

  Generator generator = generator_for(seed);
  std::vector<float> normal(rows * cols);
  for (float& v : normal) v = generator.normal();
  // q[k]: column k of the N x M matrix being orthonormalised.
  std::vector<std::vector<double>> q(m, std::vector<double>(n));
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) {
      const double v = normal[i * cols + j];
      if (wide) {
        q[i][j] = v;
      } else {
        q[j][i] = v;
      }
    }
  for (size_t k = 0; k < m; ++k) {
    std::vector<double>& v = q[k];
    for (int pass = 0; pass < 2; ++pass)
      for (size_t j = 0; j < k; ++j) {
        double dot = 0;
        for (size_t i = 0; i < n; ++i) dot += q[j][i] * v[i];
        for (size_t i = 0; i < n; ++i) v[i] -= dot * q[j][i];
      }
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    PLEXUS_CHECK(norm > 0, "init::orthogonal: degenerate random matrix (try another seed)");
    for (double& x : v) x /= norm;
  }
  float* out = t.data();
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j)
      out[i * cols + j] = static_cast<float>(gain * (wide ? q[i][j] : q[j][i]));
  return t;
}

}  // namespace plexus::init
