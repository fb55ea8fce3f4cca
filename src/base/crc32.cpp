// CRC-32 through zlib where the build has it (PLEXUS_HAVE_ZLIB), else byte by byte from a
// 256-entry table: builds without zlib (WebAssembly) checksum models of kilobytes to megabytes.
#include "base/crc32.hpp"

#include <array>

#if PLEXUS_HAVE_ZLIB
#include <zlib.h>
#endif

namespace plexus {

#if PLEXUS_HAVE_ZLIB
uint32_t crc32(std::string_view data) {
  const uLong crc =
      crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()), data.size());
  return static_cast<uint32_t>(crc);
}
#else
namespace {
constexpr std::array<uint32_t, 256> kTable = [] {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    table[byte] = crc;
  }
  return table;
}();
}  // namespace

uint32_t crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data)
    crc = (crc >> 8) ^ kTable[(crc ^ static_cast<unsigned char>(c)) & 0xFFu];
  return crc ^ 0xFFFFFFFFu;
}
#endif

}  // namespace plexus
