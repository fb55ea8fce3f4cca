// Matrix products through BLAS (src/ops/matmul.cpp).
#pragma once

#include "plexus/tensor/tensor.hpp"

namespace plexus {

// ---- linear algebra ---------------------------------------------------------------------------
/// a: [M, K], b: [K, N] -> [M, N], through BLAS sgemm.
Tensor matmul(const Tensor& a, const Tensor& b);
/// x: [B, In], weight: [Out, In] (PyTorch's layout), bias: [Out] or empty -> [B, Out].
/// x may have any number of leading dimensions; the last one must be In.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace plexus
