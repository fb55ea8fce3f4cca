// Activation functions as differentiable ops (their nn:: module forms are in nn/activation.hpp).
// Each op's formula and derivative are in its source, src/ops/activation.cpp.
#pragma once

#include <cstdint>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

enum class GeluApproximation { none, tanh };

Tensor sigmoid(const Tensor& x);  ///< 1 / (1 + e^-x), in (0, 1); derivative <= 0.25
Tensor tanh(const Tensor& x);     ///< in (-1, 1); derivative <= 1
Tensor relu(const Tensor& x);     ///< max(0, x); derivative 0 or 1 (0 at x = 0)
/// x if x > 0 else negative_slope * x; derivative negative_slope at x <= 0 (as in PyTorch)
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
/// x if x > 0 else alpha (e^x - 1); derivative alpha e^x at x <= 0 (alpha at 0)
Tensor elu(const Tensor& x, float alpha = 1.0f);
/// scale * elu(x, alpha) with PyTorch's constants alpha = 1.6732632, scale = 1.0507010
Tensor selu(const Tensor& x);
/// x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, or its tanh approximation
Tensor gelu(const Tensor& x, GeluApproximation approximate = GeluApproximation::none);
Tensor silu(const Tensor& x);  ///< x * sigmoid(x), also called swish
/// log(1 + e^(beta x)) / beta; linear where beta x > threshold
Tensor softplus(const Tensor& x, float beta = 1.0f, float threshold = 20.0f);
/// Normalised exponentials along `dim`; stable for any logits (the max is subtracted).
Tensor softmax(const Tensor& x, int64_t dim = -1);
/// x - log(sum(e^x)) along `dim`, computed without forming softmax (exact at logits of 1000).
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

}  // namespace plexus
