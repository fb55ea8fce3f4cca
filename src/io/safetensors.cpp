// Safetensors files: written with the reference implementation's layout (metadata first, header
// padded to 8 bytes) and read as hostile input: every number in the header is checked against
// the bytes that are there before anything is allocated from it.
#include "plexus/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "base/crc32.hpp"
#include "nn/module_detail.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plexus/nn/module.hpp"

namespace plexus::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this platform needs byte swapping added");

namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr std::string_view kMetadataKey = "__metadata__";
constexpr size_t kAlignment = 8;
// A safetensors header nests 3 deep (header, entry, shape); far deeper JSON is damage or an attack
// on the parser's memory.
constexpr int kMaxDepth = 16;
constexpr size_t kMaxQuoted = 120;  // of a bad value, in a message

enum class Dtype { kF32, kF64, kF16, kBF16 };

struct DtypeInfo {
  std::string_view name;
  Dtype dtype;
  uint64_t size;
};

constexpr DtypeInfo kDtypes[] = {{"F32", Dtype::kF32, 4},
                                 {"F64", Dtype::kF64, 8},
                                 {"F16", Dtype::kF16, 2},
                                 {"BF16", Dtype::kBF16, 2}};

struct Entry {
  std::string name;
  DtypeInfo dtype;
  Shape shape;
  uint64_t begin;
  uint64_t end;
};

std::string crc32_hex(std::string_view data) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08lx", static_cast<unsigned long>(crc32(data)));
  return hex;
}

// `text` cut to kMaxQuoted characters: a damaged header can make a bad value megabytes long.
std::string shortened(std::string text) {
  if (text.size() > kMaxQuoted) text = text.substr(0, kMaxQuoted) + "...";
  return text;
}

// nlohmann refuses to dump strings that are not UTF-8; this names the string at fault instead.
void check_utf8(const std::string& text, std::string_view what) {
  try {
    static_cast<void>(Json(text).dump());
  } catch (const Json::type_error&) {
    detail::throw_error("save_safetensors: ", what, " is not valid UTF-8");
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  const uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)
                                         : sign | ((exponent + 112) << 23) | (mantissa << 13);
  return compat::bit_cast<float>(bits);
}

void convert(const Entry& entry, const char* bytes, float* out, size_t numel) {
  switch (entry.dtype.dtype) {
    case Dtype::kF32:
      std::memcpy(out, bytes, numel * sizeof(float));
      return;
    case Dtype::kF64:
      for (size_t i = 0; i < numel; ++i) {
        double value;
        std::memcpy(&value, bytes + i * sizeof(double), sizeof(double));
        out[i] = static_cast<float>(value);
      }
      return;
    case Dtype::kF16:
    case Dtype::kBF16:
      for (size_t i = 0; i < numel; ++i) {
        uint16_t half;
        std::memcpy(&half, bytes + i * sizeof(half), sizeof(half));
        out[i] = entry.dtype.dtype == Dtype::kF16
                     ? half_to_float(half)
                     : compat::bit_cast<float>(static_cast<uint32_t>(half) << 16);
      }
      return;
  }
}

// Parses the header, noting the first key that appears twice in an object: nlohmann would keep
// only the last one, and two entries of one name must not pass for one.
Json parse_header(std::string_view text, std::string_view source) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  const Json::parser_callback_t note_keys = [&](int depth, Json::parse_event_t event,
                                                Json& parsed) {
    PLEXUS_CHECK(depth <= kMaxDepth, source, ": the header nests JSON deeper than ", kMaxDepth,
                 " levels; the file is damaged or not safetensors");
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && duplicate.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), note_keys);
  } catch (const Json::parse_error& e) {
    detail::throw_error(source, ": the header is not valid JSON (at byte ", e.byte,
                        " of the header): ", shortened(e.what()));
  }
  PLEXUS_CHECK(duplicate.empty(), source, ": the header holds the key \"", duplicate, "\" twice");
  return header;
}

uint64_t unsigned_of(const Json& value, std::string_view what, std::string_view source) {
  PLEXUS_CHECK(value.is_number_integer(), source, ": ", what, " is not an integer (",
               shortened(value.dump()), ")");
  PLEXUS_CHECK(value.is_number_unsigned(), source, ": ", what, " is negative (",
               shortened(value.dump()), ")");
  return value.get<uint64_t>();
}

Metadata read_metadata(const Json& json, std::string_view source) {
  PLEXUS_CHECK(json.is_object(), source, ": \"__metadata__\" is not an object but ",
               json.type_name());
  Metadata metadata;
  for (const auto& [key, value] : json.items()) {
    PLEXUS_CHECK(value.is_string(), source, ": metadata \"", key, "\" is not a string but ",
                 value.type_name());
    metadata.emplace(key, value.get<std::string>());
  }
  return metadata;
}

