// Ops that move data without arithmetic: reshape and slice_rows (views of the same storage),
// transpose, broadcast_to, concat/stack and index_rows (copies). Each backward moves the gradient
// back to where the value came from.
#include <algorithm>
#include <vector>

#include "cpu/workers.hpp"
#include "ops/broadcast.hpp"
#include "ops/common.hpp"
#include "plexus/cpu/threads.hpp"
#include "plexus/ops.hpp"

namespace plexus {

using autograd::Op;
using ops::BackwardContext;

namespace {

// Floats a thread copies at least in index_rows before another shares the work (128 KB).
constexpr size_t kMinCopyPerThread = 32768;

Shape infer_shape(const Shape& from, const Shape& to) {
  Shape shape = to;
  size_t known = 1;
  int64_t inferred = -1;
  for (size_t i = 0; i < shape.rank(); ++i) {
    if (shape[i] == -1) {
      PLEXUS_CHECK(inferred < 0, "reshape: ", from, " -> ", to, ": only one dimension may be -1");
      inferred = static_cast<int64_t>(i);
    } else {
      PLEXUS_CHECK(shape[i] >= 0, "reshape: ", from, " -> ", to, ": negative dimension");
      known *= static_cast<size_t>(shape[i]);
    }
  }
  const size_t numel = from.numel();
  if (inferred >= 0) {
    PLEXUS_CHECK(known != 0 && numel % known == 0, "reshape: cannot infer -1 in ", to, " for ",
                 numel, " elements of shape ", from);
    shape[static_cast<size_t>(inferred)] = static_cast<int64_t>(numel / known);
  }
  PLEXUS_CHECK(shape.numel() == numel, "reshape: ", from, " (", numel, " elements) cannot become ",
               to, " (", shape.numel(), " elements)");
  return shape;
}

// The gradient of a view has the input's layout, so it adds element by element.
void add_into(float* dst, const float* src, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] += src[i];
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  ops::require_defined(x, "reshape");
  const Shape target = infer_shape(x.shape(), shape);
  detail::TensorImpl& in = detail::impl_of(x);
  Tensor y = detail::adopt(detail::new_view(target, in.storage, in.data));
  return autograd::record(Op::reshape, std::move(y), {x}, [](BackwardContext& c) {
    add_into(c.input_grad(0), c.output_grad(), c.numel());
  });
}

Tensor Tensor::reshape(const Shape& shape) const { return plexus::reshape(*this, shape); }

// y[j, i] = x[i, j]; dx[i, j] += dy[j, i]
Tensor transpose(const Tensor& x) {
  ops::require_defined(x, "transpose");
  PLEXUS_CHECK(x.rank() == 2, "transpose: expected a 2-D tensor, got shape ", x.shape());
  const auto rows = static_cast<size_t>(x.shape()[0]);
  const auto cols = static_cast<size_t>(x.shape()[1]);
  Tensor y = Tensor::empty({x.shape()[1], x.shape()[0]});
  const float* px = x.data();
  float* py = y.data();
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < cols; ++j) py[j * rows + i] = px[i * cols + j];
  return autograd::record(Op::transpose, std::move(y), {x}, [rows, cols](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const float* dy = c.output_grad();
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) dx[i * cols + j] += dy[j * rows + i];
  });
}

Tensor Tensor::transpose() const { return plexus::transpose(*this); }

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
  ops::require_defined(*this, "slice_rows");
  const Shape& s = shape();
  PLEXUS_CHECK(s.rank() >= 1, "slice_rows: a scalar has no rows");
  PLEXUS_CHECK(0 <= begin && begin <= end && end <= s[0], "slice_rows: rows [", begin, ", ", end,
               ") are out of range for shape ", s);
  const size_t row = s[0] == 0 ? 0 : numel() / static_cast<size_t>(s[0]);
  Shape out = s;
  out[0] = end - begin;
  detail::TensorImpl& in = detail::impl_of(*this);
  const size_t offset = static_cast<size_t>(begin) * row;
  Tensor y = detail::adopt(detail::new_view(out, in.storage, in.data + offset));
  return autograd::record(Op::slice_rows, std::move(y), {*this}, [offset](BackwardContext& c) {
    add_into(c.input_grad(0) + offset, c.output_grad(), c.numel());
  });
}

