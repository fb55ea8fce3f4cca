// Reduction kernels on raw pointers.
#pragma once

#include <cstddef>

namespace plexus::cpu {

/// Sum of x[0..n) accumulated in double, in eight interleaved lanes (so the loop vectorises
/// without reassociating: the result is the same on every run).
inline double sum(const float* x, size_t n) {
  double lanes[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t j = 0; j < 8; ++j) lanes[j] += static_cast<double>(x[i + j]);
  double total = 0.0;
  for (; i < n; ++i) total += static_cast<double>(x[i]);
  for (double lane : lanes) total += lane;
  return total;
}

}  // namespace plexus::cpu
