// Internal: Module::load_state_dict with the prefix of its error messages, for callers inside the
// library that load from a named source (a file, a callback).
#pragma once

#include <string_view>

#include "plexus/nn/module.hpp"

namespace plexus::nn::detail {

/// Module::load_state_dict(state, strict), its errors starting "<source>: ".
void load_state_dict(Module& module, const NamedTensors& state, bool strict,
                     std::string_view source);

}  // namespace plexus::nn::detail
