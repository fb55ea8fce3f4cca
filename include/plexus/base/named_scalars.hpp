// Named numbers in a fixed order: the scalar state of optimizers, schedules and callbacks
// (a step count, the best value so far), saved in checkpoints beside the tensors.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace plexus {

/// (name, value) pairs in the order they were written.
using NamedScalars = std::vector<std::pair<std::string, double>>;

}  // namespace plexus
