// The container of plexus model files (.plx): the safetensors layout, so that PyTorch and other
// tools read them. An 8-byte little-endian u64 header length N, N bytes of JSON header (padded
// with trailing spaces so the data starts at a multiple of 8), then the raw little-endian data.
// The header maps each tensor's name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
// into the data section; tensors are contiguous, in order, with no gaps) and may hold a
// "__metadata__" object of strings. docs/MODEL_FORMAT.md describes it byte by byte.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "plexus/tensor/named_tensors.hpp"

namespace plexus::nn {
class Module;
}

namespace plexus::io {

using Metadata = std::map<std::string, std::string>;

struct SafetensorsFile {
  /// In the order of their data offsets.
  NamedTensors tensors;
  Metadata metadata;
};

/// The metadata key of the data section's checksum: zlib's CRC-32 as 8 lowercase hex digits.
inline constexpr std::string_view kCrc32Key = "plexus.crc32";

/// Writes `tensors` (as F32, in the given order) and `metadata` to `path` atomically (a temporary
/// file, fsync, rename), adding kCrc32Key to the metadata. Names must be distinct, valid UTF-8
/// and not "__metadata__".
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      Metadata metadata);
/// The bytes save_safetensors writes.
std::string encode_safetensors(const NamedTensors& tensors, Metadata metadata);

/// Reads and validates a safetensors file. Tensors stored as F32 are read as they are; F64, F16
/// and BF16 are converted to float32; other dtypes are refused. When the metadata holds
/// kCrc32Key, the data must match it; files of other tools, without one, are read unchecked.
/// Every error is a plexus::Error that starts with the file's name and says what is wrong.
SafetensorsFile load_safetensors(const std::filesystem::path& path);
/// The same from bytes in memory; `source` (a file name) starts every error message.
SafetensorsFile decode_safetensors(std::string_view bytes, std::string_view source);

/// Writes module.state_dict() to `path` with save_safetensors (PyTorch: safetensors' save_model).
void save_state_dict(const nn::Module& module, const std::filesystem::path& path);
/// Loads a safetensors file into a module of the same architecture, in place and strictly (every
/// tensor present, of the module's shape). Every error starts with the file's name, and a failed
/// load changes nothing.
void load_state_dict(nn::Module& module, const std::filesystem::path& path);

}  // namespace plexus::io
