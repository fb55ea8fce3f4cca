// .npy format (numpy.lib.format): the magic "\x93NUMPY", a version (1.0: 16-bit header length;
// 2.0 and 3.0: 32-bit), then a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded with spaces to an aligned length, then the raw data.
#include "plexus/data/npy.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/check.hpp"
#include "plexus/base/atomic_file.hpp"

namespace plexus::data {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// The subset of Python literal syntax that NumPy writes in the header: a dict of string keys to
// strings, booleans and tuples of integers.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Header parse() {
    Header header;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (!eat('}')) {
      const std::string key = string();
      expect(':');
      if (key == "descr") {
        skip();
        if (peek() == '[') fail("a structured dtype (a list of fields) is not supported");
        header.descr = string();
        has_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
        has_order = true;
      } else if (key == "shape") {
        header.shape = tuple();
        has_shape = true;
      } else {
        fail("unknown key '" + key + "'");
      }
      if (!eat(',')) {
        expect('}');
        break;
      }
    }
    PLEXUS_CHECK(has_descr && has_order && has_shape, file_,
                 ": the .npy header lacks 'descr', 'fortran_order' or 'shape'");
    return header;
  }

 private:
  void skip() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    skip();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  [[noreturn]] void fail(const std::string& what) const {
    detail::throw_error(file_, ": the .npy header does not parse: ", what, " at offset ", pos_,
                        " of \"", text_, "\"");
  }

  std::string string() {
    skip();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }

  bool boolean() {
    skip();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail("expected True or False");
  }

  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (!eat(')')) {
      skip();
      uint64_t dim = 0;
      const auto [end, error] =
          std::from_chars(text_.data() + pos_, text_.data() + text_.size(), dim);
      if (error != std::errc() || dim > uint64_t{std::numeric_limits<int64_t>::max()})
        fail("expected a dimension (an integer >= 0)");
      pos_ = static_cast<size_t>(end - text_.data());
      if (peek() == 'L') ++pos_;  // Python 2 wrote long integers with a suffix
      dims.push_back(static_cast<int64_t>(dim));
      if (!eat(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
};

enum class Kind { f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, b1 };

struct Dtype {
  Kind kind;
  size_t size;
};

std::optional<Dtype> dtype_of(std::string_view descr) {
  if (descr.size() < 3) return std::nullopt;
  const char order = descr[0];
  const std::string_view type = descr.substr(1);
  static constexpr std::pair<std::string_view, Dtype> kTypes[] = {
      {"f4", {Kind::f32, 4}}, {"f8", {Kind::f64, 8}}, {"i1", {Kind::i8, 1}}, {"i2", {Kind::i16, 2}},
      {"i4", {Kind::i32, 4}}, {"i8", {Kind::i64, 8}}, {"u1", {Kind::u8, 1}}, {"u2", {Kind::u16, 2}},
      {"u4", {Kind::u32, 4}}, {"u8", {Kind::u64, 8}}, {"b1", {Kind::b1, 1}}};
  for (const auto& [name, dtype] : kTypes) {
    // '|' (byte order not applicable) is what NumPy writes for one-byte types.
    if (type == name && (order == '<' || (order == '|' && dtype.size == 1))) return dtype;
  }
  return std::nullopt;
}

template <typename T>
void convert(const unsigned char* bytes, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    T value;
    std::memcpy(&value, bytes + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(value);
  }
}

// `count` values of `kind` at `bytes` as floats, as by static_cast<float>.
void convert_values(Kind kind, const unsigned char* bytes, float* out, size_t count) {
  switch (kind) {
    case Kind::f32:
      std::memcpy(out, bytes, count * sizeof(float));
      break;
    case Kind::f64:
      convert<double>(bytes, out, count);
      break;
    case Kind::i8:
      convert<int8_t>(bytes, out, count);
      break;
    case Kind::i16:
      convert<int16_t>(bytes, out, count);
      break;
    case Kind::i32:
      convert<int32_t>(bytes, out, count);
      break;
    case Kind::i64:
      convert<int64_t>(bytes, out, count);
      break;
    case Kind::u8:
      convert<uint8_t>(bytes, out, count);
      break;
    case Kind::u16:
      convert<uint16_t>(bytes, out, count);
      break;
    case Kind::u32:
      convert<uint32_t>(bytes, out, count);
      break;
    case Kind::u64:
      convert<uint64_t>(bytes, out, count);
      break;
    case Kind::b1:
      for (size_t i = 0; i < count; ++i) out[i] = bytes[i] != 0 ? 1.0f : 0.0f;
      break;
  }
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream text;
  text << "(";
  for (size_t i = 0; i < shape.size(); ++i) text << (i ? ", " : "") << shape[i];
  text << (shape.size() == 1 ? ",)" : ")");
  return text.str();
}

[[noreturn]] void throw_system_error(const std::string& what, int error) {
  detail::throw_error(what, ": ", std::strerror(error));
}

// The header of a .npy file opened as `in`, checked against the file's size.
struct Layout {
  Header header;
  Dtype dtype;
  uint64_t data_offset;  // where the values start
  uint64_t count;        // how many values
  uint64_t bytes;        // count * the dtype's size
};

Layout read_layout(std::istream& in, const std::string& file, uint64_t file_size) {
  unsigned char start[12] = {};
  in.read(reinterpret_cast<char*>(start), 10);
  PLEXUS_CHECK(in.gcount() == 10 && std::string_view(reinterpret_cast<char*>(start), 6) == kMagic,
               file, ": not a .npy file (it does not start with \"\\x93NUMPY\")");
  const unsigned major = start[6], minor = start[7];
  PLEXUS_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, file,
               ": .npy format version ", major, ".", minor,
               " is not supported (1.0, 2.0 and 3.0 are)");
  uint64_t header_length = uint64_t{start[8]} | uint64_t{start[9]} << 8;
  uint64_t prefix = 10;
  if (major >= 2) {
    in.read(reinterpret_cast<char*>(start + 10), 2);
    PLEXUS_CHECK(in.gcount() == 2, file, ": the file ends inside the .npy header");
    header_length |= uint64_t{start[10]} << 16 | uint64_t{start[11]} << 24;
    prefix = 12;
  }
  PLEXUS_CHECK(prefix + header_length <= file_size, file, ": the .npy header claims ",
               header_length, " bytes but the file has only ", file_size, "; it is truncated");
  std::string text(header_length, '\0');
  in.read(text.data(), static_cast<std::streamsize>(header_length));
  PLEXUS_CHECK(in.gcount() == static_cast<std::streamsize>(header_length), file,
               ": read error in the .npy header");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  Header header = HeaderParser(text, file).parse();

  PLEXUS_CHECK(!header.fortran_order, file,
               ": the array is in Fortran (column-major) order; save it with "
               "np.save(path, np.ascontiguousarray(a))");
  const std::optional<Dtype> dtype = dtype_of(header.descr);
  if (!dtype) {
    const bool big = !header.descr.empty() && header.descr[0] == '>';
    detail::throw_error(
        file, ": dtype '", header.descr, "' is not supported",
        big ? " (big-endian; save it with a.astype(a.dtype.newbyteorder('<')))" : "",
        "; supported: float32, float64, int8/16/32/64, uint8/16/32/64 and bool, little-endian");
  }
  uint64_t count = 1;
  for (const int64_t dim : header.shape) {
    PLEXUS_CHECK(!__builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count), file,
                 ": the shape ", shape_text(header.shape),
                 " has more elements than fit in 64 bits");
  }
  uint64_t bytes = 0;
  const bool overflow = __builtin_mul_overflow(count, uint64_t{dtype->size}, &bytes);
  const uint64_t data_size = file_size - prefix - header_length;
  PLEXUS_CHECK(!overflow && bytes == data_size, file, ": the shape ", shape_text(header.shape),
               " of '", header.descr, "' needs ", count, " x ", dtype->size,
               " bytes of data but the file has ", data_size,
               overflow || bytes > data_size ? "; it is truncated" : " (extra bytes at the end)");

  return {std::move(header), *dtype, prefix + header_length, count, bytes};
}

}  // namespace

