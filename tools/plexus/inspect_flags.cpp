// `plexus inspect`: its flags.
#include <memory>

#include "commands.hpp"

namespace plexus::cli {

Command add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "show what a model file or a checkpoint holds");
  auto args = std::make_shared<InspectArgs>();
  cmd->add_option("model", args->model, "the model file (.plx), or a checkpoint folder")
      ->required();
  cmd->add_flag("--json", args->json, "print it as one JSON object");
  cmd->footer("Example:\n  plexus inspect iris.plx --json");
  return {cmd, [args] { return run_inspect(*args); }};
}

}  // namespace plexus::cli
