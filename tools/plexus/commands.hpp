// Each subcommand adds itself and its flags to the app, in its own file (train_flags.cpp for
// train), and returns how to run it once parsed; main only dispatches.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace plexus::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;  ///< after parsing, when `app` was the subcommand given
};

Command add_train_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_tune_command(CLI::App& app);
Command add_explain_command(CLI::App& app);

/// --header, --no-header and --delimiter of eval and predict.
struct CsvFlags {
  bool header = false, no_header = false;
  std::string delimiter;

  void add_to(CLI::App* command) {
    command->add_flag("--header", header, "the CSV's first row is a header (default: detected)");
    command->add_flag("--no-header", no_header, "the CSV has no header row");
    command->add_option("--delimiter", delimiter,
                        "CSV field separator: one character, or \\t (default: detected)");
  }
  std::optional<bool> header_choice() const {
    if (header && no_header) throw UsageError("--header and --no-header contradict each other");
    if (header || no_header) return header;
    return std::nullopt;
  }
};

}  // namespace plexus::cli
