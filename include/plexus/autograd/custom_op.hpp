// User-defined differentiable ops (src/autograd/custom_op.cpp).
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
// Check it with px::gradcheck([](auto& in) { return softsign(in[0]); }, {x}) (ops/gradcheck.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plexus/tensor/tensor.hpp"

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

}  // namespace plexus
