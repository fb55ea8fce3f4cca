// Inverted dropout as an op: the mask is drawn once per forward and saved for the backward;
// nothing is recomputed. Its module is nn::Dropout.
// The mask is counter-based (a hash of one drawn key, the global row and the column) rather than
// a sequence of draws, so that it does not depend on how a batch is split across processes.
#include "plexus/ops/dropout.hpp"
#include "cpu/dropout_mask.hpp"
#include "ops/common.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

namespace {

thread_local int64_t t_batch_row_offset = 0;

// splitmix64's finaliser: a bijection of 64-bit words whose output bits all depend on every input
// bit.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

int64_t batch_row_offset() { return t_batch_row_offset; }

BatchRowOffsetGuard::BatchRowOffsetGuard(int64_t offset) : previous_(t_batch_row_offset) {
  t_batch_row_offset = offset;
}

BatchRowOffsetGuard::~BatchRowOffsetGuard() { t_batch_row_offset = previous_; }

// y = x * m,  m_i = 1 / (1 - p) with probability 1 - p, else 0;  dx += dy * m
Tensor dropout(const Tensor& x, float p, Generator& generator) {
  PLEXUS_CHECK(x.defined(), "dropout: the input tensor is empty");
  PLEXUS_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p);
  const float scale = 1.0f / (1.0f - p);
  const uint64_t key = (static_cast<uint64_t>(generator.next_u32()) << 32) | generator.next_u32();
  const size_t rows = x.rank() == 0 ? 1 : static_cast<size_t>(x.shape(0));
  const size_t cols = rows == 0 ? 0 : x.numel() / rows;
  const auto first_row = static_cast<uint64_t>(t_batch_row_offset);
  Tensor mask = Tensor::empty(x.shape());
  Tensor y = Tensor::empty(x.shape());
  float* m = mask.data();
  float* py = y.data();
  const float* px = x.data();
  for (size_t r = 0; r < rows; ++r) {
    const auto row_key = static_cast<uint32_t>(mix(key ^ mix(first_row + r)));
    cpu::dropout_row(px + r * cols, m + r * cols, py + r * cols, cols, row_key, p, scale);
  }
  return autograd::record(Op::dropout, std::move(y), {x}, [mask](BackwardContext& c) {
    // Usually x's first gradient: written, not added to a zero-filled buffer.
    float beta = 0.0f;
    float* __restrict dx = c.input_grad_or_new(0, beta);
    const float* __restrict dy = c.output_grad();
    const float* __restrict keep = mask.data();
    const size_t n = c.numel();
    if (beta == 0.0f)
      for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * keep[i];
    else
      for (size_t i = 0; i < n; ++i) dx[i] += dy[i] * keep[i];
  });
}

}  // namespace plexus
