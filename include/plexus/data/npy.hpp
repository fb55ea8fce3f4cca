// NumPy .npy files: reading arrays of the common numeric dtypes into float32 tensors, writing
// float32 tensors; and MappedNpy, which reads rows of an array through memory maps without
// reading the whole file (the OS pages in the rows read). Only C-order (row-major),
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

/// A .npy file of any dtype read_npy reads, read by rows through memory maps: the rows of its first
/// dimension, the others flattened into columns (a 1-D array is one column; images [N, 28, 28]
/// are rows of 784), the values converted as read_npy converts them. Opening reads and checks the
/// header (dtype, order, shape against the file's size); rows() maps the pages of rows
/// [begin, end) only while it reads them as floats, so the OS pages the file in and a reader maps
/// only the rows it reads. Errors name the file.
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
  /// Bytes of one row in the file.
  uint64_t row_bytes() const { return row_bytes_; }

  /// Rows [begin, end) as a float32 tensor [end - begin, cols()] (other dtypes converted).
  Tensor rows(int64_t begin, int64_t end) const;
  /// The same into `out`, which holds (end - begin) * cols() floats. Safe to call from several
  /// threads at once.
  void read_rows(int64_t begin, int64_t end, float* out) const;

 private:
  void close();

  std::string path_;
  int64_t rows_ = 0, cols_ = 0;
  uint8_t kind_ = 0;  // the dtype, as npy.cpp numbers them
  uint64_t row_bytes_ = 0;
  uint64_t data_offset_ = 0;  // where the first value starts in the file
  int fd_ = -1;
};

}  // namespace plexus::data
