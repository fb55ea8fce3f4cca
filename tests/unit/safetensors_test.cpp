// Safetensors files: a round trip keeps every bit, the bytes are the layout PyTorch reads, and
// every kind of damaged, truncated or foreign file fails with a plexus::Error naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <plexus/io/safetensors.hpp>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

#include "base/compat.hpp"

namespace px = plexus;
namespace fs = std::filesystem;
using px::Tensor;
using px::io::decode_safetensors;
using px::io::encode_safetensors;
using ::testing::HasSubstr;

namespace {

constexpr const char* kSource = "model.plx";

// The 8-byte little-endian length, the header as given, then the data.
std::string file_of(const std::string& header, const std::string& data = "") {
  const uint64_t length = header.size();
  std::string bytes(sizeof(length), '\0');
  std::memcpy(bytes.data(), &length, sizeof(length));
  return bytes + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

std::string error_of(std::string_view bytes) {
  try {
    decode_safetensors(bytes, kSource);
  } catch (const px::Error& e) {
    return e.what();
  }
  return "no error";
}

// A file of two F32 tensors "a" [2] and "b" [1] (12 data bytes) with `a` and `b` as their entries.
std::string two_tensors(const std::string& a, const std::string& b) {
  return file_of(R"({"a":)" + a + R"(,"b":)" + b + "}", floats({1, 2, 3}));
}

std::vector<uint32_t> bits_of(const Tensor& t) {
  std::vector<uint32_t> bits;
  for (float v : t.to_vector()) bits.push_back(plexus::compat::bit_cast<uint32_t>(v));
  return bits;
}

px::NamedTensors sample_tensors() {
  const float inf = std::numeric_limits<float>::infinity();
  return {
      {"0.weight", Tensor::randn({4, 3}, 7)},
      {"0.bias", Tensor::from({-0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN()}, {4})},
      {"scalar", Tensor::scalar(std::numeric_limits<float>::denorm_min())},
      {"empty", Tensor::zeros({0, 3})},
      {"cube \xc3\xa9", Tensor::rand({2, 3, 2}, 8)}};
}

class SafetensorsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_safetensors_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }

  fs::path dir_;
};

}  // namespace

TEST(Safetensors, RoundTripKeepsNamesShapesBitsAndMetadata) {
  const auto tensors = sample_tensors();
  const px::io::Metadata metadata = {{"plexus.format_version", "1"}, {"note", "\xe2\x9c\x93"}};
  const auto file = decode_safetensors(encode_safetensors(tensors, metadata), kSource);
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(file.tensors[i].first, tensors[i].first);
    EXPECT_EQ(file.tensors[i].second.shape(), tensors[i].second.shape()) << tensors[i].first;
    EXPECT_EQ(bits_of(file.tensors[i].second), bits_of(tensors[i].second)) << tensors[i].first;
  }
  EXPECT_EQ(file.metadata.size(), 3u);
  EXPECT_EQ(file.metadata.at("plexus.format_version"), "1");
  EXPECT_EQ(file.metadata.at("note"), "\xe2\x9c\x93");
  EXPECT_EQ(file.metadata.at("plexus.crc32").size(), 8u);
}

TEST(Safetensors, TinyFileHasTheExactBytes) {
  const std::string bytes =
      encode_safetensors({{"a", Tensor::from({1.0f, 2.0f}, {2})}}, {{"note", "hi"}});
  // zlib.crc32(struct.pack("<2f", 1, 2)) == 0x2e3fa576; 109 bytes of JSON padded to 112.
  const std::string json = R"({"__metadata__":{"note":"hi","plexus.crc32":"2e3fa576"},)"
                           R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(json.size(), 109u);
  const std::string expected = std::string("\x70\0\0\0\0\0\0\0", 8) + json + "   " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
  EXPECT_EQ(bytes, expected);
}

