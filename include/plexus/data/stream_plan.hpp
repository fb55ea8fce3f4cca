// Whether a training run streams its data, and the sizes streaming works with, from a memory
// budget: it streams when reading the data whole would take more than the budget (a CSV: the
// estimate of data/memory.hpp; a .npy: memory_to_read_npy_whole of it and its labels), or always
// for what only the stream reads (.csv.gz, a folder or glob of shards). The chunks take a 256th of
// the budget each and the shuffle buffer a quarter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plexus::data {

/// "1G", "512M", "1.5GB", "64k", "1000000": bytes (powers of 1024); throws naming the text.
uint64_t parse_memory_size(std::string_view text);

/// Whether `spec` is data the stream reads: a .csv/.tsv file (also .gz), a folder holding some, a
/// glob pattern, or a .npy file (of features, with a .npy of labels).
bool streamable(const std::string& spec);

struct StreamPlan {
  bool stream = false;
  uint64_t file_bytes = 0;  ///< on disk (compressed for .gz; a .npy with its labels)
  uint64_t needed = 0;      ///< estimated bytes to read it whole (0 when it cannot be)
  uint64_t budget = 0;
  std::string reason;  ///< one line: why it streams or not
};

/// The decision for `spec` (with `labels`, the .npy of labels of a .npy) under `budget` bytes;
/// `forced` (--stream / --no-stream) overrides it.
StreamPlan plan_streaming(const std::string& spec, const std::string& labels,
                          std::optional<bool> forced, uint64_t budget);

/// The budget when none is given: half of data::available_memory().
uint64_t default_memory_budget();

/// Bytes of text per chunk for `budget`: a 256th, between 16 KiB and 16 MiB. Small beside the
/// shuffle buffer (a quarter of the budget as floats holds some 50-100 chunks of rows), so that
/// a batch mixes rows of many chunks from all over the file even when the file is sorted.
size_t stream_chunk_bytes(uint64_t budget);
/// Rows of `features` floats (and a target) that a quarter of `budget` holds, at least 1024.
size_t stream_shuffle_rows(uint64_t budget, size_t features);

}  // namespace plexus::data
