// Gradient clipping and per-parameter gradient norms: the remedies and the diagnostics for
// exploding and vanishing gradients. They act on the gradients already accumulated by backward(),
// in place, between backward() and optimizer.step(). Parameters without a gradient are skipped.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "plexus/tensor/named_tensors.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// total = the norm_type-norm of all gradients taken together ((sum |g|^p)^(1/p); for
/// norm_type = inf, max |g|). When max_norm / (total + 1e-6) < 1 every gradient is multiplied by
/// it (torch.nn.utils.clip_grad_norm_). Returns total, measured before clipping.
/// NOTE: unlike PyTorch, a non-finite total (a NaN or Inf gradient) leaves the gradients as they
/// are instead of scaling them to NaN, so the caller can report the bad gradient.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

/// Limits every gradient element to [-clip_value, clip_value] (torch.nn.utils.clip_grad_value_).
void clip_grad_value(const std::vector<Tensor>& params, double clip_value);

struct GradNorm {
  std::string name;
  double norm = 0.0;
};

/// The norm_type-norm of each named parameter's gradient (from Module::named_parameters()), in
/// order, for diagnostics: which layer's gradients vanish or explode, and where a NaN sits.
std::vector<GradNorm> grad_norms(const NamedTensors& named_params, double norm_type = 2.0);

}  // namespace plexus
