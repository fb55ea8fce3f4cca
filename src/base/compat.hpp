// The few C++20 library pieces that some standard libraries still lack: the WebAssembly
// toolchain's libc++ 13 has no std::bit_cast and no floating-point to_chars / from_chars. Library
// code calls plexus::compat:: for these; where the standard library has them, they are its own.
// NOTE: this is the one place that tests for missing library features; add a gap here, not an
// #ifdef at the call site.
#pragma once

#include <charconv>
#include <type_traits>
#include <version>

#if defined(__cpp_lib_bit_cast)
#include <bit>
#endif

namespace plexus::compat {

#if defined(__cpp_lib_bit_cast)
using std::bit_cast;
#else
/// std::bit_cast: the bits of `from` read as a To of the same size.
template <typename To, typename From>
constexpr To bit_cast(const From& from) noexcept {
  static_assert(sizeof(To) == sizeof(From) && std::is_trivially_copyable_v<To> &&
                std::is_trivially_copyable_v<From>);
  return __builtin_bit_cast(To, from);
}
#endif

// The integer overloads are everyone's; the floating-point ones are the standard library's where
// it has them (__cpp_lib_to_chars), else compat.cpp's, which give the same text: the shortest
// that reads back as the same value, fixed or scientific, whichever is shorter.
using std::from_chars;
using std::to_chars;
#if !defined(__cpp_lib_to_chars)
std::to_chars_result to_chars(char* first, char* last, float value);
std::to_chars_result to_chars(char* first, char* last, double value);
std::from_chars_result from_chars(const char* first, const char* last, float& value);
std::from_chars_result from_chars(const char* first, const char* last, double& value);
#endif

}  // namespace plexus::compat
