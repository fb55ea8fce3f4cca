// px::init (also px::nn::init): parameter initialisation, as torch.nn.init. Each function fills a
// tensor in place (a Tensor is a handle, so the caller's tensor changes) and returns it; as in
// PyTorch, the in-place ones end in '_'. Randomness comes from `seed` when given, otherwise from
// the global seed sequence that px::manual_seed() restarts.
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

}  // namespace plexus::init

namespace plexus::nn {
/// torch::nn::init's spelling.
namespace init = ::plexus::init;
}  // namespace plexus::nn
