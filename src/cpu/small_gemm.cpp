// Register-blocked loops for small products. A block of outputs is summed over K in order into
// accumulators held in registers (four-float vectors, GCC/Clang vector extensions, so the
// baseline SSE2 build vectorises too), then scaled once by alpha and added to beta C (and a bias,
// if given). The block runs along whichever dimension the operands store contiguously: along a row
// of C (the columns j of op(B) = B, gathered when op(B) = B^T), or, when op(A) = A^T and C is
// narrow, along a column of C (the rows i of A^T). Block widths are template arguments, so every
// inner loop has a fixed trip count and unrolls completely. No packing, no buffers.
#include "cpu/small_gemm.hpp"

#include <cstring>
#include <type_traits>

namespace plexus::cpu {
namespace {

using Vec = float __attribute__((vector_size(16)));

// A lane of a block: one float, or a vector of four (kLanes of them).
template <typename Lane>
constexpr size_t kLanes = sizeof(Lane) / sizeof(float);

// The kLanes floats p[0], p[stride], ... (a vector load when contiguous).
template <typename Lane>
Lane load(const float* p, size_t stride) {
  if constexpr (std::is_same_v<Lane, float>) {
    return *p;
  } else if (stride == 1) {
    Lane v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    return Lane{p[0], p[stride], p[2 * stride], p[3 * stride]};
  }
}

template <typename Lane>
void store(float* p, size_t stride, Lane v) {
  if constexpr (std::is_same_v<Lane, float>) {
    *p = v;
  } else if (stride == 1) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (size_t l = 0; l < kLanes<Lane>; ++l) p[l * stride] = v[l];
  }
}

// C[i, j] = alpha sum_p op(A)[i, p] op(B)[p, j] + beta C[i, j] (+ bias[j]) for the kCount lanes
// of outputs starting at out, `step` floats apart within a lane and kLanes * step between lanes.
// `along` gives the kCount lanes of the vectorised operand at p, `other` the scalar operand's
// element, `bias_lane(q)` lane q's biases (called only when `bias` is not null).
template <typename Lane, size_t kCount, typename Along, typename Other, typename BiasLane>
void block(size_t k, float alpha, float beta, float* out, size_t step, Along along, Other other,
           const float* bias, BiasLane bias_lane) {
  Lane acc[kCount] = {};
  for (size_t p = 0; p < k; ++p) {
    const float x = other(p);
    for (size_t q = 0; q < kCount; ++q) acc[q] += x * along(p, q);
  }
  constexpr size_t kStride = kLanes<Lane>;
  for (size_t q = 0; q < kCount; ++q) {
    float* o = out + q * kStride * step;
    Lane r = alpha * acc[q];
    if (beta != 0.0f) r += beta * load<Lane>(o, step);
    if (bias) r += bias_lane(q);
    store(o, step, r);
  }
}

// Outputs [j0, j0 + kCount kLanes) of every row of C: lanes run along j.
template <bool kTransA, bool kTransB, typename Lane, size_t kCount>
void columns(size_t j0, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b,
             float beta, float* c, const float* bias) {
  if constexpr (kCount > 0) {
    for (size_t i = 0; i < m; ++i) {
      auto lane_of_b = [&](size_t p, size_t q) {  // op(B)[p, j0 + q kLanes ...]
        const size_t j = j0 + q * kLanes<Lane>;
        return kTransB ? load<Lane>(b + j * k + p, k) : load<Lane>(b + p * n + j, 1);
      };
      auto a_at = [&](size_t p) { return kTransA ? a[p * m + i] : a[i * k + p]; };  // op(A)[i, p]
      auto bias_lane = [&](size_t q) { return load<Lane>(bias + j0 + q * kLanes<Lane>, 1); };
      block<Lane, kCount>(k, alpha, beta, c + i * n + j0, 1, lane_of_b, a_at, bias, bias_lane);
    }
  }
}

// Outputs [i0, i0 + kCount kLanes) of every column of C, for op(A) = A^T: lanes run along i,
// loaded from the rows of A.
template <bool kTransB, typename Lane, size_t kCount>
void rows(size_t i0, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b,
          float beta, float* c, const float* bias) {
  if constexpr (kCount > 0) {
    for (size_t j = 0; j < n; ++j) {
      auto lane_of_a = [&](size_t p, size_t q) {  // op(A)[i0 + q kLanes ..., p]
        return load<Lane>(a + p * m + i0 + q * kLanes<Lane>, 1);
      };
      auto b_at = [&](size_t p) { return kTransB ? b[j * k + p] : b[p * n + j]; };  // op(B)[p, j]
      auto bias_lane = [&](size_t) { return Lane{} + bias[j]; };  // one column: one bias
      block<Lane, kCount>(k, alpha, beta, c + i0 * n + j, n, lane_of_a, b_at, bias, bias_lane);
    }
  }
}

// Splits `size` into blocks of four vectors, then one of 1-3 vectors, then 1-3 floats, and calls
// part.template operator()<Lane, kCount>(start) for each.
template <typename Part>
void split(size_t size, Part part) {
  size_t start = 0;
  for (; start + 16 <= size; start += 16) part.template operator()<Vec, 4>(start);
  const size_t vectors = (size - start) / 4;
  if (vectors == 1) part.template operator()<Vec, 1>(start);
  if (vectors == 2) part.template operator()<Vec, 2>(start);
  if (vectors == 3) part.template operator()<Vec, 3>(start);
  start += vectors * 4;
  const size_t floats = size - start;
  if (floats == 1) part.template operator()<float, 1>(start);
  if (floats == 2) part.template operator()<float, 2>(start);
  if (floats == 3) part.template operator()<float, 3>(start);
}

template <bool kTransA, bool kTransB>
void kernel(size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta,
            float* c, const float* bias) {
  // Along i only when A^T's rows make it contiguous and C is taller than wide (or B^T strided).
  if (kTransA && (kTransB || m > n)) {
    split(m, [&]<typename Lane, size_t kCount>(size_t i0) {
      rows<kTransB, Lane, kCount>(i0, m, n, k, alpha, a, b, beta, c, bias);
    });
  } else {
    split(n, [&]<typename Lane, size_t kCount>(size_t j0) {
      columns<kTransA, kTransB, Lane, kCount>(j0, m, n, k, alpha, a, b, beta, c, bias);
    });
  }
}

}  // namespace

void small_gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                const float* a, const float* b, float beta, float* c, const float* bias) {
  if (transpose_a)
    transpose_b ? kernel<true, true>(m, n, k, alpha, a, b, beta, c, bias)
                : kernel<true, false>(m, n, k, alpha, a, b, beta, c, bias);
  else
    transpose_b ? kernel<false, true>(m, n, k, alpha, a, b, beta, c, bias)
                : kernel<false, false>(m, n, k, alpha, a, b, beta, c, bias);
}

}  // namespace plexus::cpu
