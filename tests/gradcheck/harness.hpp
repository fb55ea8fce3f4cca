// One table of gradient checks for every recorded op. Each family of ops registers its cases
// from its own file (tests/gradcheck/<family>.cpp); coverage_test fails when an op in
// src/autograd/op.hpp has no case.
#pragma once

#include <functional>
#include <optional>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

namespace plexus::testing {

struct GradcheckCase {
  std::string name;              ///< shown on failure, e.g. "add/broadcast-row"
  std::vector<std::string> ops;  ///< names of the ops (kOpNames) this case covers
  std::vector<Shape> shapes;     ///< one random input per shape
  std::function<Tensor(const std::vector<Tensor>&)> f;
  /// Input values: normal(0, 1) by default; `low`/`high` switch to uniform in [low, high).
  std::optional<float> low, high;
  /// Keep inputs at least 0.05 away from this value (kinks of relu, abs, clamp ...).
  std::optional<float> avoid_kink_at;
  /// Replaces the random inputs entirely (e.g. class indices for a loss).
  std::function<std::vector<Tensor>()> make_inputs;
  /// Inputs at these positions are held fixed (not checked), e.g. targets.
  std::vector<size_t> constant_inputs;
  double tolerance = 1e-2;
  float eps = 1e-3f;  ///< the central-difference step (see linear_in_each_input)
};

/// `c` with a step of 0.1: for an op linear in each input element (matmul, linear) central
/// differences are exact at any step, and the larger one keeps the float32 rounding of the
/// forward sums out of the estimate (at a step of 1e-3 it reaches 3e-4, 1% of a small gradient).
inline GradcheckCase linear_in_each_input(GradcheckCase c) {
  c.eps = 0.1f;
  return c;
}

/// Adds cases to the global table; use at namespace scope:
///   static const bool registered = plexus::testing::register_gradcheck({...});
bool register_gradcheck(std::vector<GradcheckCase> cases);
const std::vector<GradcheckCase>& gradcheck_cases();

}  // namespace plexus::testing
