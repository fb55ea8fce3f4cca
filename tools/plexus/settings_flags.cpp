// The training settings' flags from their table, read back through it after parsing.
#include "settings_flags.hpp"

namespace plexus::cli {
namespace {

/// CLI11's kind of value in --help, with the values allowed: "FLOAT:a positive number".
std::string type_name(const train::Setting& setting) {
  using train::SettingKind;
  switch (setting.kind) {
    case SettingKind::choice: {
      std::string names;
      for (const auto& name : setting.choices) names += (names.empty() ? "" : ",") + name;
      return "TEXT:{" + names + "}";
    }
    case SettingKind::integer:
      return setting.bounds.min ? "INT:" + train::allowed_values(setting) : "INT";
    case SettingKind::number:
    case SettingKind::optional_number:
      return setting.bounds.min ? "FLOAT:" + train::allowed_values(setting) : "FLOAT";
    default:
      return "TEXT";
  }
}

}  // namespace

SettingFlags::SettingFlags(CLI::App& command) {
  const auto& table = train::settings_table();
  flags_.reserve(table.size());  // the options keep pointers to the texts
  for (const auto& setting : table) {
    Flag& flag = flags_.emplace_back(Flag{.setting = &setting});
    const std::string name = setting.flag();
    switch (setting.kind) {
      case train::SettingKind::boolean:
        flag.option = command.add_flag(name, setting.help);
        break;
      case train::SettingKind::optional_boolean:
        flag.option = command.add_flag(name, setting.help);
        flag.negative = command.add_flag("--no-" + name.substr(2), setting.negative_help);
        break;
      default:
        flag.option =
            command.add_option(name, flag.text, setting.help)->type_name(type_name(setting));
    }
  }
}

std::vector<std::string> SettingFlags::apply(train::TrainSettings& settings) const {
  std::vector<std::string> given;
  for (const Flag& flag : flags_) {
    const std::string& key = flag.setting->key;
    const bool yes = flag.option->count() > 0, no = flag.negative && flag.negative->count() > 0;
    if (!yes && !no) continue;
    if (yes && no)
      throw train::SettingsError(flag.setting->flag() + " and --no-" +
                                 flag.setting->flag().substr(2) + " contradict each other");
    const bool is_flag = flag.setting->kind == train::SettingKind::boolean || flag.negative;
    train::set_from_text(settings, key, is_flag ? (yes ? "true" : "false") : flag.text);
    given.push_back(key);
  }
  return given;
}

}  // namespace plexus::cli
