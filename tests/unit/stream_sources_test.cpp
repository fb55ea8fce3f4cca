// What streaming reads with: assign_part (stable, seeded, the fractions within binomial noise),
// MappedNpy (rows of float32 and float64 files, bounds, errors naming the file) and the memory
// check before reading a file whole.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <plexus/data/memory.hpp>
#include <plexus/data/npy.hpp>
#include <plexus/data/split.hpp>
#include <plexus/error.hpp>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace fs = std::filesystem;
using px::data::assign_part;
using px::data::MappedNpy;
using px::data::Part;
using px::testing::error_of;
using ::testing::HasSubstr;

TEST(AssignPart, HonoursTheFractionsWithinBinomialNoise) {
  const uint64_t n = 200'000;
  for (const auto& [test, validation] : {std::pair{0.2, 0.1}, std::pair{0.05, 0.0}}) {
    uint64_t tests = 0, validations = 0;
    for (uint64_t row = 0; row < n; ++row) {
      const Part part = assign_part(row, 42, test, validation);
      tests += part == Part::test;
      validations += part == Part::validation;
    }
    // Four standard deviations of a binomial count.
    for (const auto& [count, p] : {std::pair{tests, test}, std::pair{validations, validation}}) {
      const double sd = std::sqrt(double(n) * p * (1 - p));
      EXPECT_NEAR(double(count), double(n) * p, 4 * sd + 1e-9) << p;
    }
  }
}

TEST(AssignPart, IsStableForASeedAndChangesWithIt) {
  size_t moved = 0;
  std::vector<int> first(100'000);
  for (uint64_t row = 0; row < first.size(); ++row) {
    first[row] = int(assign_part(row, 7, 0.2, 0.2));
    moved += first[row] != int(assign_part(row, 8, 0.2, 0.2));
  }
  for (uint64_t row = 0; row < first.size(); ++row)
    ASSERT_EQ(first[row], int(assign_part(row, 7, 0.2, 0.2))) << row;
  // Two independent draws agree with probability 0.6^2 + 0.2^2 + 0.2^2 = 0.44.
  EXPECT_NEAR(double(moved) / double(first.size()), 0.56, 0.01);
  // Neighbouring rows are independent: runs of test rows are as short as chance makes them.
  size_t pairs = 0;
  for (uint64_t row = 1; row < first.size(); ++row)
    pairs += first[row] == int(Part::test) && first[row - 1] == int(Part::test);
  EXPECT_NEAR(double(pairs) / double(first.size()), 0.04, 0.004);
  EXPECT_THAT(error_of([] { assign_part(0, 0, 0.6, 0.4); }), HasSubstr("leave rows to train on"));
}

namespace {

class Mapped : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_mapped_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A version 1.0 .npy of `descr` and `shape` holding `data` (of any length, to make it lie).
  fs::path npy(const std::string& name, const std::string& descr, const std::string& shape,
               const std::string& data) {
    std::string head =
        "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    head.append((64 - (10 + head.size() + 1) % 64) % 64, ' ');
    head += '\n';
    const fs::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << "\x93NUMPY" << '\x01' << '\x00' << char(head.size() & 0xff) << char(head.size() >> 8)
        << head << data;
    return path;
  }
  template <typename T>
  static std::string bytes_of(const std::vector<T>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  }

  fs::path dir_;
};

}  // namespace

TEST_F(Mapped, ReadsRowsOfFloat32AndFloat64Files) {
  std::vector<float> f(5 * 3);
  for (size_t i = 0; i < f.size(); ++i) f[i] = float(i) + 0.5f;
  const MappedNpy a(npy("a.npy", "<f4", "(5, 3)", bytes_of(f)));
  EXPECT_EQ(a.rows(), 5);
  EXPECT_EQ(a.cols(), 3);
  const px::Tensor rows = a.rows(1, 4);
  ASSERT_EQ(rows.shape(0), 3);
  for (int64_t i = 0; i < 9; ++i) EXPECT_EQ(rows.data()[i], f[size_t(3 + i)]);
  EXPECT_EQ(a.rows(5, 5).shape(0), 0);

  const std::vector<double> d = {1.25, -2, 3e10, 4};
  MappedNpy b(npy("b.npy", "<f8", "(4,)", bytes_of(d)));
  EXPECT_EQ(b.cols(), 1);
  const MappedNpy moved = std::move(b);
  const px::Tensor tail = moved.rows(2, 4);
  EXPECT_EQ(tail.data()[0], 3e10f);
  EXPECT_EQ(tail.data()[1], 4.0f);
}

TEST_F(Mapped, ChecksBoundsAndTheFileNamingIt) {
  const std::vector<float> f(6, 1.0f);
  const fs::path good = npy("good.npy", "<f4", "(3, 2)", bytes_of(f));
  EXPECT_THAT(error_of([&] { MappedNpy(good).rows(2, 4); }),
              HasSubstr("good.npy: rows [2, 4) are out of range (the array has 3 rows)"));
  const fs::path short_file = npy("short.npy", "<f4", "(4, 2)", bytes_of(f));
  EXPECT_THAT(error_of([&] { MappedNpy{short_file}; }),
              HasSubstr("short.npy: the shape (4, 2) of '<f4' needs 8 x 4 bytes"));
  const fs::path ints = npy("ints.npy", "<i4", "(3, 2)", bytes_of(std::vector<int32_t>(6)));
  EXPECT_THAT(error_of([&] { MappedNpy{ints}; }),
              HasSubstr("ints.npy: dtype '<i4' cannot be streamed"));
  const fs::path cube = npy("cube.npy", "<f4", "(1, 3, 2)", bytes_of(f));
  EXPECT_THAT(error_of([&] { MappedNpy{cube}; }), HasSubstr("cube.npy: the shape (1, 3, 2)"));
  EXPECT_THAT(error_of([&] { MappedNpy{dir_ / "none.npy"}; }), HasSubstr("none.npy: cannot open"));
}

TEST(MemoryCheck, RefusesAFileThatCannotFitNamingItsSizeAndStream) {
  EXPECT_EQ(px::data::format_bytes(999), "999 bytes");
  EXPECT_EQ(px::data::format_bytes(4'300'000'000), "4.3 GB");
  EXPECT_EQ(px::data::memory_to_read_whole(1000), 3000u);
  const uint64_t available = px::data::available_memory();
  EXPECT_GT(available, 0u);
  // A sparse file as large as the machine's memory, so that nothing is written to disk.
  const fs::path path = fs::temp_directory_path() / "plexus_memory_check.csv";
  { std::ofstream out(path); }
  fs::resize_file(path, available);
  const std::string message = error_of([&] { px::data::check_fits_in_memory(path); });
  fs::remove(path);
  EXPECT_THAT(
      message,
      HasSubstr("plexus_memory_check.csv (" + px::data::format_bytes(available) + ") needs about " +
                px::data::format_bytes(px::data::memory_to_read_whole(available))));
  EXPECT_THAT(message, HasSubstr("pass --stream"));
}
