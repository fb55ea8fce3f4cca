#include "ops/broadcast.hpp"

#include <algorithm>

#include "base/check.hpp"
#include "plexus/ops.hpp"

namespace plexus {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t rank = std::max(a.rank(), b.rank());
  Shape out;
  out.resize(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    const int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    PLEXUS_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
                 " cannot be broadcast together (dimension ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace ops {
namespace {

// Element strides of `in` (right-aligned to `out`), 0 along broadcast dimensions.
Shape strides_for(const Shape& in, const Shape& out) {
  Shape strides;
  strides.resize(out.rank(), 0);
  int64_t stride = 1;
  for (size_t i = out.rank(); i-- > 0;) {
    const size_t offset = out.rank() - in.rank();
    if (i < offset) break;
    const int64_t size = in[i - offset];
    strides[i] = (size == 1) ? 0 : stride;
    stride *= size;
  }
  return strides;
}

}  // namespace

BroadcastPlan::BroadcastPlan(const Shape& a, const Shape& b, const char* op)
    : out(a == b ? a : broadcast_shapes(a, b, op)), numel(out.numel()) {
  const Shape sa = strides_for(a, out);
  const Shape sb = strides_for(b, out);
  // Drop size-1 dimensions, then merge each dimension into the one before it when both operands
  // walk them as one (contiguous in both, or broadcast in both).
  for (size_t i = 0; i < out.rank(); ++i) {
    if (out[i] == 1) continue;
    const size_t last = sizes.rank();
    if (last > 0 && stride_a[last - 1] == sa[i] * out[i] && stride_b[last - 1] == sb[i] * out[i]) {
      sizes[last - 1] *= out[i];
      stride_a[last - 1] = sa[i];
      stride_b[last - 1] = sb[i];
    } else {
      sizes.push_back(out[i]);
      stride_a.push_back(sa[i]);
      stride_b.push_back(sb[i]);
    }
  }
}

}  // namespace ops
}  // namespace plexus
