// Whether a file fits in memory when read whole, and the error that says so when it does not:
// the file, its size, the memory it needs and the memory there is, and that --stream trains from
// it in bounded memory. Reading whole is what the in-memory path of `plexus train` does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace plexus::data {

/// Bytes that reading a CSV file of `file_bytes` whole and training from it takes, estimated:
/// kCsvMemoryExpansion times the file (its cells as text, their index, the float features and their
/// copies into the training, validation and test parts).
inline constexpr double kCsvMemoryExpansion = 3.0;
uint64_t memory_to_read_whole(uint64_t file_bytes);

/// Bytes that reading a .npy of features and its labels whole and training from them takes, as a
/// multiple of the two files' size: the arrays as floats (the labels' raw values too while they
/// are converted), the targets, and the rows copied into the training, validation and test
/// parts. Measured: 3.2 for 2 million rows of 4 float32 features and int64 labels (153 MB above
/// the command's own 18 MB for 48 MB of files). Byte-valued features take more (a scaled copy).
inline constexpr double kNpyMemoryExpansion = 3.5;
uint64_t memory_to_read_npy_whole(uint64_t files_bytes);

/// Bytes this process can still allocate: the smaller of the machine's physical memory and
/// what the address-space limit (RLIMIT_AS) leaves above the memory mapped now.
uint64_t available_memory();

/// "1.5 GB": bytes in the largest unit that keeps a number >= 1.
std::string format_bytes(uint64_t bytes);

/// Throws if reading the file at `path` whole would take more than available_memory(): the
/// message names the file and the figures and says to pass --stream.
void check_fits_in_memory(const std::filesystem::path& path);

/// The same error after the fact: reading `path` ran out of memory (std::bad_alloc). A .npy is
/// counted with `labels` (its .npy of labels, if any) at memory_to_read_npy_whole, the estimate
/// the decision to stream uses; anything else as a CSV.
[[noreturn]] void throw_out_of_memory(const std::filesystem::path& path,
                                      const std::filesystem::path& labels = {});

}  // namespace plexus::data
