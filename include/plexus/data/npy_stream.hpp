// A .npy of features and a .npy of their labels, read by StreamingTable as it reads a CSV: the
// rows are cut into units of a fixed row count (from the chunk size, so that the grid depends on
// the budget alone, not on how many processes read), and a unit's rows are read through memory
// maps of those rows only (MappedNpy), so a process maps and reads only its lanes' rows.
//
//   px::data::StreamingTable data(px::data::NpyStream("x.npy", "y.npy"), {});
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plexus/data/npy.hpp"

namespace plexus::data {

class NpyStream {
 public:
  /// Opens `features` ([rows, ...] of any dtype read_npy reads: a row's values flattened and
  /// converted to floats as the in-memory reader converts them) and `labels` (one number per row);
  /// each unit holds the rows that fit in `chunk_bytes` of the features file (at least one).
  /// Errors name the file.
  NpyStream(const std::string& features, const std::string& labels, size_t chunk_bytes = 4 << 20);

  const std::string& name() const { return features_.path(); }
  std::vector<std::string> files() const { return {features_.path(), labels_.path()}; }
  /// Both files' sizes on disk.
  uint64_t file_bytes() const { return file_bytes_; }
  uint64_t rows() const { return static_cast<uint64_t>(features_.rows()); }
  size_t cols() const { return static_cast<size_t>(features_.cols()); }
  uint64_t unit_rows() const { return unit_rows_; }
  size_t units() const;
  /// Rows [begin, end) of `unit`.
  std::pair<uint64_t, uint64_t> unit_range(size_t unit) const;
  /// Reads `unit`'s features into `x` (rows x cols() floats) and labels into `y` (rows floats);
  /// returns the bytes read from the two files.
  uint64_t read_unit(size_t unit, std::vector<float>& x, std::vector<float>& y) const;
  /// Reads `unit`'s labels alone into `y`; returns the bytes read.
  uint64_t read_labels(size_t unit, std::vector<float>& y) const;

 private:
  MappedNpy features_, labels_;
  uint64_t file_bytes_ = 0;
  uint64_t unit_rows_ = 1;
};

}  // namespace plexus::data
