// What streaming reads with: assign_part (stable, seeded, the fractions within binomial noise),
// MappedNpy (rows of every dtype read_npy reads, trailing dimensions flattened, as read_npy reads
// them; bounds, errors naming the file) and the memory check before reading a file whole, and the
// out-of-memory error's estimate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <plexus/data/memory.hpp>
#include <plexus/data/npy.hpp>
#include <plexus/data/split.hpp>
#include <plexus/data/stream_plan.hpp>
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
               const std::string& data, bool fortran = false) {
    std::string head = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
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
  EXPECT_THAT(error_of([&] { MappedNpy{dir_ / "none.npy"}; }), HasSubstr("none.npy: cannot open"));
}

TEST_F(Mapped, ReadsEveryDtypeAsReadNpyDoesWithTrailingDimensionsFlattened) {
  // 4 rows of [2, 2]: rows of 4 values.
  const int64_t rows = 4, cols = 4;
  const auto check = [&](const std::string& descr, const std::string& data) {
    const fs::path path = npy("t.npy", descr, "(4, 2, 2)", data);
    const MappedNpy mapped(path);
    EXPECT_EQ(mapped.rows(), rows) << descr;
    EXPECT_EQ(mapped.cols(), cols) << descr;
    const px::Tensor whole = px::data::read_npy(path);
    ASSERT_EQ(whole.numel(), static_cast<size_t>(rows * cols)) << descr;
    // Rows 1 and 2 alone, then all: the values read_npy reads, bit for bit.
    const px::Tensor middle = mapped.rows(1, 3);
    for (int64_t i = 0; i < 2 * cols; ++i)
      EXPECT_EQ(middle.data()[i], whole.data()[cols + i]) << descr << " value " << i;
    const px::Tensor all = mapped.rows(0, rows);
    EXPECT_EQ(std::memcmp(all.data(), whole.data(), whole.numel() * sizeof(float)), 0) << descr;
  };
  // Values spanning each type's range (negative, large, past float's precision).
  std::vector<uint8_t> u1;
  std::vector<int8_t> i1;
  std::vector<int16_t> i2;
  std::vector<uint16_t> u2;
  std::vector<int32_t> i4;
  std::vector<uint32_t> u4;
  std::vector<int64_t> i8;
  std::vector<uint64_t> u8;
  std::vector<uint8_t> b1;
  for (int k = 0; k < 16; ++k) {
    u1.push_back(static_cast<uint8_t>(k * 17));
    i1.push_back(static_cast<int8_t>(k * 16 - 128));
    i2.push_back(static_cast<int16_t>(k * 4000 - 32000));
    u2.push_back(static_cast<uint16_t>(k * 4000));
    i4.push_back(static_cast<int32_t>(int64_t{k} * 268435455 - 2147483647));
    u4.push_back(static_cast<uint32_t>(k) * 268435455u);
    i8.push_back((int64_t{1} << 62) / 8 * (k - 8) + 1);
    u8.push_back((uint64_t{1} << 63) / 8 * static_cast<uint64_t>(k) + 1);
    b1.push_back(k % 3 == 0 ? 1 : 0);
  }
  check("|u1", bytes_of(u1));
  check("|i1", bytes_of(i1));
  check("<i2", bytes_of(i2));
  check("<u2", bytes_of(u2));
  check("<i4", bytes_of(i4));
  check("<u4", bytes_of(u4));
  check("<i8", bytes_of(i8));
  check("<u8", bytes_of(u8));
  check("|b1", bytes_of(b1));
  EXPECT_EQ(MappedNpy(npy("bool.npy", "|b1", "(16,)", bytes_of(b1))).rows(0, 4).data()[3], 1.0f);
}

TEST_F(Mapped, RefusesWhatReadNpyRefusesAndHeadersItCannotTrust) {
  const std::vector<float> f(6, 1.0f);
  // Big-endian and Fortran order: the in-memory reader's refusal, word for word.
  for (const auto& [path, what] :
       {std::pair{npy("big.npy", ">f4", "(3, 2)", bytes_of(f)), "big-endian"},
        std::pair{npy("fortran.npy", "<f4", "(3, 2)", bytes_of(f), true), "Fortran"}}) {
    const std::string whole = error_of([&] { px::data::read_npy(path); });
    EXPECT_THAT(whole, HasSubstr(what));
    EXPECT_EQ(error_of([&] { MappedNpy{path}; }), whole);
  }
  EXPECT_THAT(
      error_of([&] { MappedNpy{npy("scalar.npy", "<f4", "()", bytes_of(std::vector<float>(1)))}; }),
      HasSubstr("scalar.npy: the shape () is one value, not rows"));
  // No rows, so no data to check the shape against: rows of 2^62 x 4 values would overflow.
  EXPECT_THAT(
      error_of([&] { MappedNpy{npy("huge.npy", "<f4", "(0, 4611686018427387904, 4)", "")}; }),
      HasSubstr(
          "huge.npy: the shape (0, 4611686018427387904, 4) has rows of more values than fit"));
  EXPECT_THAT(error_of([&] { MappedNpy{npy("wide.npy", "<f8", "(0, 4611686018427387904)", "")}; }),
              HasSubstr("wide.npy: the shape (0, 4611686018427387904) has rows of more bytes"));
}

TEST(MemoryCheck, OutOfMemoryReadingANpyWholeQuotesTheEstimateTheDecisionToStreamUses) {
  const fs::path dir = fs::temp_directory_path() / "plexus_npy_oom";
  fs::create_directories(dir);
  const fs::path x = dir / "x.npy", y = dir / "y.npy", csv = dir / "d.csv";
  std::ofstream(x) << std::string(4000, 'x');
  std::ofstream(y) << std::string(900, 'y');
  std::ofstream(csv) << std::string(2000, '1');
  const px::data::StreamPlan plan =
      px::data::plan_streaming(x.string(), y.string(), std::nullopt, 1);
  EXPECT_EQ(plan.needed, 17150u);  // 3.5 x both files, not 3 x the features file
  const std::string npy = error_of([&] { px::data::throw_out_of_memory(x, y); });
  EXPECT_THAT(npy, HasSubstr("out of memory reading " + x.string() + " (4.0 KB) with its labels " +
                             y.string() + " (900 bytes) needs about " +
                             px::data::format_bytes(plan.needed) + " of memory"));
  EXPECT_THAT(npy, HasSubstr("pass --stream"));
  // A CSV: its own estimate, the one its decision uses.
  const std::string text = error_of([&] { px::data::throw_out_of_memory(csv); });
  EXPECT_THAT(text,
              HasSubstr(csv.string() + " (2.0 KB) needs about " +
                        px::data::format_bytes(
                            px::data::plan_streaming(csv.string(), "", std::nullopt, 1).needed)));
  fs::remove_all(dir);
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
