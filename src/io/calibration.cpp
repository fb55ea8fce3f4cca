// A model's calibration as JSON, and the split-conformal quantile.
#include "plexus/io/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/check.hpp"

namespace plexus::io {

using nlohmann::json;

std::string Calibration::to_json() const {
  json out = json::object();
  if (temperature != 1.0) out["temperature"] = temperature;
  if (threshold) {
    out["threshold"] = *threshold;
    out["threshold_rule"] = threshold_rule;
  }
  if (!residuals.empty()) out["residuals"] = residuals;
  return out.dump();
}

Calibration Calibration::from_json(std::string_view text, std::string_view source) {
  const json in = json::parse(text, nullptr, false);
  PLEXUS_CHECK(in.is_object(), source, ": plexus.calibration must be a JSON object");
  const auto number = [&](const char* key, double low, double high) {
    const json& value = in[key];
    PLEXUS_CHECK(value.is_number() && value.get<double>() >= low && value.get<double>() <= high,
                 source, ": plexus.calibration: \"", key, "\" must be a number in [", low, ", ",
                 high, "], got ", value.dump().substr(0, 40));
    return value.get<double>();
  };
  Calibration out;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  if (in.contains("temperature")) {
    out.temperature = number("temperature", 0.0, std::numeric_limits<double>::max());
    PLEXUS_CHECK(out.temperature > 0, source, ": plexus.calibration: the temperature must be > 0");
  }
  if (in.contains("threshold")) {
    out.threshold = number("threshold", 0.0, 1.0);
    if (in.contains("threshold_rule") && in["threshold_rule"].is_string())
      out.threshold_rule = in["threshold_rule"].get<std::string>();
  }
  if (in.contains("residuals")) {
    const json& residuals = in["residuals"];
    PLEXUS_CHECK(residuals.is_array(), source,
                 ": plexus.calibration: \"residuals\" must be a list of numbers");
    for (const json& r : residuals) {
      PLEXUS_CHECK(r.is_number() && r.get<double>() >= 0 && r.get<double>() < kInfinity, source,
                   ": plexus.calibration: \"residuals\" must be finite numbers >= 0");
      out.residuals.push_back(r.get<double>());
    }
    PLEXUS_CHECK(std::is_sorted(out.residuals.begin(), out.residuals.end()), source,
                 ": plexus.calibration: \"residuals\" must be sorted ascending");
  }
  return out;
}

double conformal_quantile(const std::vector<double>& sorted_residuals, double level) {
  PLEXUS_CHECK(level > 0 && level < 1, "conformal interval: the level ", level,
               " must be in (0, 1), e.g. 0.9");
  const auto n = static_cast<double>(sorted_residuals.size());
  // NOTE: a small epsilon keeps (n + 1) * level from rounding up past a whole number
  // ((19 + 1) * 0.9 is 18.000000000000004 in double).
  const double k = std::max(1.0, std::ceil((n + 1) * level - 1e-9));
  if (k > n) return std::numeric_limits<double>::infinity();
  return sorted_residuals[static_cast<size_t>(k) - 1];
}

}  // namespace plexus::io
