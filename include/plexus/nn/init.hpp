// px::init (also px::nn::init): parameter initialisation, as torch.nn.init. Each function fills a
// tensor in place (a Tensor is a handle, so the caller's tensor changes) and returns it; as in
// PyTorch, the in-place ones end in '_'. The names without '_' are deprecated forwards. Randomness
// comes from `seed` when given, otherwise from the global seed sequence that px::manual_seed()
// restarts.
//
// Fans, as PyTorch computes them: for a weight of shape [Out, In, k...] (Linear's [Out, In]),
// fan_in = In * prod(k), fan_out = Out * prod(k). A tensor needs at least 2 dimensions to have
// fans.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::init {

enum class FanMode { fan_in, fan_out };

/// The recommended gain for a nonlinearity (PyTorch's calculate_gain): "linear", "identity" and
/// "sigmoid" -> 1, "tanh" -> 5/3, "relu" -> sqrt(2), "leaky_relu" -> sqrt(2 / (1 + slope^2)) with
/// slope = param (default 0.01), "selu" -> 3/4.
float calculate_gain(std::string_view nonlinearity, std::optional<float> param = std::nullopt);

Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
Tensor constant_(Tensor t, float value);
/// U(a, b)
Tensor uniform_(Tensor t, float a = 0.0f, float b = 1.0f,
                std::optional<uint64_t> seed = std::nullopt);
/// N(mean, std^2)
Tensor normal_(Tensor t, float mean = 0.0f, float std = 1.0f,
               std::optional<uint64_t> seed = std::nullopt);

/// Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt);
/// Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt);

/// He: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a),
/// fan = fan_in or fan_out. `a` is leaky_relu's negative slope (unused by other nonlinearities).
Tensor kaiming_uniform_(Tensor t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                        std::string_view nonlinearity = "leaky_relu",
                        std::optional<uint64_t> seed = std::nullopt);
/// He: N(0, std^2) with std = gain / sqrt(fan), gain and fan as in kaiming_uniform_.
Tensor kaiming_normal_(Tensor t, float a = 0.0f, FanMode mode = FanMode::fan_in,
                       std::string_view nonlinearity = "leaky_relu",
                       std::optional<uint64_t> seed = std::nullopt);

/// LeCun: N(0, std^2) with std = 1 / sqrt(fan_in), the start that SELU networks assume.
/// (Keras draws a normal truncated at 2 std, rescaled to the same std; this one is untruncated.)
Tensor lecun_normal_(Tensor t, std::optional<uint64_t> seed = std::nullopt);

/// Orthogonal (Saxe et al.): t viewed as [Rows, Cols] = [shape[0], numel / shape[0]] gets
/// orthonormal rows (Rows <= Cols) or columns (Rows >= Cols), times `gain`: the Q of a QR
/// decomposition of a normal matrix, signs fixed so R's diagonal is positive, as in PyTorch.
Tensor orthogonal_(Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt);

// The old spellings, without PyTorch's '_' for in-place.
[[deprecated("use zeros_")]] inline Tensor zeros(Tensor t) { return zeros_(std::move(t)); }
[[deprecated("use ones_")]] inline Tensor ones(Tensor t) { return ones_(std::move(t)); }
[[deprecated("use constant_")]] inline Tensor constant(Tensor t, float value) {
  return constant_(std::move(t), value);
}
[[deprecated("use uniform_")]] inline Tensor uniform(Tensor t, float a = 0.0f, float b = 1.0f,
                                                     std::optional<uint64_t> seed = std::nullopt) {
  return uniform_(std::move(t), a, b, seed);
}
[[deprecated("use normal_")]] inline Tensor normal(Tensor t, float mean = 0.0f, float std = 1.0f,
                                                   std::optional<uint64_t> seed = std::nullopt) {
  return normal_(std::move(t), mean, std, seed);
}
[[deprecated("use xavier_uniform_")]] inline Tensor xavier_uniform(
    Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt) {
  return xavier_uniform_(std::move(t), gain, seed);
}
[[deprecated("use xavier_normal_")]] inline Tensor xavier_normal(
    Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt) {
  return xavier_normal_(std::move(t), gain, seed);
}
[[deprecated("use kaiming_uniform_")]] inline Tensor kaiming_uniform(
    Tensor t, float a = 0.0f, FanMode mode = FanMode::fan_in,
    std::string_view nonlinearity = "leaky_relu", std::optional<uint64_t> seed = std::nullopt) {
  return kaiming_uniform_(std::move(t), a, mode, nonlinearity, seed);
}
[[deprecated("use kaiming_normal_")]] inline Tensor kaiming_normal(
    Tensor t, float a = 0.0f, FanMode mode = FanMode::fan_in,
    std::string_view nonlinearity = "leaky_relu", std::optional<uint64_t> seed = std::nullopt) {
  return kaiming_normal_(std::move(t), a, mode, nonlinearity, seed);
}
[[deprecated("use lecun_normal_")]] inline Tensor lecun_normal(
    Tensor t, std::optional<uint64_t> seed = std::nullopt) {
  return lecun_normal_(std::move(t), seed);
}
[[deprecated("use orthogonal_")]] inline Tensor orthogonal(
    Tensor t, float gain = 1.0f, std::optional<uint64_t> seed = std::nullopt) {
  return orthogonal_(std::move(t), gain, seed);
}

}  // namespace plexus::init

namespace plexus::nn {
/// torch::nn::init's spelling.
namespace init = ::plexus::init;
}  // namespace plexus::nn
