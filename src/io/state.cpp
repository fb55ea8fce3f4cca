// State files: named tensors in a small binary format, written atomically and read with every
// size checked against what is left of the file before anything is allocated.
#include "plexus/io/state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

#include "base/atomic_file.hpp"
#include "base/check.hpp"
#include "nn/module_detail.hpp"
#include "plexus/nn/module.hpp"

namespace plexus::io {

static_assert(std::endian::native == std::endian::little,
              "plexus state files are little-endian; this platform needs byte swapping added");

namespace {

constexpr char kMagic[8] = {'P', 'L', 'X', 'S', 'T', 'A', 'T', 'E'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxNameLength = 4096;
constexpr uint32_t kMaxRank = 16;

template <typename T>
void put(std::ostream& out, T value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Reads from a stream of known length, so a size field can be checked against the bytes left.
class Reader {
 public:
  Reader(std::istream& in, std::string_view source) : in_(in), source_(source) {
    const auto start = in.tellg();
    in.seekg(0, std::ios::end);
    left_ = static_cast<uint64_t>(in.tellg() - start);
    in.seekg(start);
  }

  void bytes(void* out, uint64_t n, const std::string& what) {
    PLEXUS_CHECK(n <= left_, source_, ": truncated: ", what, " needs ", n, " bytes, ", left_,
                 " left");
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    PLEXUS_CHECK(in_.good(), source_, ": read error in ", what);
    left_ -= n;
  }
  template <typename T>
  T get(const std::string& what) {
    T value;
    bytes(&value, sizeof(T), what);
    return value;
  }
  uint64_t left() const { return left_; }
  const std::string& source() const { return source_; }

 private:
  std::istream& in_;
  std::string source_;
  uint64_t left_ = 0;
};

// Throws "<what>: <the system's reason>"; `error` is errno saved before any cleanup call.
[[noreturn]] void throw_system_error(const std::string& what, int error) {
  detail::throw_error(what, ": ", std::strerror(error));
}

}  // namespace

NamedTensors state_dict(const nn::Module& module) { return module.state_dict(); }

NamedTensors snapshot(const nn::Module& module) {
  NamedTensors state = module.state_dict();
  for (auto& [name, tensor] : state) tensor = tensor.clone();
  return state;
}

void load_state_dict(nn::Module& module, const NamedTensors& state, std::string_view source) {
  nn::detail::load_state_dict(module, state, /*strict=*/true, source);
}

void write_tensors(std::ostream& out, const NamedTensors& tensors) {
  out.write(kMagic, sizeof(kMagic));
  put<uint32_t>(out, kVersion);
  put<uint32_t>(out, static_cast<uint32_t>(tensors.size()));
  for (const auto& [name, tensor] : tensors) {
    PLEXUS_CHECK(name.size() <= kMaxNameLength && tensor.rank() <= kMaxRank,
                 "write_tensors: tensor \"", name, "\" ", tensor.shape(),
                 " exceeds the format's limits");
    put<uint32_t>(out, static_cast<uint32_t>(name.size()));
    out.write(name.data(), static_cast<std::streamsize>(name.size()));
    put<uint32_t>(out, static_cast<uint32_t>(tensor.rank()));
    for (int64_t d : tensor.shape()) put<int64_t>(out, d);
    out.write(reinterpret_cast<const char*>(tensor.data()),
              static_cast<std::streamsize>(tensor.numel() * sizeof(float)));
  }
}

NamedTensors read_tensors(std::istream& in, std::string_view source) {
  Reader reader(in, source);
  char magic[sizeof(kMagic)] = {};
  PLEXUS_CHECK(reader.left() >= sizeof(kMagic), source,
               ": not a plexus state file (too short for its header)");
  reader.bytes(magic, sizeof(magic), "the header");
  PLEXUS_CHECK(std::memcmp(magic, kMagic, sizeof(kMagic)) == 0, source,
               ": not a plexus state file (it does not start with \"PLXSTATE\")");
  const auto version = reader.get<uint32_t>("the version");
  PLEXUS_CHECK(version == kVersion, source, ": state format version ", version,
               " is not supported (this plexus reads version ", kVersion, ")");
  const auto count = reader.get<uint32_t>("the tensor count");
  NamedTensors tensors;
  for (uint32_t i = 0; i < count; ++i) {
    const std::string entry = "tensor " + std::to_string(i);
    const auto length = reader.get<uint32_t>(entry + "'s name length");
    PLEXUS_CHECK(length <= kMaxNameLength, source, ": ", entry, " has a name of ", length,
                 " bytes; the file is damaged");
    std::string name(length, '\0');
    reader.bytes(name.data(), length, entry + "'s name");
    const std::string what = "tensor \"" + name + "\"";
    const auto rank = reader.get<uint32_t>(what + "'s rank");
    PLEXUS_CHECK(rank <= kMaxRank, source, ": ", what, " has rank ", rank, "; the file is damaged");
    Shape shape;
    uint64_t numel = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      const auto dim = reader.get<int64_t>(what + "'s shape");
      PLEXUS_CHECK(dim >= 0 && (dim == 0 || numel <= reader.left() / static_cast<uint64_t>(dim)),
                   source, ": ", what, " has dimension ", dim,
                   ", more than the file holds; the file is damaged or truncated");
      numel *= static_cast<uint64_t>(dim);
      shape.push_back(dim);
    }
    PLEXUS_CHECK(numel * sizeof(float) <= reader.left(), source, ": truncated: ", what, " ", shape,
                 " needs ", numel * sizeof(float), " bytes, ", reader.left(), " left");
    Tensor tensor = Tensor::empty(shape);
    reader.bytes(tensor.data(), numel * sizeof(float), what + "'s data");
    tensors.emplace_back(std::move(name), std::move(tensor));
  }
  return tensors;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  detail::write_file_atomically(path, {bytes});
}

void save_tensors(const NamedTensors& tensors, const std::filesystem::path& path) {
  std::ostringstream out(std::ios::binary);
  write_tensors(out, tensors);
  write_file_atomically(path, out.view());
}

NamedTensors load_tensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_system_error("cannot open " + path.string(), errno);
  NamedTensors tensors = read_tensors(in, path.string());
  PLEXUS_CHECK(in.peek() == std::char_traits<char>::eof(), path.string(),
               ": unexpected bytes after the last tensor; the file is damaged");
  return tensors;
}

void save_state(const nn::Module& module, const std::filesystem::path& path) {
  save_tensors(module.state_dict(), path);
}

void load_state(nn::Module& module, const std::filesystem::path& path) {
  nn::detail::load_state_dict(module, load_tensors(path), /*strict=*/true, path.string());
}

}  // namespace plexus::io
