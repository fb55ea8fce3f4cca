// px::NamedTensors: tensors by name, in order, as a state dict holds them ("0.weight", ...).
// Declared once here, low in the include graph, so that modules and state files share it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "plexus/tensor/tensor.hpp"

namespace plexus {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

}  // namespace plexus