TEST(Safetensors, HeaderIsPaddedSoTheDataStartsAtAMultipleOfEight) {
  for (std::string name = "x"; name.size() <= 9; name += "x") {
    const std::string bytes = encode_safetensors({{name, Tensor::ones({1})}}, {});
    uint64_t length = 0;
    std::memcpy(&length, bytes.data(), sizeof(length));
    EXPECT_EQ(length % 8, 0u) << name;
    EXPECT_EQ(bytes.size(), 8 + length + 4) << name;
    const std::string header = bytes.substr(8, length);
    const size_t json_end = header.rfind('}') + 1;
    EXPECT_LT(length - json_end, 8u) << name;
    EXPECT_EQ(header.substr(json_end), std::string(length - json_end, ' ')) << name;
  }
}

TEST(Safetensors, TensorsComeBackInTheOrderOfTheirOffsets) {
  // JSON order says nothing: b's data comes first.
  const auto file =
      decode_safetensors(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                 floats({5, 6})),
                         kSource);
  ASSERT_EQ(file.tensors.size(), 2u);
  EXPECT_EQ(file.tensors[0].first, "b");
  EXPECT_EQ(file.tensors[0].second.item(), 5.0f);
  EXPECT_EQ(file.tensors[1].first, "a");
  EXPECT_EQ(file.tensors[1].second.item(), 6.0f);
}

TEST(Safetensors, FileOfAnotherToolWithoutChecksumLoads) {
  // As the reference writer makes them: metadata first, spaces after the JSON, no plexus.crc32.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}})";
  const auto file =
      decode_safetensors(file_of(header + std::string(6, ' '), floats({0.5f, -1.5f})), kSource);
  ASSERT_EQ(file.tensors.size(), 1u);
  EXPECT_EQ(file.tensors[0].first, "w");
  EXPECT_EQ(file.tensors[0].second.shape(), (px::Shape{2, 1}));
  EXPECT_EQ(file.tensors[0].second.to_vector(), (std::vector<float>{0.5f, -1.5f}));
  EXPECT_EQ(file.metadata, (px::io::Metadata{{"format", "pt"}}));
}

TEST(Safetensors, OtherFloatTypesAreConvertedToFloat32) {
  const std::string data =
      raw<double>({0.25, -3.0}) +
      raw<uint16_t>({0x3c00, 0xc000, 0x0001, 0x7c00}) +  // F16 1, -2, 2^-24, inf
      raw<uint16_t>({0x3f80, 0xc0a0});                   // BF16 1, -5
  const auto file =
      decode_safetensors(file_of(R"({"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
                                 R"("h":{"dtype":"F16","shape":[4],"data_offsets":[16,24]},)"
                                 R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[24,28]}})",
                                 data),
                         kSource);
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].second.to_vector(), (std::vector<float>{0.25f, -3.0f}));
  EXPECT_EQ(file.tensors[1].second.to_vector(),
            (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24),
                                std::numeric_limits<float>::infinity()}));
  EXPECT_EQ(file.tensors[2].second.to_vector(), (std::vector<float>{1.0f, -5.0f}));
}

TEST(Safetensors, RefusesFilesTooShortForTheLength) {
  EXPECT_THAT(error_of(""), HasSubstr("model.plx: the file is empty"));
  EXPECT_THAT(error_of(std::string("\x08\0\0\0\0", 5)),
              HasSubstr("model.plx: the file has 5 bytes, too short"));
}

TEST(Safetensors, RefusesHeaderLengthsTheFileCannotHold) {
  std::string bytes = file_of("{}");
  bytes[1] = 1;  // 258: more than the 2 bytes there
  EXPECT_THAT(error_of(bytes), HasSubstr("model.plx: the header length 258 is more than the file "
                                         "holds (2 bytes after the length)"));
  // 2^56 would be an allocation no machine survives: refused before anything is read.
  bytes[1] = 0;
  bytes[7] = 1;
  EXPECT_THAT(error_of(bytes), HasSubstr("more than safetensors allows (100000000 bytes)"));
  EXPECT_THAT(error_of(bytes), HasSubstr(kSource));
}

