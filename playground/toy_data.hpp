// The playground's data: TensorFlow Playground's 2-D toy sets (four classifications, two
// regressions) drawn from a seed, and the input features computed from a point's (x1, x2).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::playground {

/// Rows of raw inputs with one label each: a class number (0, 1, ...) or a value (regression).
struct Points {
  int64_t dims = 2;
  std::vector<float> inputs;  ///< rows * dims
  std::vector<float> labels;  ///< one per row
  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
};

/// Whether `name` is one of the regression sets (reg_plane, reg_gauss).
bool is_regression_set(std::string_view name);

/// `count` points of the set `name` (circle, xor, gauss, spiral, reg_plane, reg_gauss) in
/// [-6, 6]^2, as TensorFlow Playground draws them; `noise` in [0, 0.5] blurs them; gauss and
/// spiral take 2 or more `classes`. Throws for an unknown name.
Points make_toy_set(std::string_view name, int64_t count, double noise, int64_t classes,
                    uint64_t seed);

/// The features the page offers, by name: x1, x2, x1_squared, x2_squared, x1_x2, sin_x1, sin_x2.
const std::vector<std::string>& feature_names();

/// rows * features.size() values: each row's named features from its (x1, x2). Throws for an
/// unknown feature name.
std::vector<float> expand_features(const std::vector<float>& xy,
                                   const std::vector<std::string>& features);

}  // namespace plexus::playground
