// Writes a small MNIST-style IDX folder (train-* and t10k-* images and labels, uncompressed) for
// the plexus command's tests: 28x28 grey images of four classes, each a bright square in its own
// quadrant over noise, so a working network separates them and a broken one cannot. Also writes
// x.npy (float32 [300, 3]), y.npy (int64 labels 5 or 7), v.npy (float64 values) and big.npy
// (x times 10000, for logits far beyond exp's range) beside them.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace {

void put32(std::ofstream& out, uint32_t value) {
  const unsigned char bytes[4] = {
      static_cast<unsigned char>(value >> 24), static_cast<unsigned char>(value >> 16),
      static_cast<unsigned char>(value >> 8), static_cast<unsigned char>(value)};
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

void write_arrays(const std::string& dir) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int n = 300;
  std::vector<float> x(n * 3);
  std::vector<int64_t> y(n);
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) x[i * 3 + j] = normal(rng);
    y[i] = x[i * 3] + x[i * 3 + 1] > 0 ? 7 : 5;
    v[i] = 10.0 + 3.0 * x[i * 3] - 2.0 * x[i * 3 + 1] + x[i * 3 + 2];
  }
  write_npy(dir + "/x.npy", "<f4", "(300, 3)", x.data(), x.size() * sizeof(float));
  write_npy(dir + "/y.npy", "<i8", "(300,)", y.data(), y.size() * sizeof(int64_t));
  write_npy(dir + "/v.npy", "<f8", "(300,)", v.data(), v.size() * sizeof(double));
  for (float& value : x) value *= 10000.0f;
  write_npy(dir + "/big.npy", "<f4", "(300, 3)", x.data(), x.size() * sizeof(float));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_idx DIR\n";
    return 2;
  }
  write_split(argv[1], "train", 400, 1);
  write_split(argv[1], "t10k", 100, 2);
  write_arrays(argv[1]);
  return 0;
}