TEST(Safetensors, RefusesHeadersThatAreNotJsonObjects) {
  EXPECT_THAT(error_of(file_of("")), HasSubstr("model.plx: the header is not a JSON object"));
  EXPECT_THAT(error_of(file_of("[1, 2]")), HasSubstr("model.plx: the header is not a JSON object"));
  EXPECT_THAT(error_of(file_of(R"({"a": )")),
              HasSubstr("model.plx: the header is not valid JSON (at byte 7 of the header)"));
  EXPECT_THAT(error_of(file_of(R"({"a": 1} x)")), HasSubstr("not valid JSON (at byte 10"));
  EXPECT_THAT(error_of(file_of("{\"\xff\": 1}")), HasSubstr("model.plx: the header is not valid"));
}

TEST(Safetensors, RefusesDeepNestingAndQuotesBadValuesShortly) {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_THAT(error_of(file_of(R"({"__metadata__":{"k":)" + deep + "}}")),
              HasSubstr("model.plx: the header nests JSON deeper than 16 levels"));
  const std::string error = error_of(file_of("{\"" + std::string(100000, 'x')));
  EXPECT_THAT(error, HasSubstr("model.plx: the header is not valid JSON"));
  EXPECT_LT(error.size(), 400u);
}

TEST(Safetensors, RefusesMalformedTensorEntries) {
  const auto entry = [](const std::string& fields) {
    return error_of(file_of(R"({"t":{)" + fields + "}}", floats({1, 2})));
  };
  const std::string dtype = R"("dtype":"F32")";
  const std::string shape = R"("shape":[2])";
  const std::string offsets = R"("data_offsets":[0,8])";
  EXPECT_EQ(entry(dtype + "," + shape + "," + offsets), "no error");
  EXPECT_THAT(error_of(file_of(R"({"t":3})")),
              HasSubstr(R"(model.plx: tensor "t" is not an object but number)"));
  EXPECT_THAT(entry(shape + "," + offsets), HasSubstr(R"(model.plx: tensor "t" has no "dtype")"));
  EXPECT_THAT(entry(dtype + "," + offsets), HasSubstr(R"(model.plx: tensor "t" has no "shape")"));
  EXPECT_THAT(entry(dtype + "," + shape),
              HasSubstr(R"(model.plx: tensor "t" has no "data_offsets")"));
  EXPECT_THAT(entry(R"("dtype":32,)" + shape + "," + offsets),
              HasSubstr(R"(model.plx: tensor "t"'s dtype is not a string but number)"));
  EXPECT_THAT(entry(dtype + R"(,"shape":"2",)" + offsets),
              HasSubstr(R"(model.plx: tensor "t"'s shape is not an array but string)"));
  EXPECT_THAT(entry(dtype + R"(,"shape":[2.0],)" + offsets),
              HasSubstr(R"(model.plx: tensor "t"'s shape dimension is not an integer (2.0))"));
  EXPECT_THAT(entry(dtype + "," + shape + R"(,"data_offsets":[8])"),
              HasSubstr(R"(model.plx: tensor "t"'s data_offsets is not an array [begin, end])"));
  EXPECT_THAT(entry(dtype + "," + shape + R"(,"data_offsets":{"0":8})"),
              HasSubstr(R"(tensor "t"'s data_offsets is not an array)"));
  EXPECT_THAT(entry(dtype + "," + shape + R"(,"data_offsets":[0,"8"])"),
              HasSubstr(R"(model.plx: tensor "t"'s data_offsets end is not an integer)"));
  EXPECT_THAT(entry(dtype + "," + shape + "," + offsets + R"(,"extra":1)"),
              HasSubstr(R"(model.plx: tensor "t" has an unknown field "extra")"));
}

TEST(Safetensors, RefusesDtypesPlexusDoesNotRead) {
  const std::string error = error_of(
      file_of(R"({"t":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", raw<int64_t>({3})));
  EXPECT_THAT(error, HasSubstr(R"(model.plx: tensor "t" has dtype "I64", which plexus does not)"));
  EXPECT_THAT(error, HasSubstr("it reads F32, and F64, F16 and BF16 as float32"));
}

