// The flags of the training settings, made from their table (plexus/train/settings.hpp): one
// option per setting, --key-name with the setting's help, and --no-key for an optional boolean.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "plexus/train/settings.hpp"

namespace plexus::cli {

class SettingFlags {
 public:
  /// Adds a flag per setting to `command`, in the table's order.
  explicit SettingFlags(CLI::App& command);
  /// After parsing: sets the settings whose flags were given (checked by the table, the message
  /// naming the flag) and returns their keys.
  std::vector<std::string> apply(train::TrainSettings& settings) const;

 private:
  struct Flag {
    const train::Setting* setting;
    CLI::Option* option = nullptr;
    CLI::Option* negative = nullptr;  ///< --no-key of an optional boolean
    std::string text;
  };
  std::vector<Flag> flags_;
};

}  // namespace plexus::cli
