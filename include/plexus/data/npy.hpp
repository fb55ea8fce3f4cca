// NumPy .npy files: reading arrays of the common numeric dtypes into float32 tensors, writing
// float32 tensors. Only C-order (row-major), little-endian arrays are read; errors name the file
// and what is wrong with it.
#pragma once

#include <filesystem>

#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

/// Reads a .npy file (format versions 1.0, 2.0, 3.0) of dtype float32, float64, int8/16/32/64,
/// uint8/16/32/64 or bool into a float32 tensor of the same shape; values are converted as by
/// static_cast<float> (large integers and doubles round to the nearest float).
Tensor read_npy(const std::filesystem::path& path);

/// Writes `tensor` as a float32 .npy file (version 1.0), atomically: the file is either the old
/// one or the complete new one, even if the process dies halfway.
void write_npy(const Tensor& tensor, const std::filesystem::path& path);

}  // namespace plexus::data