TEST(Safetensors, RefusesNegativeAbsurdAndOverflowingShapes) {
  const auto shaped = [](const std::string& shape) {
    return error_of(file_of(
        R"({"t":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,8]}})", floats({1, 2})));
  };
  EXPECT_THAT(shaped("[-2]"),
              HasSubstr(R"(model.plx: tensor "t"'s shape dimension is negative (-2))"));
  EXPECT_THAT(shaped("[9223372036854775808]"),
              HasSubstr(R"(model.plx: tensor "t" has the absurd dimension 9223372036854775808)"));
  EXPECT_THAT(shaped("[4294967296, 4294967296, 2]"),
              HasSubstr(R"(model.plx: tensor "t"'s shape [4294967296, 4294967296, 2] has more)"));
  EXPECT_THAT(shaped("[2, 2]"),
              HasSubstr(R"(model.plx: tensor "t" (F32 [2, 2]) needs 16 bytes but its )"
                        R"(data_offsets [0, 8] hold 8)"));
  // Absurd even with a zero dimension: the running product overflows, or passes Tensor's limit.
  EXPECT_THAT(
      error_of(file_of(
          R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})")),
      HasSubstr("has more elements than any file holds"));
  EXPECT_THAT(
      error_of(
          file_of(R"({"t":{"dtype":"F32","shape":[562949953421312,0],"data_offsets":[0,0]}})")),
      HasSubstr(R"(model.plx: tensor "t": tensor shape [562949953421312, 0] has too many)"));
}

TEST(Safetensors, RefusesOffsetsThatDoNotTileTheDataSection) {
  const std::string a = R"({"dtype":"F32","shape":[2],"data_offsets":)";
  const std::string b = R"({"dtype":"F32","shape":[1],"data_offsets":)";
  EXPECT_EQ(error_of(two_tensors(a + "[0,8]}", b + "[8,12]}")), "no error");
  EXPECT_THAT(error_of(two_tensors(a + "[8,0]}", b + "[8,12]}")),
              HasSubstr(R"(model.plx: tensor "a"'s data_offsets [8, 0] end before they begin)"));
  EXPECT_THAT(error_of(two_tensors(a + "[0,8]}", b + "[12,16]}")),
              HasSubstr(R"(model.plx: tensor "b"'s data_offsets [12, 16] reach beyond the data )"
                        "section (12 bytes)"));
  EXPECT_THAT(error_of(two_tensors(a + "[0,8]}", b + "[4,8]}")),
              HasSubstr(R"(model.plx: tensor "b" [4, 8) overlaps tensor "a", which ends at 8)"));
  EXPECT_THAT(error_of(file_of(R"({"a":)" + a + R"([0,8]},"b":)" + b + "[10,14]}}",
                               floats({1, 2, 3}) + "xx")),
              HasSubstr(R"(model.plx: bytes [8, 10) of the data section, before tensor "b", )"
                        "belong to no tensor (a gap)"));
  EXPECT_THAT(error_of(two_tensors(a + "[0,8]}", b + "[8,12]}") + "extra"),
              HasSubstr("model.plx: 5 bytes after the last tensor belong to no tensor"));
  EXPECT_THAT(error_of(file_of("{}", "x")), HasSubstr("model.plx: 1 bytes after the last tensor"));
}

TEST(Safetensors, RefusesMetadataThatIsNotStrings) {
  const std::string t = R"("t":{"dtype":"F32","shape":[],"data_offsets":[0,4]})";
  EXPECT_THAT(error_of(file_of(R"({"__metadata__":{"epochs":3},)" + t + "}", floats({1}))),
              HasSubstr(R"(model.plx: metadata "epochs" is not a string but number)"));
  EXPECT_THAT(error_of(file_of(R"({"__metadata__":["a"],)" + t + "}", floats({1}))),
              HasSubstr(R"(model.plx: "__metadata__" is not an object but array)"));
}

TEST(Safetensors, RefusesKeysThatAppearTwice) {
  const std::string t = R"({"dtype":"F32","shape":[],"data_offsets":[0,4]})";
  EXPECT_THAT(error_of(file_of(R"({"t":)" + t + R"(,"t":)" + t + "}", floats({1}))),
              HasSubstr(R"(model.plx: the header holds the key "t" twice)"));
  EXPECT_THAT(error_of(file_of(R"({"__metadata__":{"k":"1","k":"2"}})")),
              HasSubstr(R"(the header holds the key "k" twice)"));
}

