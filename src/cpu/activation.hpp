// Scalar activation kernels that more than one op evaluates: written once, so the activation ops
// and the fused losses compute bit-identical values.
#pragma once

#include <algorithm>
#include <cmath>

namespace plexus::cpu {

/// 1 / (1 + e^-x)
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// log(1 + e^x) written as max(x, 0) + log1p(e^-|x|): finite for every x (no exp overflows).
inline float log1p_exp(float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

}  // namespace plexus::cpu