Tensor read_npy(const std::filesystem::path& path) {
  static_assert(std::endian::native == std::endian::little,
                "read_npy converts little-endian data by memcpy");
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_system_error(file + ": cannot open", errno);
  std::error_code size_error;
  const uint64_t file_size = std::filesystem::file_size(path, size_error);
  PLEXUS_CHECK(!size_error, file, ": cannot tell the file's size: ", size_error.message());

  const Layout layout = read_layout(in, file, file_size);
  const Header& header = layout.header;
  const Dtype& dtype = layout.dtype;
  const uint64_t count = layout.count, bytes = layout.bytes;

  Tensor out = Tensor::empty(Shape(std::span<const int64_t>(header.shape)));
  float* x = out.data();
  auto read = [&](char* to, uint64_t n) {
    in.read(to, static_cast<std::streamsize>(n));
    PLEXUS_CHECK(in.gcount() == static_cast<std::streamsize>(n), file,
                 ": read error in the data (the file changed while being read?)");
  };
  if (dtype.kind == Kind::f32) {
    read(reinterpret_cast<char*>(x), bytes);
    return out;
  }
  std::vector<unsigned char> raw(bytes);
  read(reinterpret_cast<char*>(raw.data()), bytes);
  convert_values(dtype.kind, raw.data(), x, count);
  return out;
}

