// The logistic sigmoid 1 / (1 + e^-x) on plain float arithmetic, one float or four at a time with
// the same bits: the exponential is Cephes' expf (range reduction by ln 2, a degree-6 polynomial,
// within 2 ulp), written for GCC/Clang vector extensions so that the baseline SSE2 build
// vectorises it. libm's expf is a call per element, most of a small layer's sigmoid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace plexus::cpu {

using Float4 = float __attribute__((vector_size(16)));

namespace sigmoid_detail {

using Int4 = int32_t __attribute__((vector_size(16)));

template <typename Lane>
using Bits = std::conditional_t<std::is_same_v<Lane, float>, int32_t, Int4>;

template <typename Lane>
Bits<Lane> bits_of(Lane v) {
  Bits<Lane> b;
  std::memcpy(&b, &v, sizeof v);
  return b;
}

template <typename Lane>
Lane from_bits(Bits<Lane> b) {
  Lane v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// All ones where `condition` holds (a vector comparison's mask; -1 or 0 for one float).
template <typename Lane>
Bits<Lane> mask(auto condition) {
  if constexpr (std::is_same_v<Lane, float>)
    return condition ? -1 : 0;
  else
    return condition;
}

// `when` where the mask is set, else `otherwise`: bitwise, so NaN passes through untouched.
template <typename Lane>
Lane select(Bits<Lane> m, Lane when, Lane otherwise) {
  return from_bits<Lane>((m & bits_of(when)) | (~m & bits_of(otherwise)));
}

}  // namespace sigmoid_detail

/// sigmoid(x) on one float or a Float4. Computed from t = e^-|x| <= 1, as 1 / (1 + t) for x >= 0
/// and t / (1 + t) below, so nothing overflows and the left tail keeps its relative precision.
/// NaN stays NaN; sigmoid(0) is exactly 1/2.
template <typename Lane>
Lane sigmoid_lanes(Lane x) {
  using namespace sigmoid_detail;
  constexpr int32_t kSignBit = INT32_MIN;
  // NOTE: below -87.3, e^a is under FLT_MIN and the exponent bits built below would wrap: a is
  // clamped there and t set to 0 afterwards (as 1 / (1 + inf) gives for x < -88.7).
  constexpr float kLowest = -87.3f;
  const Lane a = from_bits<Lane>(bits_of(x) | kSignBit);  // -|x|
  const Bits<Lane> underflow = mask<Lane>(a < kLowest);
  const Lane clamped = select<Lane>(underflow, Lane{} + kLowest, a);
  // n = round(a log2 e), by the float's own rounding: adding 1.5 * 2^23 leaves n in the low bits.
  constexpr float kRound = 12582912.0f;
  const Lane shifted = clamped * 1.44269504088896341f + kRound;
  const Lane n = shifted - kRound;
  // r = a - n ln 2, with ln 2 split in two so that n * ln2_high is exact.
  const Lane r = clamped - n * 0.693359375f - n * -2.12194440e-4f;
  Lane p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const Lane e_r = p * r * r + r + 1.0f;
  // 2^n from its exponent bits; n >= -126 after the clamp, so 2^n is a normal float.
  const Bits<Lane> exponent = (bits_of(shifted) - bits_of(kRound) + 127) << 23;
  const Lane t = select<Lane>(underflow, Lane{}, e_r * from_bits<Lane>(exponent));
  return select<Lane>(mask<Lane>(x >= 0.0f), Lane{} + 1.0f, t) / (1.0f + t);
}

/// y[i] = sigmoid(x[i]) for i < n.
inline void sigmoid_forward(float* y, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Float4 v;
    std::memcpy(&v, x + i, sizeof v);
    v = sigmoid_lanes(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  for (; i < n; ++i) y[i] = sigmoid_lanes(x[i]);
}

}  // namespace plexus::cpu
