// Everything that reads or writes a training setting through the table (settings_table.cpp).
#include "plexus/train/settings.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "plexus/base/text.hpp"

namespace plexus::train {
namespace {

using nlohmann::json;
using Kind = SettingKind;

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

bool within(const Bounds& b, double value) {
  if (b.min && !(b.min_open ? value > *b.min : value >= *b.min)) return false;
  if (b.max && !(b.max_open ? value < *b.max : value <= *b.max)) return false;
  return true;
}

/// What is wrong with the stored value of `setting`; "" when nothing.
std::string problem(const Setting& setting, const TrainSettings& settings) {
  const auto out_of_bounds = [&](double value, const std::string& shown) {
    return within(setting.bounds, value) ? "" : shown + " is not " + allowed_values(setting);
  };
  return std::visit(
      [&](auto field) -> std::string {
        const auto& value = settings.*field;
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (setting.kind == Kind::character && value.size() > 1 && value != "\\t" &&
              value != "tab")
            return json(value).dump() + " is not " + allowed_values(setting);
          if (setting.kind != Kind::choice || (value.empty() && setting.empty_allowed) ||
              std::find(setting.choices.begin(), setting.choices.end(), value) !=
                  setting.choices.end())
            return "";
          return unknown_name_message(setting.key, value, setting.choices);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          for (int64_t item : value)
            if (auto bad = out_of_bounds(static_cast<double>(item), std::to_string(item));
                !bad.empty())
              return bad;
          return "";
        } else if constexpr (std::is_same_v<T, std::optional<double>>) {
          return value ? out_of_bounds(*value, json(*value).dump()) : "";
        } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
          return out_of_bounds(static_cast<double>(value), json(value).dump());
        } else {
          return "";
        }
      },
      setting.field);
}

/// A JSON integer that fits T, or nothing.
template <typename T>
std::optional<T> integer_of(const json& value) {
  if (!value.is_number_integer()) return std::nullopt;
  if (value.is_number_unsigned()) {
    const auto v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(v);
  }
  const auto v = value.get<int64_t>();
  if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
    return std::nullopt;
  return static_cast<T>(v);
}

std::optional<int64_t> parse_integer(const std::string& text) {
  size_t used = 0;
  try {
    const long long value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

/// Stores `value` (of JSON) into the setting; `at` starts every message ("--lr: ").
void assign(TrainSettings& settings, const Setting& setting, const json& value,
            const std::string& at) {
  TrainSettings changed = settings;  // a rejected value is not kept
  const auto bad = [&](const std::string& shown) {
    return SettingsError(at + shown + " is not " + allowed_values(setting));
  };
  std::visit(
      [&](auto field) {
        auto& target = changed.*field;
        using T = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<T, std::string>) {
          // A column may be given by its index: "target": 3.
          if (value.is_number_integer())
            target = value.dump();
          else if (value.is_string())
            target = value.get<std::string>();
          else
            throw bad(value.dump());
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          if (value.is_string())
            target = split_list(value.get<std::string>());
          else if (value.is_array() &&
                   std::all_of(value.begin(), value.end(), [](auto& v) { return v.is_string(); }))
            target = value.get<std::vector<std::string>>();
          else
            throw bad(value.dump());
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          T items;
          if (value.is_string()) {
            for (const auto& item : split_list(value.get<std::string>())) {
              const auto number = parse_integer(item);
              if (!number) throw bad(json(item).dump());
              items.push_back(*number);
            }
          } else if (value.is_array()) {
            for (const auto& item : value) {
              const auto number = integer_of<int64_t>(item);
              if (!number) throw bad(item.dump());
              items.push_back(*number);
            }
          } else {
            throw bad(value.dump());
          }
          target = items;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!value.is_boolean()) throw bad(value.dump());
          target = value.get<bool>();
        } else if constexpr (std::is_same_v<T, std::optional<bool>>) {
          if (!value.is_boolean() && !value.is_null()) throw bad(value.dump());
          target = value.is_null() ? T{} : T{value.get<bool>()};
        } else if constexpr (std::is_same_v<T, std::optional<double>>) {
          if (!value.is_number() && !value.is_null()) throw bad(value.dump());
          target = value.is_null() ? T{} : T{value.get<double>()};
        } else if constexpr (std::is_same_v<T, double>) {
          if (!value.is_number()) throw bad(value.dump());
          target = value.get<double>();
        } else {
          const auto number = integer_of<T>(value);
          if (!number) throw bad(value.dump());
          target = *number;
        }
      },
      setting.field);
  if (auto wrong = problem(setting, changed); !wrong.empty()) throw SettingsError(at + wrong);
  settings = std::move(changed);
}

