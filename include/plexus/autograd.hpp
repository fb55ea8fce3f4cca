// User-defined differentiable ops and the gradient checker.
//
// A custom op is a forward function on tensors and a backward function that, given the gradient
// of the output, returns the gradient of each input. Both run outside the graph, so they may use
// any plexus op. Example, a "soft sign" activation x / (1 + |x|), whose derivative is
// 1 / (1 + |x|)^2:
//
//   px::Tensor softsign(const px::Tensor& x) {
//     return px::custom_op("softsign", {x},
//         [](const std::vector<px::Tensor>& in) { return in[0] / (px::abs(in[0]) + 1.f); },
//         [](const px::BackwardArgs& a) {
//           px::Tensor d = px::abs(a.inputs[0]) + 1.f;
//           return std::vector<px::Tensor>{a.grad_output / (d * d)};
//         });
//   }
//
// Check it with px::gradcheck([](auto& in) { return softsign(in[0]); }, {x}).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plexus/tensor.hpp"

namespace plexus {

/// What a custom op's backward receives.
struct BackwardArgs {
  const std::vector<Tensor>& inputs;
  const Tensor& output;
  const Tensor& grad_output;  ///< d(loss)/d(output), shaped like output
};

using ForwardFunction = std::function<Tensor(const std::vector<Tensor>& inputs)>;
/// Returns one gradient per input, shaped like that input; an empty Tensor means "no gradient".
using BackwardFunction = std::function<std::vector<Tensor>(const BackwardArgs& args)>;

/// Runs `forward` on `inputs` and records `backward` as its gradient rule under `name`.
Tensor custom_op(const std::string& name, std::vector<Tensor> inputs, ForwardFunction forward,
                 BackwardFunction backward);

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
