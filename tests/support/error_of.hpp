// The message of the plexus::Error that `f` throws, or "no error": error tests compare it with
// HasSubstr, so a missing error fails them with a readable account.
#pragma once

#include <functional>
#include <string>

#include "plexus/error.hpp"

namespace plexus::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace plexus::testing
