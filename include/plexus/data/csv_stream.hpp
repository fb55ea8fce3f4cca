// A CSV read in chunks of about a given size rather than whole: a file, a gzip-compressed file
// (.csv.gz), or shards (a folder's .csv/.csv.gz files, or a glob pattern) sharing one header.
// Each chunk is a Table of whole records whose rows carry their true file and line, so cell
// errors read as read_csv's do. The first scan() walks every file and records where each chunk
// starts (quote-aware: a line break inside a quoted field never splits a record); later reads
// go straight to a chunk's bytes (plain files) or decompress its file again in order (.csv.gz).
// units() and read_unit() cut without a first pass: on a byte grid fixed by chunk_bytes alone, so
// that processes reading a share each cut the same units (data/streaming.hpp).
//
//   px::data::CsvStream stream("big.csv", {.chunk_bytes = 32 << 20});
//   stream.scan([](const px::data::Table& rows, const px::data::CsvChunk& chunk) { ... });
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "plexus/data/csv.hpp"

namespace plexus::data {

struct CsvStreamOptions {
  CsvOptions csv;
  /// About this many bytes of text per chunk (a record longer than that is one chunk).
  size_t chunk_bytes = size_t{32} << 20;
};

/// A unit of the byte grid: the records of `file` that start in its bytes [begin, end), found
/// again from any offset by the next line break; a compressed file is one unit, read in order.
struct StreamUnit {
  size_t file = 0;
  uint64_t begin = 0, end = 0;
  bool whole_file = false;
};

/// Where a chunk's records are: its file, its bytes (of the decompressed text for .csv.gz), the
/// line its first record starts on, the position of its first row among all rows of the stream
/// (files in order), and its rows.
struct CsvChunk {
  size_t file = 0;
  uint64_t begin = 0, end = 0;
  size_t first_line = 1;
  uint64_t first_row = 0;
  size_t rows = 0;
};

class CsvStream {
 public:
  /// `spec`: a file, a folder (its *.csv and *.csv.gz files, by name) or a glob pattern. Reads
  /// the start of the first file to learn the delimiter, the header and the columns.
  explicit CsvStream(const std::string& spec, CsvStreamOptions options = {});

  const std::string& name() const { return name_; }
  const std::vector<std::filesystem::path>& files() const { return files_; }
  const std::vector<std::string>& columns() const { return columns_; }
  /// The files' sizes on disk, summed (compressed for .csv.gz).
  uint64_t file_bytes() const { return file_bytes_; }
  /// Whether `file` is gzip-compressed: its chunks can only be read in order (read_file).
  bool compressed(size_t file) const;

  /// Reads every file in order, calling `on_chunk` with each chunk's rows and place, and records
  /// the chunks for read() and read_file().
  void scan(const std::function<void(const Table&, const CsvChunk&)>& on_chunk);
  /// The chunks scan() found, in file order.
  const std::vector<CsvChunk>& chunks() const { return chunks_; }
  /// The rows of one chunk of an uncompressed file (after scan()).
  Table read(const CsvChunk& chunk) const;
  /// Every chunk of `file` in order (after scan()), as scan() cut them.
  void read_file(size_t file,
                 const std::function<void(const Table&, const CsvChunk&)>& on_chunk) const;

  /// The byte grid: unit k of a plain file holds the records that start in its bytes
  /// [k, k + 1) * chunk_bytes; a compressed file is one unit. From the files' sizes alone.
  std::vector<StreamUnit> units() const;
  /// The rows of `unit`, in one table (a grid unit) or in chunks of about chunk_bytes (a
  /// compressed file), each with the position of its first row in the unit; returns the bytes
  /// read from disk. A grid unit's rows carry lines counted from its first record: errors made of
  /// them read right after true_lines(). A quoted field holding a line break is refused there
  /// (a unit cannot be sure to start at a record then).
  uint64_t read_unit(const StreamUnit& unit,
                     const std::function<void(const Table&, uint64_t first_row)>& on_rows) const;
  /// `message` with the places that read_unit's rows name (the file marked with the unit's
  /// offset, and a line within the unit) made the file's true lines: counts the line breaks
  /// before the offset, so for errors only.
  std::string true_lines(std::string message) const;

 private:
  void cut_file(size_t file, const std::function<void(std::string, CsvChunk)>& on_text) const;
  Table parse(std::string text, const CsvChunk& chunk) const;
  uint64_t read_grid_unit(const StreamUnit& unit,
                          const std::function<void(const Table&, uint64_t)>& on_rows) const;

  std::string name_;
  CsvStreamOptions options_;
  std::vector<std::filesystem::path> files_;
  std::vector<std::string> columns_;
  char delimiter_ = ',';
  bool header_ = false;
  uint64_t file_bytes_ = 0;
  std::vector<CsvChunk> chunks_;
  std::vector<std::vector<size_t>> chunks_of_file_;  // indices into chunks_
};

}  // namespace plexus::data