Entry read_entry(const std::string& name, const Json& json, uint64_t data_size,
                 std::string_view source) {
  const std::string what = "tensor \"" + name + "\"";
  PLEXUS_CHECK(json.is_object(), source, ": ", what, " is not an object but ", json.type_name());
  for (const auto& [key, value] : json.items()) {
    PLEXUS_CHECK(key == "dtype" || key == "shape" || key == "data_offsets", source, ": ", what,
                 " has an unknown field \"", key, "\"");
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    PLEXUS_CHECK(json.contains(field), source, ": ", what, " has no \"", field, "\"");
  }

  const Json& dtype = json["dtype"];
  PLEXUS_CHECK(dtype.is_string(), source, ": ", what, "'s dtype is not a string but ",
               dtype.type_name());
  const auto& dtype_name = dtype.get_ref<const std::string&>();
  const auto* info = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                                  [&](const DtypeInfo& d) { return d.name == dtype_name; });
  PLEXUS_CHECK(info != std::end(kDtypes), source, ": ", what, " has dtype \"", dtype_name,
               "\", which plexus does not read (it reads F32, and F64, F16 and BF16 as float32)");

  const Json& dims = json["shape"];
  PLEXUS_CHECK(dims.is_array(), source, ": ", what, "'s shape is not an array but ",
               dims.type_name());
  Shape shape;
  uint64_t numel = 1;
  bool overflow = false;
  for (const Json& dim : dims) {
    const uint64_t d = unsigned_of(dim, what + "'s shape dimension", source);
    PLEXUS_CHECK(d <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), source, ": ",
                 what, " has the absurd dimension ", d);
    overflow = __builtin_mul_overflow(numel, d, &numel) || overflow;
    shape.push_back(static_cast<int64_t>(d));
  }
  uint64_t bytes = 0;
  overflow = __builtin_mul_overflow(numel, info->size, &bytes) || overflow;
  // The running product, as Tensor computes it: a zero dimension after huge ones is still absurd.
  PLEXUS_CHECK(!overflow, source, ": ", what, "'s shape ", shape,
               " has more elements than any file holds");

  const Json& offsets = json["data_offsets"];
  PLEXUS_CHECK(offsets.is_array() && offsets.size() == 2, source, ": ", what,
               "'s data_offsets is not an array [begin, end]: ", shortened(offsets.dump()));
  const uint64_t begin = unsigned_of(offsets[0], what + "'s data_offsets begin", source);
  const uint64_t end = unsigned_of(offsets[1], what + "'s data_offsets end", source);
  PLEXUS_CHECK(begin <= end, source, ": ", what, "'s data_offsets [", begin, ", ", end,
               "] end before they begin");
  PLEXUS_CHECK(end <= data_size, source, ": ", what, "'s data_offsets [", begin, ", ", end,
               "] reach beyond the data section (", data_size, " bytes)");
  PLEXUS_CHECK(end - begin == bytes, source, ": ", what, " (", info->name, " ", shape, ") needs ",
               bytes, " bytes but its data_offsets [", begin, ", ", end, "] hold ", end - begin);
  return Entry{name, *info, std::move(shape), begin, end};
}

}  // namespace

