// The checks behind every plexus::Error: PLEXUS_CHECK for the user's mistakes (a message that
// names the op, layer, file or shape at fault), PLEXUS_ASSERT for plexus' own invariants (aborts in
// debug builds only). Internal to the library: users catch plexus::Error (plexus/error.hpp).
#pragma once

#include <cassert>
#include <sstream>

#include "plexus/error.hpp"

namespace plexus::detail {
template <typename... Parts>
[[noreturn]] void throw_error(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}
}  // namespace plexus::detail

/// PLEXUS_CHECK(condition, message parts...): throws plexus::Error with the parts streamed
/// together.
#define PLEXUS_CHECK(condition, ...)              \
  do {                                            \
    if (!(condition)) [[unlikely]]                \
      ::plexus::detail::throw_error(__VA_ARGS__); \
  } while (false)

#define PLEXUS_ASSERT(condition) assert(condition)
