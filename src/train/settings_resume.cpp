// Settings on resume: a resumed run keeps its checkpoint's settings but for where its outputs go,
// the epochs in all and the threads; any other key given again must repeat the checkpoint's value.
#include <nlohmann/json.hpp>

#include "plexus/train/settings.hpp"

namespace plexus::train {
namespace {

using json = nlohmann::json;

std::string shown(const json& value) {
  if (value.is_string())
    return value.get<std::string>().empty() ? "\"\"" : value.get<std::string>();
  return value.dump();
}

}  // namespace

bool may_differ_on_resume(std::string_view key) {
  // Calibration comes after training: a resumed run may fit another.
  return key == "epochs" || key == "save" || key == "report" || key == "checkpoint" ||
         key == "threads" || key == "calibration" || key == "threshold_for" || key == "cost_matrix";
}

void apply_json_on_resume(TrainSettings& settings, const std::string& json_text,
                          const std::string& source, const std::string& checkpoint,
                          bool from_flags) {
  const json stage = json::parse(json_text, nullptr, false);
  if (!stage.is_object()) throw SettingsError(source + ": the configuration must be a JSON object");
  const json current = json::parse(to_json(settings));
  json changes = json::object();
  std::vector<std::string> every_key;
  for (const auto& setting : settings_table()) every_key.push_back(setting.key);
  for (const auto& [key, value] : stage.items()) {
    if (may_differ_on_resume(key)) {
      changes[key] = value;
      continue;
    }
    TrainSettings probe = settings;
    apply_json(probe, json{{key, value}}.dump(), source);
    // A checkpoint's settings are chosen, all of them: only unset optional ones are resolved.
    resolve_defaults(probe, every_key);
    const Setting& setting = find_setting(key);
    const std::string& name = setting.key;
    const json wanted = json::parse(to_json(probe))[name];
    if (wanted == current[name]) continue;
    throw SettingsError((from_flags ? setting.flag() + " " + shown(wanted)
                                    : source + ": \"" + name + "\": " + shown(wanted)) +
                        " contradicts the checkpoint in " + checkpoint + ", which has " + name +
                        " " + shown(current[name]) +
                        "; leave it out to resume with the checkpoint's settings, or train afresh "
                        "without --resume");
  }
  apply_json(settings, changes.dump(), source);
}

}  // namespace plexus::train
