// Element-wise ops (src/ops/elementwise.cpp). Binary ops broadcast by numpy's rules: shapes are
// aligned at their last dimension and a dimension of size 1 stretches to match the other.
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus {

// ---- element-wise arithmetic (broadcasting) ---------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);      ///< a + b
Tensor sub(const Tensor& a, const Tensor& b);      ///< a - b
Tensor mul(const Tensor& a, const Tensor& b);      ///< a * b
Tensor div(const Tensor& a, const Tensor& b);      ///< a / b
Tensor pow(const Tensor& a, const Tensor& b);      ///< a ^ b; d/db = a^b ln a (needs a > 0)
Tensor maximum(const Tensor& a, const Tensor& b);  ///< larger of a and b; ties send grad to a
Tensor minimum(const Tensor& a, const Tensor& b);  ///< smaller of a and b; ties send grad to a
Tensor neg(const Tensor& x);                       ///< -x

Tensor add(const Tensor& x, float s);         ///< x + s
Tensor sub(const Tensor& x, float s);         ///< x - s
Tensor sub(float s, const Tensor& x);         ///< s - x
Tensor mul(const Tensor& x, float s);         ///< x * s
Tensor div(const Tensor& x, float s);         ///< x / s
Tensor div(float s, const Tensor& x);         ///< s / x
Tensor pow(const Tensor& x, float exponent);  ///< x ^ exponent

// ---- element-wise functions -------------------------------------------------------------------
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);  ///< natural log; log(0) = -inf as in IEEE
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);     ///< d/dx = sign(x), 0 at 0
Tensor square(const Tensor& x);  ///< x * x
/// Limits x to [low, high]; the gradient passes where low <= x <= high.
Tensor clamp(const Tensor& x, float low, float high);

/// The shape two shapes broadcast to; throws naming `op` if they cannot.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");

// ---- comparisons: masks of 1.0 (true) and 0.0 (false), outside the graph -----------------------
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, float b);
Tensor ge(const Tensor& a, float b);
Tensor lt(const Tensor& a, float b);
Tensor le(const Tensor& a, float b);
Tensor eq(const Tensor& a, float b);
Tensor ne(const Tensor& a, float b);
/// Element-wise choice: a where condition != 0, else b (all three broadcast together).
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// ---- operators --------------------------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& x, float s) { return add(x, s); }
inline Tensor operator+(float s, const Tensor& x) { return add(x, s); }
inline Tensor operator-(const Tensor& x, float s) { return sub(x, s); }
inline Tensor operator-(float s, const Tensor& x) { return sub(s, x); }
inline Tensor operator*(const Tensor& x, float s) { return mul(x, s); }
inline Tensor operator*(float s, const Tensor& x) { return mul(x, s); }
inline Tensor operator/(const Tensor& x, float s) { return div(x, s); }
inline Tensor operator/(float s, const Tensor& x) { return div(s, x); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, float b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, float b) { return ge(a, b); }
inline Tensor operator<(const Tensor& a, float b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, float b) { return le(a, b); }

}  // namespace plexus
