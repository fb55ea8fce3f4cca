// EpochLog lookups by name, History's per-epoch series, and both as JSON text.
#include "plexus/train/history.hpp"

#include <charconv>
#include <cmath>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/train/metrics.hpp"
#include "train/json_text.hpp"

namespace plexus::train {

namespace {

// A metric name as a JSON string (user-defined metrics may name themselves anything).
std::string json_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) quoted += c;
  }
  return quoted + '"';
}

}  // namespace

std::string shortest_text(double value) {
  char text[32];
  const auto result = compat::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

std::string json_object(const std::vector<std::pair<std::string, double>>& values) {
  std::string text = "{";
  for (const auto& [name, value] : values) {
    if (text.size() > 1) text += ", ";
    text += json_string(name) + ": " + (std::isfinite(value) ? shortest_text(value) : "null");
  }
  return text + "}";
}

std::optional<double> EpochLog::find(std::string_view name) const {
  if (name == "loss") return loss;
  if (name == "val_loss") return val_loss;
  if (name == "lr") return lr;
  if (name == "seconds") return seconds;
  for (const auto& [metric, value] : metrics)
    if (metric == name) return value;
  return std::nullopt;
}

double EpochLog::get(std::string_view name) const {
  if (const auto value = find(name)) return *value;
  std::string known;
  for (const auto& [logged, value] : values()) known += (known.empty() ? "" : ", ") + logged;
  detail::throw_error("\"", name, "\" is not logged; the logged values are: ", known,
                      name.starts_with("val_") ? ". hint: pass .validation to fit" : "");
}

std::vector<std::pair<std::string, double>> EpochLog::values() const {
  std::vector<std::pair<std::string, double>> all{{"loss", loss}};
  for (const auto& entry : metrics)
    if (!entry.first.starts_with("val_")) all.push_back(entry);
  if (val_loss) all.emplace_back("val_loss", *val_loss);
  for (const auto& entry : metrics)
    if (entry.first.starts_with("val_")) all.push_back(entry);
  all.emplace_back("lr", lr);
  all.emplace_back("seconds", seconds);
  return all;
}

const EpochLog& History::last() const {
  PLEXUS_CHECK(!logs_.empty(), "History: no epoch has been recorded");
  return logs_.back();
}

std::vector<double> History::series(std::string_view name) const {
  std::vector<double> values;
  values.reserve(logs_.size());
  for (const EpochLog& log : logs_) values.push_back(log.get(name));
  return values;
}

size_t History::best_epoch(std::string_view name) const {
  PLEXUS_CHECK(!logs_.empty(), "History: no epoch has been recorded");
  const bool higher = metrics::higher_is_better(name);
  size_t best = 0;
  for (size_t i = 1; i < logs_.size(); ++i) {
    const double value = logs_[i].get(name), best_value = logs_[best].get(name);
    if (higher ? value > best_value : value < best_value) best = i;
  }
  return best;
}

std::string epoch_to_json(const EpochLog& log) {
  std::vector<std::pair<std::string, double>> values = log.values();
  std::erase_if(values, [](const auto& entry) { return entry.first == "seconds"; });
  return json_object(values);
}

std::string history_to_json(const History& history) {
  std::string text = "[";
  for (const EpochLog& log : history) text += (text.size() > 1 ? ", " : "") + epoch_to_json(log);
  return text + "]";
}

}  // namespace plexus::train
