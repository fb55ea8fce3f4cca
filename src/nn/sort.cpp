// px::nn::Sort: the sort op; its backward sends each gradient back through the permutation.
#include "plexus/nn/sort.hpp"

#include "base/check.hpp"
#include "plexus/ops/shape_ops.hpp"

namespace plexus::nn {

Tensor Sort::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  return sort(x);
}

}  // namespace plexus::nn
