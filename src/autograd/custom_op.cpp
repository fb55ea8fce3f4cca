// custom_op: user-defined ops on top of the engine. The closure keeps the user's backward and
// turns the tensors it returns into accumulated input gradients, checking their shapes.
#include <memory>

#include "autograd/graph.hpp"
#include "base/check.hpp"
#include "plexus/autograd/custom_op.hpp"

namespace plexus {

Tensor custom_op(const std::string& name, std::vector<Tensor> inputs, ForwardFunction forward,
                 BackwardFunction backward) {
  PLEXUS_CHECK(forward && backward, "custom_op '", name, "': forward and backward are required");
  for (size_t i = 0; i < inputs.size(); ++i)
    PLEXUS_CHECK(inputs[i].defined(), "custom_op '", name, "': input ", i, " is empty");
  Tensor output;
  {
    NoGradGuard no_grad;
    output = forward(inputs);
  }
  PLEXUS_CHECK(output.defined(), "custom_op '", name, "': forward returned an empty tensor");
  if (!autograd::should_record(std::span<const Tensor>(inputs))) return output;
  // The output must be a fresh tensor the op owns, not a view of an input or of another node.
  output = output.clone();
  auto state =
      std::make_shared<std::pair<std::string, BackwardFunction>>(name, std::move(backward));
  return autograd::record(
      autograd::Op::custom, std::move(output), std::span<const Tensor>(inputs),
      [state](autograd::BackwardContext& c) {
        std::vector<Tensor> in;
        for (size_t i = 0; i < c.input_count(); ++i) in.push_back(c.input_tensor(i).detach());
        const Tensor out = c.output_tensor().detach();
        const Tensor dout = c.output_grad_tensor();
        const std::vector<Tensor> grads = state->second(BackwardArgs{in, out, dout});
        PLEXUS_CHECK(grads.size() == in.size(), "custom_op '", state->first,
                     "': backward returned ", grads.size(), " gradients for ", in.size(),
                     " inputs");
        for (size_t i = 0; i < in.size(); ++i) {
          float* dx = c.input_grad(i);
          if (!dx || !grads[i].defined()) continue;
          PLEXUS_CHECK(grads[i].shape() == in[i].shape(), "custom_op '", state->first,
                       "': backward returned a gradient of shape ", grads[i].shape(), " for input ",
                       i, " of shape ", in[i].shape());
          const float* g = grads[i].data();
          for (size_t k = 0; k < grads[i].numel(); ++k) dx[k] += g[k];
        }
      });
}

}  // namespace plexus
