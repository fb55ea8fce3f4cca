// Register-blocked loops for small products. A block of outputs is summed over K in order into
// accumulators held in registers (four-float vectors, GCC/Clang vector extensions, so the
// baseline SSE2 build vectorises too), then scaled once by alpha and added to beta C (and a bias,
// if given). The block runs along whichever dimension the operands store contiguously: along a row
// of C (the columns j of op(B) = B, gathered when op(B) = B^T), or, when op(A) = A^T and C is
// narrow, along a column of C (the rows i of A^T). Block widths are template arguments, so every
// inner loop has a fixed trip count and unrolls completely. No packing, no buffers. A few shapes of
// tiny networks take shortcuts that sum the same terms in the same order (see kernel). Each part
// is a function of its own: inlined into one, every call paid for the set-up of all of them.
#include "cpu/small_gemm.hpp"

#include <array>
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

// Outputs [j0, j0 + kCount kLanes) of every row of C: lanes run along j. With K known here
// (kK > 0, a few), op(B)'s lanes are loaded once for all the rows, not again for each (they are
// gathered when op(B) = B^T); the bias's lanes are always loaded once.
template <bool kTransA, bool kTransB, size_t kK, typename Lane, size_t kCount>
[[gnu::noinline]] void columns(size_t j0, size_t m, size_t n, size_t k, float alpha, const float* a,
                               const float* b, float beta, float* c, const float* bias) {
  if constexpr (kCount > 0) {
    auto lane_of_b = [&](size_t p, size_t q) {  // op(B)[p, j0 + q kLanes ...]
      const size_t j = j0 + q * kLanes<Lane>;
      const size_t stride = kK > 0 ? kK : k;  // a constant where it is known
      return kTransB ? load<Lane>(b + j * stride + p, stride) : load<Lane>(b + p * n + j, 1);
    };
    std::array<std::array<Lane, kCount>, kK> held_b;
    if constexpr (kTransB && kK == 2 && kLanes<Lane> == 4) {
      // The rows of B^T hold op(B)[0, j] and op(B)[1, j] side by side: two loads and the even
      // and odd floats, not a gather of each.
      for (size_t q = 0; q < kCount; ++q) {
        const float* pairs = b + (j0 + q * 4) * 2;
        const Vec first = load<Vec>(pairs, 1);
        const Vec second = load<Vec>(pairs + 4, 1);
        held_b[0][q] = __builtin_shufflevector(first, second, 0, 2, 4, 6);
        held_b[1][q] = __builtin_shufflevector(first, second, 1, 3, 5, 7);
      }
    } else {
      for (size_t p = 0; p < kK; ++p)
        for (size_t q = 0; q < kCount; ++q) held_b[p][q] = lane_of_b(p, q);
    }
    std::array<Lane, kCount> bias_lanes{};
    if (bias)
      for (size_t q = 0; q < kCount; ++q)
        bias_lanes[q] = load<Lane>(bias + j0 + q * kLanes<Lane>, 1);
    for (size_t i = 0; i < m; ++i) {
      auto along = [&](size_t p, size_t q) {
        if constexpr (kK > 0)
          return held_b[p][q];
        else
          return lane_of_b(p, q);
      };
      auto a_at = [&](size_t p) { return kTransA ? a[p * m + i] : a[i * k + p]; };  // op(A)[i, p]
      auto bias_lane = [&](size_t q) { return bias_lanes[q]; };
      block<Lane, kCount>(kK > 0 ? kK : k, alpha, beta, c + i * n + j0, 1, along, a_at, bias,
                          bias_lane);
    }
  }
}

// acc + the terms p0 <= p < K of matrix_vector's four rows, each lane gathered (K mod 4 of them:
// apart, so that the loop over whole blocks needs none of their set-up).
[[gnu::noinline]] Vec gathered_tail(Vec acc, size_t p0, size_t k, const float* rows,
                                    const float* b) {
  for (size_t p = p0; p < k; ++p) acc += b[p] * load<Vec>(rows + p, k);
  return acc;
}

// C[M, 1] = alpha A b + beta C (+ bias[0]) for A = [M, K] stored by rows: four rows at a time,
// lanes along i. Each 4x4 block of A is transposed in registers (one load per row, not a gather
// per element), and each lane sums its row in order p = 0, 1, ..., as block() does: the same
// bits. The last M mod 4 rows go through columns().
void matrix_vector(size_t m, size_t k, float alpha, const float* a, const float* b, float beta,
                   float* c, const float* bias) {
  size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    const float* rows = a + i * k;
    Vec acc = {};
    size_t p = 0;
    for (; p + 4 <= k; p += 4) {
      const Vec r0 = load<Vec>(rows + p, 1);
      const Vec r1 = load<Vec>(rows + k + p, 1);
      const Vec r2 = load<Vec>(rows + 2 * k + p, 1);
      const Vec r3 = load<Vec>(rows + 3 * k + p, 1);
      const Vec low01 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
      const Vec low23 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
      const Vec high01 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
      const Vec high23 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
      acc += b[p] * __builtin_shufflevector(low01, low23, 0, 1, 4, 5);
      acc += b[p + 1] * __builtin_shufflevector(low01, low23, 2, 3, 6, 7);
      acc += b[p + 2] * __builtin_shufflevector(high01, high23, 0, 1, 4, 5);
      acc += b[p + 3] * __builtin_shufflevector(high01, high23, 2, 3, 6, 7);
    }
    if (p < k) acc = gathered_tail(acc, p, k, rows, b);
    Vec r = alpha * acc;
    if (beta != 0.0f) r += beta * load<Vec>(c + i, 1);
    if (bias) r += bias[0];
    store(c + i, 1, r);
  }
  // op(B)[p, 0] = b[p] whether or not B is transposed.
  if (i < m)
    columns<false, false, 0, float, 1>(0, m - i, 1, k, alpha, a + i * k, b, beta, c + i, bias);
}

