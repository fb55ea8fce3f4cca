// Errors: the user's mistakes throw plexus::Error with a message that names the op, layer, file or
// shape at fault; plexus' own invariants use PLEXUS_ASSERT, which aborts in debug builds only.
#pragma once

#include <cassert>
#include <sstream>
#include <stdexcept>
#include <string>

namespace plexus {

/// Thrown for every misuse of the library: shape mismatches, bad arguments, bad files.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
[[noreturn]] void throw_error(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}
}  // namespace detail

}  // namespace plexus

/// PLEXUS_CHECK(condition, message parts...): throws plexus::Error with the parts streamed
/// together.
#define PLEXUS_CHECK(condition, ...)              \
  do {                                            \
    if (!(condition)) [[unlikely]]                \
      ::plexus::detail::throw_error(__VA_ARGS__); \
  } while (false)

#define PLEXUS_ASSERT(condition) assert(condition)
