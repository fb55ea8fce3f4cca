// The exact integral of integrated gradients for a piecewise linear network (io/explain.hpp):
// Linear, ReLU, LeakyReLU, and BatchNorm1d, Dropout, FeatureScale in eval mode, in Sequentials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "plexus/nn/module.hpp"

namespace plexus::io {

struct PathIntegral {
  /// Per input i: the integral over alpha in [0, 1] of df/dx_i at b + alpha (x - b).
  std::vector<double> gradient_sums;
  double fx = 0, fb = 0;  ///< f(x), f(b)
  int64_t target = 0;     ///< the output f reads: a classifier's argmax at x, else 0
  size_t pieces = 0;      ///< the linear pieces of the path
};

/// The path b -> x through `network` (in eval mode), cut where a ReLU or LeakyReLU unit switches.
/// std::nullopt when a layer is not piecewise linear (an Ensemble counts as not) or the path has
/// more than `max_pieces` pieces.
std::optional<PathIntegral> integrate_linear_pieces(nn::Module& network, const float* x,
                                                    const float* b, int64_t f, bool classification,
                                                    size_t max_pieces);

}  // namespace plexus::io
