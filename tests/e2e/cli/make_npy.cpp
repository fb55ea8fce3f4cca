// Writes labelled .npy data for the plexus command's streaming tests:
//   make_npy PREFIX ROWS SEED [int32 | uint8]
// PREFIX_x.npy (float32 [ROWS, 4], uniform in [-2, 2); with int32, the values times 100 as int32;
// with uint8, images [ROWS, 2, 2] of the values mapped onto 0..252) and PREFIX_y.npy (int64
// labels 0, 1 or 2 from x0 + x1, so a working network learns them).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

void write_npy(const std::string& path, const std::string& descr, const std::string& shape,
               const void* data, size_t bytes) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned char length[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                   static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(length), 2);
  out << header;
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dtype = argc == 5 ? argv[4] : "float32";
  const bool int32 = dtype == "int32", uint8 = dtype == "uint8";
  if ((argc != 4 && argc != 5) || (argc == 5 && !int32 && !uint8)) {
    std::cerr << "usage: make_npy PREFIX ROWS SEED [int32 | uint8]\n";
    return 2;
  }
  const std::string prefix = argv[1];
  const size_t rows = std::strtoull(argv[2], nullptr, 10);
  std::mt19937 rng(static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10)));
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::vector<float> x;
  std::vector<int32_t> xint;
  std::vector<uint8_t> xbyte;
  std::vector<int64_t> y;
  for (size_t i = 0; i < rows; ++i) {
    for (int j = 0; j < 4; ++j) x.push_back(uniform(rng));
    const float s = x[i * 4] + x[i * 4 + 1];
    y.push_back(s < -0.7f ? 0 : (s < 0.7f ? 1 : 2));
  }
  for (const float v : x) {
    if (int32) xint.push_back(static_cast<int32_t>(v * 100));
    if (uint8) xbyte.push_back(static_cast<uint8_t>((v + 2.0f) * 63.0f));
  }
  const std::string n = std::to_string(rows);
  const std::string shape = std::string("(").append(n).append(", 4)");
  if (int32)
    write_npy(prefix + "_x.npy", "<i4", shape, xint.data(), xint.size() * sizeof(int32_t));
  else if (uint8)
    write_npy(prefix + "_x.npy", "|u1", std::string("(").append(n).append(", 2, 2)"), xbyte.data(),
              xbyte.size());
  else
    write_npy(prefix + "_x.npy", "<f4", shape, x.data(), x.size() * sizeof(float));
  write_npy(prefix + "_y.npy", "<i8", std::string("(").append(n).append(",)"), y.data(),
            y.size() * sizeof(int64_t));
  return 0;
}
