// Scalar activation kernels and constants that more than one place evaluates: written once, so the
// activation ops, the fused losses and the exporters (io/activation_export.cpp) compute
// bit-identical values.
#pragma once

#include <algorithm>
#include <cmath>

#include "cpu/sigmoid.hpp"

namespace plexus::cpu {

// SELU's constants, as in PyTorch (Klambauer et al. 2017).
inline constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
inline constexpr float kSeluScale = 1.0507009873554804934193349852946f;
// GELU's: erf form x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, and the tanh approximation's.
inline constexpr float kInvSqrt2 = 0.70710678118654752440f;     // 1 / sqrt(2)
inline constexpr float kInvSqrt2Pi = 0.39894228040143267794f;   // 1 / sqrt(2 pi)
inline constexpr float kSqrt2OverPi = 0.79788456080286535588f;  // sqrt(2 / pi)
inline constexpr float kGeluCubic = 0.044715f;

/// 1 / (1 + e^-x), the same bits as the sigmoid op's vector kernel (cpu/sigmoid.hpp)
inline float sigmoid(float x) { return sigmoid_lanes(x); }

/// log(1 + e^x) written as max(x, 0) + log1p(e^-|x|): finite for every x (no exp overflows).
inline float log1p_exp(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

}  // namespace plexus::cpu
