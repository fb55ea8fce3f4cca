// --resume and --config: the settings of a train run, stage by stage (the checkpoint's, the config
// file's, the flags'), each key through the table of plexus/train/settings.hpp.
#include <filesystem>
#include <fstream>

#include "cli.hpp"
#include "plexus/train/checkpoint.hpp"

namespace plexus::cli {
namespace {

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("--config: cannot open \"" + path + "\"");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw UsageError("--config: \"" + path + "\" is not valid JSON: " + e.what());
  }
}

train::Checkpoint read_checkpoint(const std::string& arg) {
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::is_directory(arg, ec)
                                         ? train::checkpoint_file(arg)
                                         : std::filesystem::path(arg);
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error("--resume " + arg + ": no checkpoint there (" + file.string() +
                " does not exist); plexus train --checkpoint DIR writes one after every epoch, "
                "and Ctrl-C leaves one");
  return train::load_checkpoint(arg);
}

}  // namespace

train::TrainSettings resolve_settings(const TrainFlags& flags,
                                      const std::vector<std::string>& given,
                                      std::optional<train::Checkpoint>& checkpoint, json& saved_run,
                                      std::vector<std::string>& chosen) {
  train::TrainSettings s;
  // --resume: the checkpoint's settings; flags (and --config) may only repeat them, except
  // where the outputs go and the number of epochs.
  if (!flags.resume.empty()) {
    checkpoint = read_checkpoint(flags.resume);
    saved_run = json::parse(checkpoint->config, nullptr, false);
    if (!saved_run.is_object() || !saved_run.contains("settings"))
      throw Error("--resume " + flags.resume +
                  ": the checkpoint holds no plexus train settings (it was not written by "
                  "plexus train)");
    train::apply_json(s, saved_run["settings"].dump(), "the checkpoint in " + flags.resume);
  }
  const auto apply_stage = [&](const json& stage, const std::string& source, bool from_flags) {
    if (!checkpoint) return train::apply_json(s, stage.dump(), source);
    train::apply_json_on_resume(s, stage.dump(), source, flags.resume, from_flags);
  };
  // The keys chosen by the checkpoint, --config or a flag keep their value whatever the data.
  chosen.clear();
  if (checkpoint)
    for (const auto& [key, value] : saved_run["settings"].items())
      chosen.push_back(train::find_setting(key).key);
  if (!flags.config.empty()) {
    const json config = read_json_file(flags.config);
    apply_stage(config, flags.config, false);
    for (const auto& [key, value] : config.items()) chosen.push_back(train::find_setting(key).key);
  }
  const json from_flags = settings_to_json(flags.settings);
  json overrides = json::object();
  for (const auto& key : given) overrides[key] = from_flags[key];
  apply_stage(overrides, "command line", true);
  chosen.insert(chosen.end(), given.begin(), given.end());
  train::resolve_defaults(s, chosen);
  train::validate(s);
  if (checkpoint && checkpoint->epochs_done > static_cast<size_t>(s.epochs))
    throw UsageError("--epochs " + std::to_string(s.epochs) + ": the checkpoint in " +
                     flags.resume + " has run " + std::to_string(checkpoint->epochs_done) +
                     " epochs already (--epochs counts all epochs, those done included)");
  return s;
}

}  // namespace plexus::cli
