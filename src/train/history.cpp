// EpochLog lookups by name and History's per-epoch series.
#include "plexus/train/history.hpp"

#include "base/check.hpp"
#include "plexus/train/metrics.hpp"

namespace plexus::train {

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

}  // namespace plexus::train
