// Errors: every misuse of the library throws plexus::Error, with a message that names the op,
// layer, file or shape at fault and, where there is one, the way out.
#pragma once

#include <stdexcept>
#include <string>

namespace plexus {

/// Thrown for every misuse of the library: shape mismatches, bad arguments, bad files.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace plexus
