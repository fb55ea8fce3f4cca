// read_npy / write_npy: round trips, hand-made files of each dtype and header version, and the
// errors for what is not supported or not consistent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <plexus/data/npy.hpp>
#include <plexus/error.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::testing::error_of;
namespace fs = std::filesystem;
using px::Tensor;
using px::data::read_npy;
using px::data::write_npy;
using ::testing::HasSubstr;

namespace {

class Npy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_npy_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A .npy file as NumPy lays it out: magic, version, header length, dict padded to 64 bytes.
  fs::path make(const std::string& dict, const std::string& data, int major = 1) {
    const size_t length_bytes = major == 1 ? 2 : 4;
    std::string header = dict;
    const size_t unpadded = 8 + length_bytes + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(major);
    bytes += '\0';
    for (size_t i = 0; i < length_bytes; ++i)
      bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    const fs::path path = dir_ / "a.npy";
    std::ofstream out(path, std::ios::binary);
    out << bytes << header << data;
    return path;
  }

  template <typename T>
  static std::string raw(std::initializer_list<T> values) {
    std::string bytes(values.size() * sizeof(T), '\0');
    std::memcpy(bytes.data(), std::data(values), bytes.size());
    return bytes;
  }

  static std::string dict(const std::string& descr, const std::string& shape,
                          const std::string& fortran = "False") {
    return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(Npy, RoundTrip) {
  const Tensor a = Tensor::from({1.5f, -2.f, 3.25f, 0.f, 1e-30f, 7.f}, {2, 3});
  const fs::path path = dir_ / "x.npy";
  write_npy(a, path);
  const Tensor b = read_npy(path);
  EXPECT_EQ(b.shape(), (px::Shape{2, 3}));
  EXPECT_EQ(b.to_vector(), a.to_vector());
  // The data starts on a 64-byte boundary, as NumPy writes it.
  std::ifstream in(path, std::ios::binary);
  char start[10];
  in.read(start, 10);
  const size_t header = static_cast<unsigned char>(start[8]) | static_cast<unsigned char>(start[9])
                                                                   << 8;
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_EQ(fs::file_size(path), 10 + header + 6 * sizeof(float));
  EXPECT_EQ(std::vector<fs::path>(fs::directory_iterator(dir_), {}).size(), 1u);  // no temporary
}

TEST_F(Npy, RoundTripVectorAndScalarShapes) {
  write_npy(Tensor::from({1.f, 2.f, 3.f}, {3}), dir_ / "v.npy");
  EXPECT_EQ(read_npy(dir_ / "v.npy").shape(), (px::Shape{3}));
  write_npy(Tensor::scalar(4.f), dir_ / "s.npy");
  const Tensor s = read_npy(dir_ / "s.npy");
  EXPECT_EQ(s.rank(), 0u);
  EXPECT_EQ(s.item(), 4.f);
}

TEST_F(Npy, ReadsEachDtype) {
  auto read = [&](const std::string& descr, const std::string& data) {
    return read_npy(make(dict(descr, "(3,)"), data)).to_vector();
  };
  const std::vector<float> expected = {1.f, -2.f, 3.f};
  EXPECT_EQ(read("<f4", raw<float>({1.f, -2.f, 3.f})), expected);
  EXPECT_EQ(read("<f8", raw<double>({1.0, -2.0, 3.0})), expected);
  EXPECT_EQ(read("|i1", raw<int8_t>({1, -2, 3})), expected);
  EXPECT_EQ(read("<i2", raw<int16_t>({1, -2, 3})), expected);
  EXPECT_EQ(read("<i4", raw<int32_t>({1, -2, 3})), expected);
  EXPECT_EQ(read("<i8", raw<int64_t>({1, -2, 3})), expected);
  EXPECT_EQ(read("|u1", raw<uint8_t>({1, 254, 3})), (std::vector<float>{1.f, 254.f, 3.f}));
  EXPECT_EQ(read("<u2", raw<uint16_t>({1, 65535, 3})), (std::vector<float>{1.f, 65535.f, 3.f}));
  EXPECT_EQ(read("<u4", raw<uint32_t>({1, 7, 3})), (std::vector<float>{1.f, 7.f, 3.f}));
  EXPECT_EQ(read("<u8", raw<uint64_t>({1, 7, 3})), (std::vector<float>{1.f, 7.f, 3.f}));
  EXPECT_EQ(read("|b1", raw<uint8_t>({1, 0, 1})), (std::vector<float>{1.f, 0.f, 1.f}));
}

TEST_F(Npy, VersionTwoAndThreeHeaders) {
  const Tensor a = read_npy(make(dict("<f4", "(2, 2)"), raw<float>({1, 2, 3, 4}), 2));
  EXPECT_EQ(a.shape(), (px::Shape{2, 2}));
  EXPECT_EQ(a.to_vector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(read_npy(make(dict("<i4", "(1,)"), raw<int32_t>({9}), 3)).item(), 9.f);
}

TEST_F(Npy, FortranOrderIsAnError) {
  const fs::path path = make(dict("<f4", "(2, 2)", "True"), raw<float>({1, 2, 3, 4}));
  const std::string error = error_of([&] { read_npy(path); });
  EXPECT_THAT(error, HasSubstr(path.string()));
  EXPECT_THAT(error, HasSubstr("Fortran"));
}

TEST_F(Npy, UnsupportedDtypes) {
  const std::string big = error_of([&] { read_npy(make(dict(">f4", "(1,)"), raw<float>({1}))); });
  EXPECT_THAT(big, HasSubstr("'>f4' is not supported (big-endian"));
  EXPECT_THAT(error_of([&] { read_npy(make(dict("<f2", "(1,)"), "ab")); }),
              HasSubstr("dtype '<f2' is not supported"));
  EXPECT_THAT(error_of([&] { read_npy(make(dict("|O", "(1,)"), raw<int64_t>({0}))); }),
              HasSubstr("dtype '|O' is not supported"));
  EXPECT_THAT(error_of([&] {
                read_npy(make("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                              raw<float>({1})));
              }),
              HasSubstr("structured dtype"));
}

TEST_F(Npy, TruncatedAndOverlongData) {
  const fs::path path = make(dict("<f4", "(2, 3)"), raw<float>({1, 2, 3, 4}));
  const std::string error = error_of([&] { read_npy(path); });
  EXPECT_THAT(error, HasSubstr(path.string()));
  EXPECT_THAT(error, HasSubstr("(2, 3) of '<f4' needs 6 x 4 bytes of data but the file has 16"));
  EXPECT_THAT(error, HasSubstr("truncated"));
  EXPECT_THAT(error_of([&] {
                read_npy(make(dict("<f4", "(1,)"), raw<float>({1, 2})));
              }),
              HasSubstr("extra bytes"));
}

TEST_F(Npy, HugeShapesFailBeforeAllocating) {
  EXPECT_THAT(error_of([&] { read_npy(make(dict("<f4", "(4294967296, 4294967296, 16)"), "")); }),
              HasSubstr("more elements than fit in 64 bits"));
  // 2^61 elements fit in 64 bits, but their 8-byte values do not.
  EXPECT_THAT(error_of([&] { read_npy(make(dict("<f8", "(2305843009213693952,)"), "")); }),
              HasSubstr("truncated"));
  EXPECT_THAT(error_of([&] { read_npy(make(dict("<f4", "(1000000000, 1000)"), "abcd")); }),
              HasSubstr("truncated"));
}

TEST_F(Npy, BadHeaders) {
  EXPECT_THAT(error_of([&] { read_npy(make("{'descr': '<f4', 'shape': (1,), }", "abcd")); }),
              HasSubstr("lacks"));
  EXPECT_THAT(error_of([&] { read_npy(make("{'descr': '<f4' 'fortran_order'", "abcd")); }),
              HasSubstr("does not parse"));
  EXPECT_THAT(error_of([&] { read_npy(make(dict("<f4", "(-1,)"), "abcd")); }),
              HasSubstr("does not parse"));
  const fs::path text = dir_ / "t.npy";
  std::ofstream(text) << "just text";
  EXPECT_THAT(error_of([&] { read_npy(text); }), HasSubstr("not a .npy file"));
  EXPECT_THAT(error_of([&] { read_npy(dir_ / "none.npy"); }), HasSubstr("cannot open"));
}