TEST(Safetensors, ChecksumCatchesEveryFlippedDataBit) {
  const std::string good = encode_safetensors({{"w", Tensor::randn({2, 2}, 3)}}, {});
  const size_t data_start = good.size() - 16;
  for (size_t byte = data_start; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      EXPECT_THAT(error_of(bad), HasSubstr("model.plx: bad checksum: the file is corrupt (stored "))
          << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(Safetensors, ChecksumMessageShowsBothValues) {
  std::string bad = encode_safetensors({{"a", Tensor::from({1.0f, 2.0f}, {2})}}, {});
  bad.back() = 0x41;
  EXPECT_THAT(error_of(bad), HasSubstr("(stored 2e3fa576, computed "));
  const std::string odd =
      file_of(R"({"__metadata__":{"plexus.crc32":"2E3FA576"},"a":{"dtype":"F32","shape":[2],)"
              R"("data_offsets":[0,8]}})",
              floats({1, 2}));
  EXPECT_THAT(error_of(odd),
              HasSubstr(R"(model.plx: metadata "plexus.crc32" is not 8 lowercase hex digits)"));
}

TEST(Safetensors, FlippedHeaderBitsFailCleanlyOrChangeOnlyNames) {
  const auto tensors = sample_tensors();
  const std::string good = encode_safetensors(tensors, {{"note", "hi"}});
  uint64_t length = 0;
  std::memcpy(&length, good.data(), sizeof(length));
  size_t errors = 0;
  for (size_t byte = 0; byte < 8 + length; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      try {
        // A flip inside a name or a metadata string can leave a valid file; the data stays.
        const auto file = decode_safetensors(bad, kSource);
        ASSERT_EQ(file.tensors.size(), tensors.size());
        for (size_t i = 0; i < tensors.size(); ++i) {
          EXPECT_EQ(bits_of(file.tensors[i].second), bits_of(tensors[i].second));
        }
      } catch (const px::Error& e) {
        EXPECT_THAT(e.what(), HasSubstr(kSource));
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 8 * length / 2);
}

TEST(Safetensors, EveryTruncationFails) {
  const std::string good =
      encode_safetensors({{"w", Tensor::randn({2, 3}, 1)}, {"b", Tensor::zeros({3})}}, {});
  for (size_t size = 0; size < good.size(); ++size) {
    EXPECT_THAT(error_of(std::string_view(good).substr(0, size)), HasSubstr("model.plx: "))
        << size << " bytes";
  }
}

TEST(Safetensors, RefusesTensorsItCannotWrite) {
  const auto error = [](const px::NamedTensors& tensors) {
    try {
      encode_safetensors(tensors, {});
    } catch (const px::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error({{"a", Tensor::ones({1})}, {"a", Tensor::ones({1})}}),
              HasSubstr(R"(tensor "a" appears twice)"));
  EXPECT_THAT(error({{"__metadata__", Tensor::ones({1})}}),
              HasSubstr(R"(a tensor may not be named "__metadata__")"));
  EXPECT_THAT(error({{"bad \xff", Tensor::ones({1})}}),
              HasSubstr("a tensor name is not valid UTF-8"));
  EXPECT_THAT(error({{"a", Tensor()}}), HasSubstr(R"(tensor "a" is undefined)"));
}

TEST_F(SafetensorsFiles, SaveAndLoadThroughTheFileSystem) {
  const fs::path file = path("model.plx");
  px::io::save_safetensors(file, sample_tensors(), {{"plexus.classes", "[\"a\",\"b\"]"}});
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  const auto loaded = px::io::load_safetensors(file);
  EXPECT_EQ(loaded.tensors.size(), sample_tensors().size());
  EXPECT_EQ(loaded.metadata.at("plexus.classes"), "[\"a\",\"b\"]");

  fs::resize_file(file, fs::file_size(file) - 1);
  try {
    px::io::load_safetensors(file);
    ADD_FAILURE() << "a truncated file loaded";
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string() + ": "));
  }
  try {
    px::io::load_safetensors(path("missing.plx"));
    ADD_FAILURE() << "a missing file loaded";
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot open " + path("missing.plx").string()));
  }
}
