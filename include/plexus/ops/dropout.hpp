// Inverted dropout as an op (src/ops/dropout.cpp); its module is nn::Dropout.
#pragma once

#include <cstdint>

#include "plexus/tensor/random.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus {

/// y = x * m / (1 - p), m_i ~ Bernoulli(1 - p); p in [0, 1). dx = dy * m / (1 - p), from the
/// saved mask. One number is drawn from `generator` per call; the mask element of row r, column c
/// is a hash of that number and (batch_row_offset() + r, c), so a batch split across processes
/// draws, row by row, the mask of the whole batch.
Tensor dropout(const Tensor& x, float p, Generator& generator);

/// The row of the global batch that this process's first row is (0 unless data-parallel training
/// set it with a BatchRowOffsetGuard).
int64_t batch_row_offset();

/// Sets batch_row_offset() on this thread while it lives.
class BatchRowOffsetGuard {
 public:
  explicit BatchRowOffsetGuard(int64_t offset);
  ~BatchRowOffsetGuard();
  BatchRowOffsetGuard(const BatchRowOffsetGuard&) = delete;
  BatchRowOffsetGuard& operator=(const BatchRowOffsetGuard&) = delete;

 private:
  int64_t previous_;
};

}  // namespace plexus
