// The palette, viridis and tints; see colours.hpp.
#include "plot/colours.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "plexus/plot/figure.hpp"

namespace plexus::plot {

const std::vector<std::string>& palette() {
  // Okabe and Ito's eight colours, the yellow late because it is faint on white.
  static const std::vector<std::string> colours = {"#0072b2", "#e69f00", "#009e73", "#d55e00",
                                                   "#cc79a7", "#56b4e9", "#f0e442", "#000000"};
  return colours;
}

namespace detail {

namespace {

struct Rgb {
  double r, g, b;
};

Rgb parse_hex(const std::string& hex) {
  const auto channel = [&](size_t at) { return std::stoi(hex.substr(at, 2), nullptr, 16) / 255.0; };
  return {channel(1), channel(3), channel(5)};
}

std::string to_hex(Rgb c) {
  char text[8];
  const auto byte = [](double v) {
    return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
  };
  std::snprintf(text, sizeof(text), "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return text;
}

Rgb viridis_rgb(double t) {
  static const std::array<const char*, 11> stops = {"#440154", "#482475", "#414487", "#355f8d",
                                                    "#2a788e", "#21918c", "#22a884", "#44bf70",
                                                    "#7ad151", "#bddf26", "#fde725"};
  t = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
  const double at = t * (stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(at), stops.size() - 2);
  const double f = at - static_cast<double>(i);
  const Rgb a = parse_hex(stops[i]), b = parse_hex(stops[i + 1]);
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

}  // namespace

std::string viridis(double t) { return to_hex(viridis_rgb(t)); }

const char* ink_on(double t) {
  const Rgb c = viridis_rgb(t);
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b < 0.45 ? "#ffffff" : "#111111";
}

std::string tint(const std::string& hex, double white) {
  const Rgb c = parse_hex(hex);
  return to_hex({c.r + white * (1 - c.r), c.g + white * (1 - c.g), c.b + white * (1 - c.b)});
}

const std::string& colour(int index) {
  const auto& colours = palette();
  const int n = static_cast<int>(colours.size());
  return colours[static_cast<size_t>(((index % n) + n) % n)];
}

}  // namespace detail

}  // namespace plexus::plot
