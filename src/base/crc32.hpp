// CRC-32 (the zlib / PNG / gzip checksum: reflected polynomial 0xEDB88320), of safetensors files'
// data sections. zlib's where plexus is built with zlib, else a table-driven one of the same value.
#pragma once

#include <cstdint>
#include <string_view>

namespace plexus {

/// The CRC-32 of `data`; crc32("123456789") == 0xCBF43926.
uint32_t crc32(std::string_view data);

}  // namespace plexus
