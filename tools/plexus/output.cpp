// Printing: numbers with 9 significant digits, CSV fields, warnings, the --json line.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli.hpp"

namespace plexus::cli {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",;\t\"\r\n") == std::string_view::npos &&
      (text.empty() || (text.front() != ' ' && text.back() != ' ')))
    return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void warn(const std::string& message) { std::cerr << "plexus: warning: " << message << "\n"; }

void print_json_line(const json& object) {
  std::cout << object.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
}

}  // namespace plexus::cli
