// Escaping and atomic writes for the plot layer.
#include "plot/svg.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "base/check.hpp"

namespace plexus::plot::detail {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    PLEXUS_CHECK(file, "plot: cannot write ", path, ": ", std::strerror(errno));
    file << text;
    file.close();
    PLEXUS_CHECK(file, "plot: writing ", path, " failed: ", std::strerror(errno));
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    ::plexus::detail::throw_error("plot: cannot write ", path, ": ", error.message());
  }
}

}  // namespace plexus::plot::detail
