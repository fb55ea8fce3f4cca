// Numbers as text for the history's files: the shortest text that reads back as the same double.
// Shared by the history serializer (history.cpp) and HistoryLogger.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace plexus::train {

/// "0.1", "1e-05", "nan", "inf": as std::to_chars writes the shortest round trip.
std::string shortest_text(double value);

/// {"name": value, ...} in the given order; NaN and Inf are null.
std::string json_object(const std::vector<std::pair<std::string, double>>& values);

}  // namespace plexus::train
