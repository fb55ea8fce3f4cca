// What the built-in callbacks share: which way a monitored value should go, and their state as
// named numbers in a CallbackState.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "plexus/train/callback.hpp"

namespace plexus::train {

/// Whether the monitored value should rise (Mode::automatic: by the metric's name).
bool wants_higher(Mode mode, const std::string& monitor);

/// Whether `value` beats `best` by more than `margin` in the monitored direction; NaN never does.
bool improves(double value, double best, double margin, bool higher);

/// An optional count as a number of the state: -1 for none, and back.
double optional_count(const std::optional<size_t>& value);
std::optional<size_t> count_or_none(double value);

/// The number `name` of a callback's saved state; throws naming the callback if it is missing.
double scalar(const CallbackState& state, const std::string& name, const char* callback);

}  // namespace plexus::train
