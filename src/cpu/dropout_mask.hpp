// One row of inverted dropout's counter-based mask (ops/dropout.cpp), compiled for three levels of
// x86-64 like linear_row: the per-column hash is integer work, so every level gives the same bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace plexus::cpu {

/// For c < cols: mask[c] = 0 if the 24-bit draw for column c under `row_key` is below p, else
/// scale; y[c] = x[c] * mask[c].
void dropout_row(const float* x, float* mask, float* y, size_t cols, uint32_t row_key, float p,
                 float scale);

}  // namespace plexus::cpu