void write_npy(const Tensor& tensor, const std::filesystem::path& path) {
  PLEXUS_CHECK(tensor.defined(), "write_npy: ", path.string(), ": the tensor is undefined");
  const std::vector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
  std::string head =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // NumPy pads so that the data starts on a 64-byte boundary, ending the header with '\n'.
  const size_t unpadded = kMagic.size() + 4 + head.size() + 1;
  head.append((64 - unpadded % 64) % 64, ' ');
  head += '\n';
  PLEXUS_CHECK(head.size() <= 0xffff, "write_npy: ", path.string(), ": the shape ",
               shape_text(shape), " makes the header too long for version 1.0");
  const auto length = static_cast<uint16_t>(head.size());
  std::string prefix(kMagic);
  prefix += '\x01';
  prefix += '\x00';
  prefix += static_cast<char>(length & 0xff);
  prefix += static_cast<char>(length >> 8);
  write_file_atomically(
      path, {prefix + head, std::string_view(reinterpret_cast<const char*>(tensor.data()),
                                             tensor.numel() * sizeof(float))});
}

MappedNpy::MappedNpy(const std::filesystem::path& path) : path_(path.string()) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_system_error(path_ + ": cannot open", errno);
  std::error_code size_error;
  const uint64_t file_size = std::filesystem::file_size(path, size_error);
  PLEXUS_CHECK(!size_error, path_, ": cannot tell the file's size: ", size_error.message());
  const Layout layout = read_layout(in, path_, file_size);
  const std::vector<int64_t>& shape = layout.header.shape;
  PLEXUS_CHECK(!shape.empty(), path_,
               ": the shape () is one value, not rows; save the rows as an array of one or more "
               "dimensions");
  // Rows of the first dimension, the others flattened, as the in-memory reader takes them. With
  // no rows the element count read_layout checked says nothing of a row's size: check it here.
  uint64_t cols = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    PLEXUS_CHECK(!__builtin_mul_overflow(cols, static_cast<uint64_t>(shape[i]), &cols), path_,
                 ": the shape ", shape_text(shape), " has rows of more values than fit in 64 bits");
  PLEXUS_CHECK(!__builtin_mul_overflow(cols, uint64_t{layout.dtype.size}, &row_bytes_) &&
                   cols <= uint64_t{std::numeric_limits<int64_t>::max()},
               path_, ": the shape ", shape_text(shape),
               " has rows of more bytes than fit in 64 bits");
  rows_ = shape[0];
  cols_ = static_cast<int64_t>(cols);
  kind_ = static_cast<uint8_t>(layout.dtype.kind);
  data_offset_ = layout.data_offset;
  if (layout.bytes == 0) return;
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_system_error(path_ + ": cannot open", errno);
}

MappedNpy::~MappedNpy() { close(); }

MappedNpy::MappedNpy(MappedNpy&& other) noexcept { *this = std::move(other); }

MappedNpy& MappedNpy::operator=(MappedNpy&& other) noexcept {
  if (this == &other) return *this;
  close();
  path_ = std::move(other.path_);
  rows_ = std::exchange(other.rows_, 0);
  cols_ = std::exchange(other.cols_, 0);
  kind_ = other.kind_;
  row_bytes_ = other.row_bytes_;
  data_offset_ = other.data_offset_;
  fd_ = std::exchange(other.fd_, -1);
  return *this;
}

void MappedNpy::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void MappedNpy::read_rows(int64_t begin, int64_t end, float* out) const {
  PLEXUS_CHECK(0 <= begin && begin <= end && end <= rows_, path_, ": rows [", begin, ", ", end,
               ") are out of range (the array has ", rows_, " rows)");
  const auto count = static_cast<size_t>((end - begin) * cols_);
  if (count == 0) return;
  // Only these rows' pages are mapped, and only while they are read: a process maps its share
  // of the file, and a file larger than the address space streams.
  static const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t first = data_offset_ + static_cast<uint64_t>(begin) * row_bytes_;
  const uint64_t last = data_offset_ + static_cast<uint64_t>(end) * row_bytes_;
  const uint64_t start = first / page * page;
  const auto length = static_cast<size_t>(last - start);
  void* mapping = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd_, static_cast<off_t>(start));
  if (mapping == MAP_FAILED)
    throw_system_error(path_ + ": cannot map rows [" + std::to_string(begin) + ", " +
                           std::to_string(end) + ") into memory",
                       errno);
  ::madvise(mapping, length, MADV_SEQUENTIAL);
  convert_values(static_cast<Kind>(kind_),
                 static_cast<const unsigned char*>(mapping) + (first - start), out, count);
  ::munmap(mapping, length);
}

Tensor MappedNpy::rows(int64_t begin, int64_t end) const {
  PLEXUS_CHECK(0 <= begin && begin <= end && end <= rows_, path_, ": rows [", begin, ", ", end,
               ") are out of range (the array has ", rows_, " rows)");
  Tensor out = Tensor::empty({end - begin, cols_});
  read_rows(begin, end, out.data());
  return out;
}

}  // namespace plexus::data
