// IDX reader: a big-endian header (magic 0x0801 labels / 0x0803 images, then the sizes) followed
// by unsigned bytes. zlib's gzread reads plain and gzip-compressed files alike; a build without
// zlib (WebAssembly) reads plain files and says so for a gzip one.
#include "plexus/data/fashion_mnist.hpp"

#if PLEXUS_HAVE_ZLIB
#include <zlib.h>
#endif

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "base/check.hpp"

namespace plexus::data {
namespace {

#if PLEXUS_HAVE_ZLIB
struct FileCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using File = std::unique_ptr<std::remove_pointer_t<gzFile>, FileCloser>;

File open_file(const std::string& path) { return File(gzopen(path.c_str(), "rb")); }
int read_some(const File& file, unsigned char* out, unsigned n) {
  return gzread(file.get(), out, n);
}
bool is_plain(const File& file) { return gzdirect(file.get()) == 1; }
#else
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) return file;
  const int first = std::fgetc(file.get());
  const int second = std::fgetc(file.get());
  PLEXUS_CHECK(first != 0x1f || second != 0x8b, path,
               ": a gzip-compressed file, and this build of plexus has no zlib (the WebAssembly "
               "build); hint: decompress it first (gunzip)");
  std::rewind(file.get());
  return file;
}
int read_some(const File& file, unsigned char* out, unsigned n) {
  return static_cast<int>(std::fread(out, 1, n, file.get()));
}
bool is_plain(const File&) { return true; }
#endif

class IdxFile {
 public:
  explicit IdxFile(const std::string& path) : path_(path), file_(open_file(path)) {
    PLEXUS_CHECK(file_ != nullptr, path, ": cannot open",
                 std::filesystem::exists(path) ? "" : " (no such file)",
                 path.find("fashion-mnist") != std::string::npos
                     ? "; hint: apt-get install dataset-fashion-mnist"
                     : "");
  }

  uint32_t read_u32(const char* what) {
    unsigned char b[4];
    read(b, 4, what);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }

  void read(unsigned char* out, size_t n, const char* what) {
    size_t done = 0;
    while (done < n) {
      const auto chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      const int got = read_some(file_, out + done, chunk);
      PLEXUS_CHECK(got > 0, path_, ": file ends early while reading ", what, " (read ", done,
                   " of ", n, " bytes); the file is truncated or not an IDX file");
      done += static_cast<size_t>(got);
    }
  }

  // An upper bound on the bytes left after a header of `header_bytes`, so that no size read from
  // the header is allocated unchecked: the file's length for a plain file, and that times
  // deflate's largest compression ratio (1032:1) for a gzip file.
  uint64_t max_payload(uint64_t header_bytes) const {
    std::error_code error;
    const uint64_t size = std::filesystem::file_size(path_, error);
    if (error) return 0;
    if (is_plain(file_)) return size > header_bytes ? size - header_bytes : 0;
    return size * 1032;
  }

  void check_payload(uint64_t header_bytes, uint64_t needed, const char* what) const {
    PLEXUS_CHECK(needed <= max_payload(header_bytes), path_, ": the header promises ", needed,
                 " bytes of ", what, ", more than the file can hold; it is truncated or damaged");
  }

 private:
  std::string path_;
  File file_;
};

}  // namespace

LabelledImages read_idx(const std::string& images_path, const std::string& labels_path) {
  IdxFile images(images_path);
  const uint32_t image_magic = images.read_u32("the header");
  PLEXUS_CHECK(image_magic == 0x0803, images_path, ": not an IDX image file (magic 0x", std::hex,
               image_magic, ", expected 0x803)");
  const uint32_t count = images.read_u32("the header");
  const uint32_t rows = images.read_u32("the header");
  const uint32_t cols = images.read_u32("the header");
  PLEXUS_CHECK(rows > 0 && cols > 0 && rows <= 4096 && cols <= 4096, images_path,
               ": implausible image size ", rows, "x", cols);

  IdxFile labels(labels_path);
  const uint32_t label_magic = labels.read_u32("the header");
  PLEXUS_CHECK(label_magic == 0x0801, labels_path, ": not an IDX label file (magic 0x", std::hex,
               label_magic, ", expected 0x801)");
  const uint32_t label_count = labels.read_u32("the header");
  PLEXUS_CHECK(label_count == count, labels_path, ": ", label_count, " labels for ", count,
               " images in ", images_path);

  const size_t pixels = size_t{rows} * cols;
  // count < 2^32 and pixels <= 2^24, so the product fits in 64 bits.
  images.check_payload(16, uint64_t{count} * pixels, "pixels");
  labels.check_payload(8, count, "labels");
  std::vector<unsigned char> bytes(size_t{count} * pixels);
  images.read(bytes.data(), bytes.size(), "the pixels");
  LabelledImages out{Tensor::empty({count, static_cast<int64_t>(pixels)}), Tensor::empty({count})};
  float* x = out.images.data();
  for (size_t i = 0; i < bytes.size(); ++i) x[i] = static_cast<float>(bytes[i]) / 255.0f;

  std::vector<unsigned char> classes(count);
  labels.read(classes.data(), classes.size(), "the labels");
  for (size_t i = 0; i < count; ++i) out.labels.data()[i] = static_cast<float>(classes[i]);
  return out;
}

LabelledImages load_fashion_mnist(bool train, const std::string& dir) {
  const std::string prefix = dir + (train ? "/train" : "/t10k");
  return read_idx(prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz");
}

LabelledImages load_idx_dir(const std::filesystem::path& dir, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  auto find = [&](const std::string& name) {
    for (const std::string& candidate : {name, name + ".gz"}) {
      if (std::filesystem::is_regular_file(dir / candidate)) return (dir / candidate).string();
    }
    detail::throw_error(dir.string(), ": no ", name, " or ", name, ".gz; an IDX folder holds ",
                        "train-images-idx3-ubyte, train-labels-idx1-ubyte, ",
                        "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may end in .gz)");
  };
  const std::string images = find(prefix + "-images-idx3-ubyte");
  return read_idx(images, find(prefix + "-labels-idx1-ubyte"));
}

}  // namespace plexus::data