const Setting* lookup(std::string_view key) {
  if (key == "layers") key = "hidden";
  for (const auto& setting : settings_table())
    if (setting.key == key) return &setting;
  return nullptr;
}

std::string unknown_key_message(std::string_view key) {
  std::vector<std::string> keys;
  for (const auto& setting : settings_table()) keys.push_back(setting.key);
  keys.push_back("layers");
  return unknown_name_message("key", key, keys);
}

}  // namespace

std::string Setting::flag() const {
  std::string name = "--" + key;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

std::string allowed_values(const Setting& setting) {
  const Bounds& b = setting.bounds;
  switch (setting.kind) {
    case Kind::boolean:
    case Kind::optional_boolean:
      return "true or false";
    case Kind::text:
    case Kind::choice:
      return "a string";
    case Kind::text_list:
      return "a list of strings";
    case Kind::character:
      return "one character, or \\t";
    default:
      break;
  }
  const bool list = setting.kind == Kind::integer_list;
  std::string noun = list ? "integers" : setting.kind == Kind::integer ? "integer" : "number";
  if (b.min && b.max)
    noun += std::string(" in ") + (b.min_open ? "(" : "[") + number_text(*b.min) + ", " +
            number_text(*b.max) + (b.max_open ? ")" : "]");
  else if (b.min && *b.min == 0 && b.min_open)
    noun = "positive " + noun;
  else if (b.min)
    noun += (b.min_open ? " > " : " >= ") + number_text(*b.min);
  if (list) return "a list of " + noun;
  return (noun[0] == 'i' ? "an " : "a ") + noun;
}

const Setting& find_setting(std::string_view key) {
  if (const Setting* setting = lookup(key)) return *setting;
  throw SettingsError(unknown_key_message(key));
}

void set_from_text(TrainSettings& settings, std::string_view key, const std::string& text) {
  const Setting& setting = find_setting(key);
  const std::string at = setting.flag() + ": ";
  json value = text;
  switch (setting.kind) {
    case Kind::integer:
      if (const auto number = parse_integer(text)) {
        value = *number;
      } else if (!text.empty() && text[0] != '-') {
        // A seed may use all 64 bits.
        size_t used = 0;
        try {
          const unsigned long long number = std::stoull(text, &used);
          if (used == text.size()) value = static_cast<uint64_t>(number);
        } catch (const std::exception&) {
        }
      }
      break;
    case Kind::number:
    case Kind::optional_number: {
      size_t used = 0;
      try {
        const double number = std::stod(text, &used);
        if (used == text.size()) value = number;
      } catch (const std::exception&) {
      }
      break;
    }
    case Kind::boolean:
    case Kind::optional_boolean:
      if (text == "true" || text == "false") value = text == "true";
      break;
    default:
      break;
  }
  try {
    assign(settings, setting, value, at);
  } catch (const SettingsError&) {
    // A number as it was typed: "--lr: "0" is not a positive number".
    if (setting.kind != Kind::integer && setting.kind != Kind::number &&
        setting.kind != Kind::optional_number)
      throw;
    throw SettingsError(at + json(text).dump() + " is not " + allowed_values(setting));
  }
}

std::string to_json(const TrainSettings& settings, int indent) {
  json out = json::object();
  for (const auto& setting : settings_table())
    std::visit(
        [&](auto field) {
          const auto& value = settings.*field;
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::optional<double>> ||
                        std::is_same_v<T, std::optional<bool>>)
            out[setting.key] = value ? json(*value) : json(nullptr);
          else
            out[setting.key] = value;
        },
        setting.field);
  return out.dump(indent);
}

void apply_json(TrainSettings& settings, const std::string& json_text, const std::string& source) {
  json config;
  try {
    config = json::parse(json_text);
  } catch (const json::exception& e) {
    throw SettingsError(source + ": not valid JSON: " + e.what());
  }
  if (!config.is_object())
    throw SettingsError(source + ": the configuration must be a JSON object");
  for (const auto& [key, value] : config.items()) {
    const Setting* setting = lookup(key);
    if (!setting) throw SettingsError(source + ": " + unknown_key_message(key));
    assign(settings, *setting, value, source + ": \"" + key + "\": ");
  }
}

void validate(const TrainSettings& settings) {
  for (const auto& setting : settings_table())
    if (auto wrong = problem(setting, settings); !wrong.empty())
      throw SettingsError(setting.key + ": " + wrong);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto begin = item.find_first_not_of(" \t");
    const auto end = item.find_last_not_of(" \t");
    if (begin != std::string::npos) out.push_back(item.substr(begin, end - begin + 1));
  }
  return out;
}

}  // namespace plexus::train