// y = x repeated along broadcast dimensions; dx sums the gradient of every copy.
Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  ops::require_defined(x, "broadcast_to");
  const ops::BroadcastPlan plan(shape, x.shape(), "broadcast_to");
  PLEXUS_CHECK(plan.out == shape, "broadcast_to: shape ", x.shape(), " cannot be broadcast to ",
               shape);
  Tensor y = Tensor::empty(shape);
  const float* px = x.data();
  float* py = y.data();
  ops::for_each_broadcast(plan, [&](size_t i, size_t, size_t ix) { py[i] = px[ix]; });
  return autograd::record(Op::broadcast_to, std::move(y), {x}, [](BackwardContext& c) {
    const ops::BroadcastPlan plan(c.output_shape(), c.input_shape(0), "broadcast_to");
    float* dx = c.input_grad(0);
    const float* dy = c.output_grad();
    ops::for_each_broadcast(plan, [&](size_t i, size_t, size_t ix) { dx[ix] += dy[i]; });
  });
}

// Along `dim` every input is a block of [Outer, size_i * Inner]; the output interleaves them.
Tensor concat(std::span<const Tensor> tensors, int64_t dim) {
  PLEXUS_CHECK(!tensors.empty(), "concat: no tensors given");
  for (const Tensor& t : tensors) ops::require_defined(t, "concat");
  const Shape& first = tensors[0].shape();
  const size_t a = ops::normalize_dim(dim, first.rank(), "concat", first);
  Shape out = first;
  out[a] = 0;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const Shape& s = tensors[t].shape();
    bool same = s.rank() == first.rank();
    for (size_t i = 0; same && i < s.rank(); ++i) same = (i == a) || s[i] == first[i];
    PLEXUS_CHECK(same, "concat: tensor ", t, " has shape ", s, ", which does not match ", first,
                 " outside dim ", a);
    out[a] += s[a];
  }
  size_t outer = 1, inner = 1;
  for (size_t i = 0; i < a; ++i) outer *= static_cast<size_t>(first[i]);
  for (size_t i = a + 1; i < first.rank(); ++i) inner *= static_cast<size_t>(first[i]);
  const size_t out_row = static_cast<size_t>(out[a]) * inner;

  Tensor y = Tensor::empty(out);
  size_t column = 0;
  for (const Tensor& t : tensors) {
    const size_t width = static_cast<size_t>(t.shape()[a]) * inner;
    for (size_t o = 0; o < outer; ++o)
      std::copy_n(t.data() + o * width, width, y.data() + o * out_row + column);
    column += width;
  }
  return autograd::record(Op::concat, std::move(y), tensors, [a, outer, inner](BackwardContext& c) {
    const size_t out_row = static_cast<size_t>(c.output_shape()[a]) * inner;
    const float* dy = c.output_grad();
    size_t column = 0;
    for (size_t t = 0; t < c.input_count(); ++t) {
      const size_t width = static_cast<size_t>(c.input_shape(t)[a]) * inner;
      if (float* dx = c.input_grad(t))
        for (size_t o = 0; o < outer; ++o)
          add_into(dx + o * width, dy + o * out_row + column, width);
      column += width;
    }
  });
}

Tensor concat(std::initializer_list<Tensor> tensors, int64_t dim) {
  return concat(std::span<const Tensor>(tensors.begin(), tensors.size()), dim);
}

