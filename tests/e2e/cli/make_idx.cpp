// Writes a small MNIST-style IDX folder (train-* and t10k-* images and labels, uncompressed) for
// the plexus command's tests: 28x28 grey images of four classes, each a bright square in its own
// quadrant over noise, so a working network separates them and a broken one cannot.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

void put32(std::ofstream& out, uint32_t value) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(value >> 24),
                                  static_cast<unsigned char>(value >> 16),
                                  static_cast<unsigned char>(value >> 8),
                                  static_cast<unsigned char>(value)};
  out.write(reinterpret_cast<const char*>(bytes), 4);
}

void write_split(const std::string& dir, const std::string& prefix, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(0, 60), cls(0, 3), jitter(0, 4);
  std::ofstream images(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream labels(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  put32(images, 0x00000803);
  put32(images, static_cast<uint32_t>(count));
  put32(images, 28);
  put32(images, 28);
  put32(labels, 0x00000801);
  put32(labels, static_cast<uint32_t>(count));
  std::vector<unsigned char> pixels(28 * 28);
  for (int n = 0; n < count; ++n) {
    int c = cls(rng);
    int top = (c / 2) * 14 + jitter(rng), left = (c % 2) * 14 + jitter(rng);
    for (int i = 0; i < 28; ++i)
      for (int j = 0; j < 28; ++j) {
        bool inside = i >= top && i < top + 9 && j >= left && j < left + 9;
        pixels[i * 28 + j] = static_cast<unsigned char>(inside ? 180 + noise(rng) : noise(rng));
      }
    images.write(reinterpret_cast<const char*>(pixels.data()), 28 * 28);
    const char label = static_cast<char>(c);
    labels.write(&label, 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_idx DIR\n";
    return 2;
  }
  write_split(argv[1], "train", 400, 1);
  write_split(argv[1], "t10k", 100, 2);
  return 0;
}
