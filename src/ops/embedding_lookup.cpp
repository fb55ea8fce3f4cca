// The embedding lookup (torch.nn.functional.embedding): each index picks a row of a table. It is
// the op under nn::CategoricalEmbedding; the indices arrive as floats, as every tensor holds them.
// V = rows of the table (its categories), D = embedding width; `input` may have any shape.
#include <cmath>
#include <memory>
#include <vector>

#include "ops/common.hpp"
#include "plexus/ops/embedding.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

// y[..., e] = weight[input[...], e].  Backward scatter-adds: dweight[input[i], e] += dy[i, e], so
// an index that appears twice collects both gradients. The indices get no gradient (PyTorch's too).
Tensor embedding(const Tensor& input, const Tensor& weight) {
  PLEXUS_CHECK(input.defined(), "embedding: the input (indices) is empty");
  PLEXUS_CHECK(weight.defined() && weight.rank() == 2,
               "embedding: weight must be a 2-D table [V, D], got ",
               weight.defined() ? weight.shape() : Shape{});
  const int64_t rows = weight.shape()[0];
  const auto width = static_cast<size_t>(weight.shape()[1]);
  const size_t n = input.numel();
  // The rows to copy, checked once here; the backward reuses them.
  auto picked = std::make_shared<std::vector<size_t>>(n);
  const float* indices = input.data();
  for (size_t i = 0; i < n; ++i) {
    const float v = indices[i];
    PLEXUS_CHECK(v >= 0.0f && v < static_cast<float>(rows) && std::floor(v) == v,
                 "embedding: index ", v, " (element ", i, " of the input, shape ", input.shape(),
                 ") is not a row of the weight, shape ", weight.shape(),
                 "; indices must be whole numbers from 0 to ", rows - 1);
    (*picked)[i] = static_cast<size_t>(v);
  }
  std::vector<int64_t> out_shape(input.shape().begin(), input.shape().begin() + input.rank());
  out_shape.push_back(static_cast<int64_t>(width));
  Tensor y = Tensor::empty(Shape(out_shape));
  const float* table = weight.data();
  float* out = y.data();
  for (size_t i = 0; i < n; ++i) std::copy_n(table + (*picked)[i] * width, width, out + i * width);
  return autograd::record(Op::embedding, std::move(y), {weight},
                          [picked, width](BackwardContext& c) {
                            float* dweight = c.input_grad(0);
                            const float* dy = c.output_grad();
                            for (size_t i = 0; i < picked->size(); ++i) {
                              float* row = dweight + (*picked)[i] * width;
                              for (size_t e = 0; e < width; ++e) row[e] += dy[i * width + e];
                            }
                          });
}

}  // namespace plexus
