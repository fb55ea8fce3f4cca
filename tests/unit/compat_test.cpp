// base/compat.hpp and base/crc32.hpp: natively these are the standard library's and zlib's; in the
// WebAssembly build (libc++ 13, no zlib) plexus' own, which must give the same text and values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "base/compat.hpp"
#include "base/crc32.hpp"
#include "plexus/tensor/random.hpp"

namespace {

template <typename Float>
std::string text_of(Float value) {
  char text[64];
  const auto [end, error] = plexus::compat::to_chars(text, text + sizeof(text), value);
  EXPECT_EQ(error, std::errc());
  return std::string(text, end);
}

template <typename Float>
std::pair<Float, size_t> read(const std::string& text, std::errc expected = std::errc()) {
  Float value = -7;
  const auto [end, error] =
      plexus::compat::from_chars(text.data(), text.data() + text.size(), value);
  EXPECT_EQ(error, expected) << '"' << text << '"';
  return {value, static_cast<size_t>(end - text.data())};
}

TEST(Compat, ToCharsWritesTheShortestRoundTripFixedOrScientific) {
  EXPECT_EQ(text_of(0.1f), "0.1");
  EXPECT_EQ(text_of(1.5), "1.5");
  EXPECT_EQ(text_of(1234.5), "1234.5");
  EXPECT_EQ(text_of(100000.0f), "1e+05");  // shorter than 100000
  EXPECT_EQ(text_of(12345.0f), "12345");
  EXPECT_EQ(text_of(123456789.0), "123456789");
  EXPECT_EQ(text_of(1e16), "1e+16");
  EXPECT_EQ(text_of(0.001), "0.001");
  EXPECT_EQ(text_of(1e-4), "1e-04");
  EXPECT_EQ(text_of(1e-5f), "1e-05");
  EXPECT_EQ(text_of(-2.5e-7f), "-2.5e-07");
  EXPECT_EQ(text_of(std::numeric_limits<float>::max()), "3.4028235e+38");
  EXPECT_EQ(text_of(0.0), "0");
  EXPECT_EQ(text_of(-0.0f), "-0");
  EXPECT_EQ(text_of(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(text_of(-std::numeric_limits<float>::infinity()), "-inf");
  EXPECT_EQ(text_of(std::numeric_limits<float>::quiet_NaN()), "nan");
  char small[3];
  EXPECT_EQ(plexus::compat::to_chars(small, small + sizeof(small), 1234.5).ec,
            std::errc::value_too_large);
}

TEST(Compat, ToCharsThenFromCharsGivesTheSameFloat) {
  plexus::Generator generator(5);
  for (int i = 0; i < 2000; ++i) {
    const float value = generator.normal() * std::pow(10.0f, generator.uniform(-30.0f, 30.0f));
    EXPECT_EQ(read<float>(text_of(value)).first, value) << text_of(value);
    const double wide = double{value} / 3.0;
    EXPECT_EQ(read<double>(text_of(wide)).first, wide) << text_of(wide);
  }
}

TEST(Compat, FromCharsReadsOnlyTheGeneralFormat) {
  EXPECT_EQ(read<double>("1.5"), std::pair(1.5, size_t{3}));
  EXPECT_EQ(read<double>("-2e3"), std::pair(-2000.0, size_t{4}));
  EXPECT_EQ(read<float>("1.5abc"), std::pair(1.5f, size_t{3}));
  EXPECT_EQ(read<double>("0x10"), std::pair(0.0, size_t{1}));  // no hexadecimal
  EXPECT_TRUE(std::isinf(read<double>("inf").first));
  EXPECT_EQ(read<double>("infinity").second, 8u);
  EXPECT_TRUE(std::isnan(read<float>("nan").first));
  for (const char* bad : {"+1", " 1", "-", ".", "e5", ""})
    EXPECT_EQ(read<double>(bad, std::errc::invalid_argument).first, -7.0) << bad;
  EXPECT_EQ(read<double>("1e400", std::errc::result_out_of_range).second, 5u);
}

TEST(Compat, BitCastKeepsTheBits) {
  EXPECT_EQ(plexus::compat::bit_cast<uint32_t>(1.0f), 0x3f800000u);
  EXPECT_EQ(plexus::compat::bit_cast<double>(uint64_t{0x4000000000000000}), 2.0);
}

TEST(Crc32, GivesTheStandardCheckValues) {
  EXPECT_EQ(plexus::crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(plexus::crc32(""), 0u);
  EXPECT_EQ(plexus::crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
}

}  // namespace
