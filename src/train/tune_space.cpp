// The search space of plexus tune: its JSON form, the configurations drawn from it, and how a
// configuration is written in the leaderboard.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "plexus/base/text.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/train/tune.hpp"

namespace plexus::train {
namespace {

using nlohmann::json;

/// splitmix64: the draws depend on (seed, configuration, choice) alone, the same on every
/// platform, whatever was drawn before.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Draw {
  uint64_t seed;
  size_t index;
  uint64_t next = 0;
  uint64_t bits() { return mix(mix(mix(seed) ^ index) ^ next++); }
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }
  template <typename T>
  const T& pick(const std::vector<T>& values) {
    return values[bits() % values.size()];
  }
};

template <typename T>
void read_list(const json& object, const char* key, std::vector<T>& out, std::string_view source) {
  if (!object.contains(key)) return;
  const json& value = object.at(key);
  const std::string where = std::string(source) + ": \"" + key + "\"";
  if (!value.is_array() || value.empty()) throw Error(where + " must be a non-empty list");
  std::vector<T> items;
  for (const json& item : value) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!item.is_string()) throw Error(where + ": " + item.dump() + " is not a string");
    } else if constexpr (std::is_integral_v<T>) {
      if (!item.is_number_integer() || item.get<int64_t>() < 1)
        throw Error(where + ": " + item.dump() + " is not a positive integer");
    } else {
      if (!item.is_number() || item.get<double>() < 0 || item.get<double>() >= 1.0 + 1e-12)
        throw Error(where + ": " + item.dump() + " is not a number in [0, 1]");
    }
    items.push_back(item.get<T>());
  }
  out = std::move(items);
}

void check_choices(const std::vector<std::string>& values, const std::vector<std::string>& allowed,
                   const std::string& where) {
  for (const auto& value : values)
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
      throw Error(where + ": \"" + value + "\" is not one of " + join(allowed));
}

bool has_beta2(const std::string& optimizer) {
  for (const auto& info : optim::optimizers())
    if (info.name == optimizer) return info.has_beta2;
  return false;
}

}  // namespace

SearchSpace search_space_from_json(std::string_view text, std::string_view source) {
  json object;
  try {
    object = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(std::string(source) + " is not valid JSON: " + e.what());
  }
  if (!object.is_object()) throw Error(std::string(source) + " must hold a JSON object");
  static const std::vector<std::string> keys = {
      "depth",        "width",      "embedding",       "lr",       "dropout",
      "weight_decay", "batch_size", "label_smoothing", "schedule", "beta2"};
  for (const auto& [key, value] : object.items())
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw Error(std::string(source) + ": unknown key \"" + key + "\"; the keys are " +
                  join(keys));
  SearchSpace space;
  read_list(object, "depth", space.depth, source);
  read_list(object, "width", space.width, source);
  read_list(object, "embedding", space.embedding, source);
  read_list(object, "dropout", space.dropout, source);
  read_list(object, "weight_decay", space.weight_decay, source);
  read_list(object, "batch_size", space.batch_size, source);
  read_list(object, "label_smoothing", space.label_smoothing, source);
  read_list(object, "schedule", space.schedule, source);
  read_list(object, "beta2", space.beta2, source);
  const std::string where = std::string(source) + ": ";
  check_choices(space.embedding, {"none", "periodic"}, where + "\"embedding\"");
  std::vector<std::string> schedules = {"none"};
  for (const auto& info : optim::schedules()) schedules.push_back(info.name);
  check_choices(space.schedule, schedules, where + "\"schedule\"");
  for (double d : space.dropout)
    if (d >= 1) throw Error(where + "\"dropout\": " + shortest_text(d) + " is not below 1");
  if (object.contains("lr")) {
    const json& lr = object.at("lr");
    if (!lr.is_array() || lr.size() != 2 || !lr[0].is_number() || !lr[1].is_number() ||
        lr[0].get<double>() <= 0 || lr[1].get<double>() < lr[0].get<double>())
      throw Error(where + "\"lr\" must be [low, high] with 0 < low <= high (log-uniform)");
    space.lr_min = lr[0].get<double>();
    space.lr_max = lr[1].get<double>();
  }
  return space;
}

Recipe sample_recipe(const SearchSpace& space, const Recipe& base, uint64_t seed, size_t index,
                     data::Task task) {
  if (index == 0) return base;
  Draw draw{.seed = seed, .index = index};
  Recipe recipe = base;
  recipe.hidden.assign(static_cast<size_t>(draw.pick(space.depth)), draw.pick(space.width));
  recipe.embedding = draw.pick(space.embedding);
  recipe.lr = space.lr_min * std::pow(space.lr_max / space.lr_min, draw.uniform());
  recipe.dropout = draw.pick(space.dropout);
  recipe.weight_decay = draw.pick(space.weight_decay);
  recipe.batch_size = draw.pick(space.batch_size);
  const double smoothing = draw.pick(space.label_smoothing);
  if (task == data::Task::classification && loss_name(base, task) == "cross_entropy")
    recipe.label_smoothing = smoothing;
  recipe.schedule = draw.pick(space.schedule);
  const double beta2 = draw.pick(space.beta2);
  if (has_beta2(base.optimizer)) recipe.beta2 = beta2;
  // Every configuration its own initialisation.
  recipe.seed = mix(seed ^ (index * 0x2545f4914f6cdd1dULL)) >> 16;
  return recipe;
}

std::string describe_recipe(const Recipe& r) {
  std::ostringstream out;
  out << r.hidden.size() << "x" << (r.hidden.empty() ? 0 : r.hidden.front());
  for (size_t i = 1; i < r.hidden.size(); ++i)
    if (r.hidden[i] != r.hidden.front()) {
      out.str("");
      for (size_t j = 0; j < r.hidden.size(); ++j) out << (j ? "," : "") << r.hidden[j];
      break;
    }
  if (r.embedding != "none") out << " " << r.embedding;
  char lr[16];
  std::snprintf(lr, sizeof lr, "%.3g", r.lr);
  out << " lr " << lr << " dropout " << shortest_text(r.dropout) << " wd "
      << shortest_text(r.weight_decay) << " batch " << r.batch_size;
  if (r.label_smoothing) out << " ls " << shortest_text(*r.label_smoothing);
  if (r.schedule != "none") out << " " << r.schedule;
  if (r.beta2) out << " b2 " << shortest_text(*r.beta2);
  return out.str();
}

std::string recipe_json(const Recipe& r) {
  json out = {{"hidden", r.hidden},
              {"embedding", r.embedding},
              {"lr", r.lr},
              {"dropout", r.dropout},
              {"weight_decay", r.weight_decay},
              {"batch_size", r.batch_size},
              {"schedule", r.schedule},
              {"epochs", r.epochs},
              {"seed", r.seed}};
  out["label_smoothing"] = r.label_smoothing ? json(*r.label_smoothing) : json(nullptr);
  out["beta2"] = r.beta2 ? json(*r.beta2) : json(nullptr);
  return out.dump();
}

size_t default_folds(size_t rows) {
  if (rows < 20000) return 5;
  if (rows < 100000) return 3;
  return 1;
}

}  // namespace plexus::train
