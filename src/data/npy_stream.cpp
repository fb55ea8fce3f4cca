// NpyStream: the grid of units over two memory-mapped .npy files; see npy_stream.hpp.
#include "plexus/data/npy_stream.hpp"

#include <algorithm>
#include <filesystem>

#include "base/check.hpp"

namespace plexus::data {

NpyStream::NpyStream(const std::string& features, const std::string& labels, size_t chunk_bytes)
    : features_(features), labels_(labels) {
  PLEXUS_CHECK(labels_.cols() == 1 && labels_.rows() == features_.rows(), labels, ": ",
               labels_.rows() * labels_.cols(), " labels for the ", features_.rows(), " rows of ",
               features, "; give one label per row (a 1-D array)");
  file_bytes_ = std::filesystem::file_size(features) + std::filesystem::file_size(labels);
  unit_rows_ = std::max<uint64_t>(chunk_bytes / std::max<uint64_t>(features_.row_bytes(), 1), 1);
}

size_t NpyStream::units() const {
  return static_cast<size_t>((rows() + unit_rows_ - 1) / unit_rows_);
}

std::pair<uint64_t, uint64_t> NpyStream::unit_range(size_t unit) const {
  const uint64_t begin = std::min(static_cast<uint64_t>(unit) * unit_rows_, rows());
  return {begin, std::min(begin + unit_rows_, rows())};
}

uint64_t NpyStream::read_unit(size_t unit, std::vector<float>& x, std::vector<float>& y) const {
  const auto [begin, end] = unit_range(unit);
  const uint64_t rows = end - begin;
  x.resize(rows * cols());
  features_.read_rows(static_cast<int64_t>(begin), static_cast<int64_t>(end), x.data());
  return rows * features_.row_bytes() + read_labels(unit, y);
}

uint64_t NpyStream::read_labels(size_t unit, std::vector<float>& y) const {
  const auto [begin, end] = unit_range(unit);
  y.resize(end - begin);
  labels_.read_rows(static_cast<int64_t>(begin), static_cast<int64_t>(end), y.data());
  return (end - begin) * labels_.row_bytes();
}

}  // namespace plexus::data
