// Shared by the figure (figure.cpp, canvas.cpp) and report.cpp: XML/HTML escaping, and writing
// a file atomically so that a reader never sees half a report.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace plexus::plot::detail {

/// Escapes &, <, >, " and ' for text and attribute values alike.
std::string escape(std::string_view text);

/// Writes text to path.tmp, then renames it over path; throws plexus::Error naming the path.
void write_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace plexus::plot::detail