// Outputs [i0, i0 + kCount kLanes) of every column of C, for op(A) = A^T: lanes run along i,
// loaded from the rows of A.
template <bool kTransB, typename Lane, size_t kCount>
[[gnu::noinline]] void rows(size_t i0, size_t m, size_t n, size_t k, float alpha, const float* a,
                            const float* b, float beta, float* c, const float* bias) {
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

// Rows [i0, i0 + 4 kCount) of a C with N = 2, for op(A) = A^T: rows()' sums for both columns at
// once, their lanes then interleaved into C's rows (two whole vectors per four rows, where rows()
// stores eight single floats).
template <bool kTransB, size_t kCount>
[[gnu::noinline]] void rows_of_two(size_t i0, size_t m, size_t k, float alpha, const float* a,
                                   const float* b, float beta, float* c, const float* bias) {
  Vec first[kCount] = {};
  Vec second[kCount] = {};
  for (size_t p = 0; p < k; ++p) {
    const float x0 = kTransB ? b[p] : b[p * 2];          // op(B)[p, 0]
    const float x1 = kTransB ? b[k + p] : b[p * 2 + 1];  // op(B)[p, 1]
    for (size_t q = 0; q < kCount; ++q) {
      const Vec lane = load<Vec>(a + p * m + i0 + q * 4, 1);
      first[q] += x0 * lane;
      second[q] += x1 * lane;
    }
  }
  for (size_t q = 0; q < kCount; ++q) {
    float* out = c + (i0 + q * 4) * 2;
    Vec r0 = alpha * first[q];
    Vec r1 = alpha * second[q];
    if (beta != 0.0f) {
      const Vec low = load<Vec>(out, 1);
      const Vec high = load<Vec>(out + 4, 1);
      r0 += beta * __builtin_shufflevector(low, high, 0, 2, 4, 6);
      r1 += beta * __builtin_shufflevector(low, high, 1, 3, 5, 7);
    }
    if (bias) {
      r0 += Vec{} + bias[0];  // as rows() adds it
      r1 += Vec{} + bias[1];
    }
    store(out, 1, __builtin_shufflevector(r0, r1, 0, 4, 1, 5));
    store(out + 4, 1, __builtin_shufflevector(r0, r1, 2, 6, 3, 7));
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

// kShortcuts: the paths for a few shapes (rows_of_two, matrix_vector, op(B) held for K <= 2),
// without them the general loops, which give the same bits (small_gemm_general, for the tests).
template <bool kTransA, bool kTransB, bool kShortcuts>
void kernel(size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta,
            float* c, const float* bias) {
  // Along i only when A^T's rows make it contiguous and C is taller than wide (or B^T strided).
  if (kTransA && (kTransB || m > n)) {
    split(m, [=]<typename Lane, size_t kCount>(size_t i0) {
      if (kShortcuts && n == 2 && std::is_same_v<Lane, Vec>)
        rows_of_two<kTransB, kCount>(i0, m, k, alpha, a, b, beta, c, bias);
      else
        rows<kTransB, Lane, kCount>(i0, m, n, k, alpha, a, b, beta, c, bias);
    });
  } else if (kShortcuts && !kTransA && n == 1) {
    matrix_vector(m, k, alpha, a, b, beta, c, bias);
  } else {
    auto along_j = [=]<size_t kK>() {
      split(n, [=]<typename Lane, size_t kCount>(size_t j0) {
        columns<kTransA, kTransB, kK, Lane, kCount>(j0, m, n, k, alpha, a, b, beta, c, bias);
      });
    };
    if (kShortcuts && k == 1)
      along_j.template operator()<1>();
    else if (kShortcuts && k == 2)
      along_j.template operator()<2>();
    else
      along_j.template operator()<0>();
  }
}

template <bool kShortcuts>
void dispatch(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
              const float* a, const float* b, float beta, float* c, const float* bias) {
  if (transpose_a)
    transpose_b ? kernel<true, true, kShortcuts>(m, n, k, alpha, a, b, beta, c, bias)
                : kernel<true, false, kShortcuts>(m, n, k, alpha, a, b, beta, c, bias);
  else
    transpose_b ? kernel<false, true, kShortcuts>(m, n, k, alpha, a, b, beta, c, bias)
                : kernel<false, false, kShortcuts>(m, n, k, alpha, a, b, beta, c, bias);
}

}  // namespace

void small_gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                const float* a, const float* b, float beta, float* c, const float* bias) {
  dispatch<true>(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c, bias);
}

void small_gemm_general(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k,
                        float alpha, const float* a, const float* b, float beta, float* c,
                        const float* bias) {
  dispatch<false>(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c, bias);
}

}  // namespace plexus::cpu
