// NumPy .npy files: reading arrays of the common numeric dtypes into float32 tensors, writing
// float32 tensors; and MappedNpy, which maps a 2-D float array into memory and reads rows of it
// without reading the file (the OS pages it in as rows are read). Only C-order (row-major),
// little-endian arrays are read; errors name the file and what is wrong with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

/// Reads a .npy file (format versions 1.0, 2.0, 3.0) of dtype float32, float64, int8/16/32/64,
/// uint8/16/32/64 or bool into a float32 tensor of the same shape; values are converted as by
/// static_cast<float> (large integers and doubles round to the nearest float).
Tensor read_npy(const std::filesystem::path& path);

/// Writes `tensor` as a float32 .npy file (version 1.0), atomically: the file is either the old
/// one or the complete new one, even if the process dies halfway.
void write_npy(const Tensor& tensor, const std::filesystem::path& path);

/// A 2-D (or 1-D, as one column) float32 or float64 .npy file, memory-mapped: opening reads and
/// checks the header (dtype, order, shape against the file's size) and maps the file; rows()
/// reads rows [begin, end) as floats. Errors name the file.
///
///   MappedNpy x("features.npy");
///   Tensor batch = x.rows(0, 256);
class MappedNpy {
 public:
  explicit MappedNpy(const std::filesystem::path& path);
  ~MappedNpy();
  MappedNpy(MappedNpy&& other) noexcept;
  MappedNpy& operator=(MappedNpy&& other) noexcept;
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;

  const std::string& path() const { return path_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }

  /// Rows [begin, end) as a float32 tensor [end - begin, cols()] (float64 values rounded).
  Tensor rows(int64_t begin, int64_t end) const;
  /// The same into `out`, which holds (end - begin) * cols() floats.
  void read_rows(int64_t begin, int64_t end, float* out) const;

 private:
  void unmap();

  std::string path_;
  int64_t rows_ = 0, cols_ = 0;
  bool float64_ = false;
  const unsigned char* data_ = nullptr;  // the first value
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
};

}  // namespace plexus::data
