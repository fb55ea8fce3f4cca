// Shared by the figure (figure.cpp, canvas.cpp) and report.cpp: XML/HTML escaping.
#pragma once

#include <string>
#include <string_view>

namespace plexus::plot::detail {

/// Escapes &, <, >, " and ' for text and attribute values alike.
std::string escape(std::string_view text);

}  // namespace plexus::plot::detail
