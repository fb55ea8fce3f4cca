// load_idx_dir and read_idx: finding the MNIST-style file names with or without .gz, the pixels
// and labels read, and the errors for missing files and sizes the files cannot hold.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <plexus/data/fashion_mnist.hpp>
#include <plexus/error.hpp>
#include <string>
#include <vector>

#include "base/crc32.hpp"
#include "support/error_of.hpp"

namespace px = plexus;
using px::testing::error_of;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

class Idx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_idx_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static void put_u32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  }

  // `count` images of 2x2 pixels (image i holds i, i+1, i+2, i+3) and labels i % 10; `claimed`
  // is the image count the header states; `compress` writes them gzip-compressed.
  void write(const std::string& prefix, uint32_t count, const std::string& suffix = "",
             uint32_t claimed = 0, bool compress = false) {
    std::string images, labels;
    put_u32(images, 0x0803);
    put_u32(images, claimed ? claimed : count);
    put_u32(images, 2);
    put_u32(images, 2);
    put_u32(labels, 0x0801);
    put_u32(labels, claimed ? claimed : count);
    for (uint32_t i = 0; i < count; ++i) {
      for (uint32_t p = 0; p < 4; ++p) images += static_cast<char>(i + p);
      labels += static_cast<char>(i % 10);
    }
    if (compress) {
      images = gzip_stored(images);
      labels = gzip_stored(labels);
    }
    // gzread reads uncompressed bytes as they are, so a plain file may carry the .gz name.
    std::ofstream(dir_ / (prefix + "-images-idx3-ubyte" + suffix), std::ios::binary) << images;
    std::ofstream(dir_ / (prefix + "-labels-idx1-ubyte" + suffix), std::ios::binary) << labels;
  }

  // A gzip file of `data` in one stored (uncompressed) deflate block: RFC 1951 and 1952 by hand.
  static std::string gzip_stored(const std::string& data) {
    std::string out = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, '\xff'};
    const auto length = static_cast<uint16_t>(data.size());
    out += {1, static_cast<char>(length & 0xff), static_cast<char>(length >> 8),
            static_cast<char>(~length & 0xff), static_cast<char>((~length >> 8) & 0xff)};
    out += data;
    const auto put_u32_le = [&](uint32_t v) {
      for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((v >> shift) & 0xff);
    };
    put_u32_le(px::crc32(data));
    put_u32_le(static_cast<uint32_t>(data.size()));
    return out;
  }

  fs::path dir_;
};

}  // namespace

TEST_F(Idx, LoadsTrainAndTestFromAFolder) {
  write("train", 3);
  write("t10k", 2, ".gz");
  const px::data::LabelledImages train = px::data::load_idx_dir(dir_, true);
  EXPECT_EQ(train.images.shape(), (px::Shape{3, 4}));
  EXPECT_EQ(train.labels.to_vector(), (std::vector<float>{0, 1, 2}));
  EXPECT_FLOAT_EQ(train.images.at({2, 3}), 5.f / 255.f);
  const px::data::LabelledImages test = px::data::load_idx_dir(dir_, false);
  EXPECT_EQ(test.images.shape(), (px::Shape{2, 4}));
}

TEST_F(Idx, MissingFilesListTheExpectedNames) {
  write("train", 3);
  const std::string error = error_of([&] { px::data::load_idx_dir(dir_, false); });
  EXPECT_THAT(error, HasSubstr(dir_.string()));
  EXPECT_THAT(error, HasSubstr("no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz"));
  EXPECT_THAT(error, HasSubstr("train-labels-idx1-ubyte"));
}

TEST_F(Idx, SizesTheFileCannotHoldFailBeforeAllocating) {
  write("train", 3, "", 0xffffffffu);  // claims 4 G images of 4 pixels
  const std::string error = error_of([&] { px::data::load_idx_dir(dir_, true); });
  EXPECT_THAT(error, HasSubstr("train-images-idx3-ubyte"));
  EXPECT_THAT(error, HasSubstr("more than the file can hold"));
}

// Built with zlib, a gzip-compressed IDX file reads as the plain one; without (WebAssembly), it is
// refused, naming the file and saying to decompress it.
TEST_F(Idx, AGzipFileIsReadOrRefusedSayingToDecompressIt) {
  write("train", 3, ".gz", 0, true);
  try {
    const px::data::LabelledImages train = px::data::load_idx_dir(dir_, true);
    EXPECT_EQ(train.labels.to_vector(), (std::vector<float>{0, 1, 2}));
    EXPECT_FLOAT_EQ(train.images.at({2, 3}), 5.f / 255.f);
  } catch (const px::Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("train-images-idx3-ubyte.gz: a gzip-compressed file"));
    EXPECT_THAT(error.what(), HasSubstr("gunzip"));
  }
}