std::string encode_safetensors(const NamedTensors& tensors, Metadata metadata) {
  std::set<std::string_view> names;
  size_t data_size = 0;
  for (const auto& [name, tensor] : tensors) {
    PLEXUS_CHECK(name != kMetadataKey, "save_safetensors: a tensor may not be named \"",
                 kMetadataKey, "\"");
    PLEXUS_CHECK(names.insert(name).second, "save_safetensors: tensor \"", name,
                 "\" appears twice");
    PLEXUS_CHECK(tensor.defined(), "save_safetensors: tensor \"", name, "\" is undefined");
    check_utf8(name, "a tensor name");
    data_size += tensor.numel() * sizeof(float);
  }
  for (const auto& [key, value] : metadata) {
    check_utf8(key, "a metadata key");
    check_utf8(value, "metadata \"" + key + "\"");
  }

  std::string data;
  data.reserve(data_size);
  for (const auto& [name, tensor] : tensors) {
    data.append(reinterpret_cast<const char*>(tensor.data()), tensor.numel() * sizeof(float));
  }
  metadata[std::string(kCrc32Key)] = crc32_hex(data);

  // Metadata first and tensors in data order, as the reference implementation writes them.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  header[std::string(kMetadataKey)] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const uint64_t end = offset + tensor.numel() * sizeof(float);
    header[name] = {{"dtype", "F32"},
                    {"shape", std::vector<int64_t>(tensor.shape().begin(), tensor.shape().end())},
                    {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  text.append((kAlignment - text.size() % kAlignment) % kAlignment, ' ');

  const uint64_t length = text.size();
  std::string bytes(sizeof(length), '\0');
  std::memcpy(bytes.data(), &length, sizeof(length));
  bytes += text;
  bytes += data;
  return bytes;
}

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      Metadata metadata) {
  write_file_atomically(path, encode_safetensors(tensors, std::move(metadata)));
}

SafetensorsFile decode_safetensors(std::string_view bytes, std::string_view source) {
  PLEXUS_CHECK(!bytes.empty(), source, ": the file is empty");
  uint64_t length = 0;
  PLEXUS_CHECK(bytes.size() >= sizeof(length), source, ": the file has ", bytes.size(),
               " bytes, too short for a safetensors header length (8 bytes)");
  std::memcpy(&length, bytes.data(), sizeof(length));
  const uint64_t after_length = bytes.size() - sizeof(length);
  PLEXUS_CHECK(length <= kMaxHeaderBytes, source, ": the header length ", length,
               " is more than safetensors allows (", kMaxHeaderBytes,
               " bytes); the file is damaged or not safetensors");
  PLEXUS_CHECK(length <= after_length, source, ": the header length ", length,
               " is more than the file holds (", after_length,
               " bytes after the length); the file is truncated or not safetensors");
  const std::string_view text = bytes.substr(sizeof(length), length);
  // The reference reader's rule; it also makes any header that parses an object.
  PLEXUS_CHECK(!text.empty() && text.front() == '{', source,
               ": the header is not a JSON object (it does not start with '{'); the file is "
               "damaged or not safetensors");
  const std::string_view data = bytes.substr(sizeof(length) + length);

  const Json header = parse_header(text, source);

  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      file.metadata = read_metadata(value, source);
    } else {
      entries.push_back(read_entry(key, value, data.size(), source));
    }
  }

  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  std::string_view previous;
  for (const Entry& entry : entries) {
    PLEXUS_CHECK(entry.begin >= expected, source, ": tensor \"", entry.name, "\" [", entry.begin,
                 ", ", entry.end, ") overlaps tensor \"", previous, "\", which ends at ", expected);
    PLEXUS_CHECK(entry.begin == expected, source, ": bytes [", expected, ", ", entry.begin,
                 ") of the data section, before tensor \"", entry.name,
                 "\", belong to no tensor (a gap)");
    expected = entry.end;
    previous = entry.name;
  }
  PLEXUS_CHECK(expected == data.size(), source, ": ", data.size() - expected,
               " bytes after the last tensor belong to no tensor; the file is damaged");

  const auto stored = file.metadata.find(std::string(kCrc32Key));
  if (stored != file.metadata.end()) {
    const std::string& crc = stored->second;
    PLEXUS_CHECK(
        crc.size() == 8 &&
            std::all_of(crc.begin(), crc.end(),
                        [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }),
        source, ": metadata \"", kCrc32Key, "\" is not 8 lowercase hex digits: \"", crc, "\"");
    const std::string computed = crc32_hex(data);
    PLEXUS_CHECK(computed == crc, source, ": bad checksum: the file is corrupt (stored ", crc,
                 ", computed ", computed, ")");
  }

  file.tensors.reserve(entries.size());
  for (const Entry& entry : entries) {
    // Only shapes of no elements can still be refused here (Tensor's own limits), none of data.
    Tensor tensor;
    try {
      tensor = Tensor::empty(entry.shape);
    } catch (const Error& e) {
      detail::throw_error(source, ": tensor \"", entry.name, "\": ", e.what());
    }
    if (tensor.numel() > 0)
      convert(entry, data.data() + entry.begin, tensor.data(), tensor.numel());
    file.tensors.emplace_back(entry.name, std::move(tensor));
  }
  return file;
}

SafetensorsFile load_safetensors(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  PLEXUS_CHECK(in, "cannot open ", path.string(), ": ", std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  PLEXUS_CHECK(size >= 0, "cannot read ", path.string());
  in.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), size);
  PLEXUS_CHECK(in.good(), "cannot read ", path.string());
  return decode_safetensors(bytes, path.string());
}

void save_state_dict(const nn::Module& module, const std::filesystem::path& path) {
  save_safetensors(path, module.state_dict(), {});
}

void load_state_dict(nn::Module& module, const std::filesystem::path& path) {
  nn::detail::load_state_dict(module, load_safetensors(path).tensors, /*strict=*/true,
                              path.string());
}

}  // namespace plexus::io
