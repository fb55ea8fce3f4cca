// L1 and L2 penalties, composed from the differentiable ops abs, square, sum and mul, so their
// gradients need no code of their own.
#include "plexus/optim/regularization.hpp"

#include "base/check.hpp"
#include "plexus/ops.hpp"

namespace plexus {
namespace {

template <typename Term>
Tensor penalty(const char* name, const std::vector<Tensor>& params, float lambda, Term term) {
  PLEXUS_CHECK(lambda >= 0.0f, name, ": invalid lambda = ", lambda, "; it must be >= 0");
  Tensor total;
  for (size_t i = 0; i < params.size(); ++i) {
    PLEXUS_CHECK(params[i].defined(), name, ": parameter ", i, " is an empty tensor");
    const Tensor t = term(params[i]);
    total = total.defined() ? total + t : t;
  }
  if (!total.defined()) return Tensor::scalar(0.0f);
  return total * lambda;
}

}  // namespace

Tensor l1_penalty(const std::vector<Tensor>& params, float lambda) {
  return penalty("l1_penalty", params, lambda, [](const Tensor& w) { return sum(abs(w)); });
}

Tensor l2_penalty(const std::vector<Tensor>& params, float lambda) {
  return penalty("l2_penalty", params, lambda, [](const Tensor& w) { return sum(square(w)); });
}

}  // namespace plexus
