// Differentiable tensor ops. Element-wise binary ops broadcast by numpy's rules: shapes are
// aligned at their last dimension and a dimension of size 1 stretches to match the other.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "plexus/tensor.hpp"

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

// ---- linear algebra ---------------------------------------------------------------------------
/// a: [M, K], b: [K, N] -> [M, N], through BLAS sgemm.
Tensor matmul(const Tensor& a, const Tensor& b);
/// x: [B, In], weight: [Out, In] (PyTorch's layout), bias: [Out] or empty -> [B, Out].
/// x may have any number of leading dimensions; the last one must be In.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- reductions (axis may be negative: -1 is the last dimension) ------------------------------
Tensor sum(const Tensor& x);   ///< all elements -> scalar
Tensor mean(const Tensor& x);  ///< all elements -> scalar
Tensor sum(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor mean(const Tensor& x, int64_t axis, bool keepdim = false);
/// Largest value along `axis`; the gradient goes to the first maximal element.
Tensor max(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor min(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor max(const Tensor& x);  ///< largest element -> scalar
Tensor min(const Tensor& x);  ///< smallest element -> scalar
/// Index of the first largest value along `axis` (as float), outside the graph.
Tensor argmax(const Tensor& x, int64_t axis, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t axis, bool keepdim = false);

// ---- shape ------------------------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x);  ///< 2-D: [M, N] -> [N, M]
/// x stretched to `shape` by numpy's broadcasting rules (a copy). Backward sums the copies.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Joins tensors along an existing axis; the other dimensions must agree.
Tensor concat(std::span<const Tensor> tensors, int64_t axis = 0);
Tensor concat(std::initializer_list<Tensor> tensors, int64_t axis = 0);
/// Joins same-shaped tensors along a new axis.
Tensor stack(std::span<const Tensor> tensors, int64_t axis = 0);
Tensor stack(std::initializer_list<Tensor> tensors, int64_t axis = 0);
/// Rows of x (along dimension 0) at the given indices, in that order: a mini-batch gather.
Tensor index_rows(const Tensor& x, std::span<const int64_t> indices);

/// The shape two shapes broadcast to; throws naming `op` if they cannot.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");

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