// stack = concat of the inputs each reshaped with a new dimension of size 1 at `dim`.
Tensor stack(std::span<const Tensor> tensors, int64_t dim) {
  PLEXUS_CHECK(!tensors.empty(), "stack: no tensors given");
  ops::require_defined(tensors[0], "stack");
  const Shape& first = tensors[0].shape();
  const size_t a = ops::normalize_dim(dim, first.rank() + 1, "stack", first);
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (size_t t = 0; t < tensors.size(); ++t) {
    ops::require_defined(tensors[t], "stack");
    PLEXUS_CHECK(tensors[t].shape() == first, "stack: tensor ", t, " has shape ",
                 tensors[t].shape(), ", expected ", first, " like tensor 0");
    Shape s;
    for (size_t i = 0; i <= first.rank(); ++i) {
      if (i == a) s.push_back(1);
      if (i < first.rank()) s.push_back(first[i]);
    }
    expanded.push_back(tensors[t].reshape(s));
  }
  return concat(expanded, static_cast<int64_t>(a));
}

Tensor stack(std::initializer_list<Tensor> tensors, int64_t dim) {
  return stack(std::span<const Tensor>(tensors.begin(), tensors.size()), dim);
}

// y[r] = x[indices[r]]; dx[indices[r]] += dy[r] (repeated indices accumulate)
Tensor index_rows(const Tensor& x, std::span<const int64_t> indices) {
  ops::require_defined(x, "index_rows");
  PLEXUS_CHECK(x.rank() >= 1, "index_rows: a scalar has no rows");
  const int64_t rows = x.shape()[0];
  const size_t width = rows == 0 ? 0 : x.numel() / static_cast<size_t>(rows);
  Shape out = x.shape();
  out[0] = static_cast<int64_t>(indices.size());
  for (const int64_t index : indices)
    PLEXUS_CHECK(index >= 0 && index < rows, "index_rows: index ", index,
                 " is out of range for shape ", x.shape());
  Tensor y = Tensor::empty(out);
  // A mini-batch gathered from a large table waits on memory at each row: one part per thread.
  const size_t parts =
      std::clamp<size_t>(indices.size() * width / kMinCopyPerThread, 1,
                         std::min<size_t>(num_threads(), std::max<size_t>(indices.size(), 1)));
  cpu::run_on_workers(parts, [&](size_t part) {
    const size_t end = indices.size() * (part + 1) / parts;
    for (size_t r = indices.size() * part / parts; r < end; ++r)
      std::copy_n(x.data() + static_cast<size_t>(indices[r]) * width, width, y.data() + r * width);
  });
  if (!autograd::should_record({x})) return y;
  std::vector<int64_t> saved(indices.begin(), indices.end());
  return autograd::record(
      Op::index_rows, std::move(y), {x}, [width, saved = std::move(saved)](BackwardContext& c) {
        float* dx = c.input_grad(0);
        const float* dy = c.output_grad();
        for (size_t r = 0; r < saved.size(); ++r)
          add_into(dx + static_cast<size_t>(saved[r]) * width, dy + r * width, width);
      });
}

// y[r, k] = x[r, p_r(k)] with p_r the permutation that sorts row r; dx[r, p_r(k)] += dy[r, k]
Tensor sort(const Tensor& x) {
  ops::require_defined(x, "sort");
  PLEXUS_CHECK(x.rank() >= 1, "sort: a scalar has no dimension to sort along");
  const auto width = static_cast<size_t>(x.shape().back());
  const size_t rows = width == 0 ? 0 : x.numel() / width;
  Tensor y = Tensor::empty(x.shape());
  std::vector<uint32_t> order(rows * width);
  for (size_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * width;
    uint32_t* row_order = order.data() + r * width;
    for (size_t k = 0; k < width; ++k) row_order[k] = static_cast<uint32_t>(k);
    std::stable_sort(row_order, row_order + width,
                     [in](uint32_t a, uint32_t b) { return in[a] < in[b]; });
    for (size_t k = 0; k < width; ++k) y.data()[r * width + k] = in[row_order[k]];
  }
  if (!autograd::should_record({x})) return y;
  return autograd::record(Op::sort, std::move(y), {x},
                          [width, order = std::move(order)](BackwardContext& c) {
                            float* dx = c.input_grad(0);
                            const float* dy = c.output_grad();
                            for (size_t i = 0; i < order.size(); ++i)
                              dx[i - i % width + order[i]] += dy[i];
                          });
}

}  // namespace plexus
