// The gradient checker (src/ops/gradcheck.cpp): autograd's gradients against central finite
// differences, for one op, a composition, a custom op or a whole model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

struct GradcheckOptions {
  float eps = 1e-3f;        ///< central-difference step
  double tolerance = 1e-2;  ///< worst relative error allowed
  double abs_floor = 1e-2;  ///< denominators below this count as this (absolute error near 0)
  uint64_t seed = 0;        ///< for the random weights that reduce the output to a scalar
};

struct GradcheckResult {
  bool ok = true;
  /// Per input: max |analytic - numeric| / max(|analytic|, |numeric|, abs_floor).
  std::vector<double> max_relative_error;
  /// A readable account: the worst element of each input, analytic vs numeric.
  std::string report;
};

/// Compares f's autograd gradients with central finite differences for every element of every
/// input. The output is reduced as L = sum(r * f(inputs)) with random r, so a transposed or
/// permuted gradient cannot pass.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

/// The same check for a whole model: `loss` computes the output from the model's own
/// `parameters` (leaves that require grad), which are perturbed in place and restored, and whose
/// gradients are set aside and put back. Put the model in eval() mode, or fix dropout's seed, so
/// that every evaluation computes the same function:
///   model.eval();
///   px::gradcheck([&] { return px::loss::mse(model(x), y); }, model.parameters());
GradcheckResult gradcheck(const std::function<Tensor()>& loss,
                          const std::vector<Tensor>& parameters,
                          const GradcheckOptions& options = {});

}  // namespace plexus
