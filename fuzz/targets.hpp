// The fuzz targets' entry functions, one per reader: each feeds arbitrary bytes to the reader and
// returns 0. A plexus::Error is the right answer to bad input and is caught; anything else (another
// exception, a sanitizer report) escapes and is a bug. The same functions run under libFuzzer
// (fuzzer.cpp) and, over the committed corpora and regressions, in the normal test suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace plexus::fuzz {

/// read_csv on the bytes, then Preprocessing and Target fitted, applied and saved on the table.
int csv(const uint8_t* data, size_t size);
/// read_idx: the first 4 bytes (little-endian) are the image file's length, the rest of that
/// many bytes the image file, what follows the label file.
int idx(const uint8_t* data, size_t size);
/// read_npy on the bytes as a file.
int npy(const uint8_t* data, size_t size);
/// decode_safetensors on the bytes.
int safetensors(const uint8_t* data, size_t size);
/// load_model on the bytes as a file, then a forward pass of a row of zeros.
int model(const uint8_t* data, size_t size);

using Entry = int (*)(const uint8_t*, size_t);
struct Target {
  std::string_view name;  ///< also the folder of its corpus and regressions
  Entry entry;
};
inline constexpr Target kTargets[] = {
    {"csv", csv}, {"idx", idx}, {"npy", npy}, {"safetensors", safetensors}, {"model", model}};

}  // namespace plexus::fuzz
