// `plexus eval`: its flags.
#include <memory>

#include "commands.hpp"

namespace plexus::cli {

Command add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "score a saved model on labelled data");
  cmd->alias("evaluate");
  auto args = std::make_shared<EvalArgs>();
  auto csv = std::make_shared<CsvFlags>();
  cmd->add_option("--model", args->model, "the model file (.plx)")->required();
  cmd->add_option("--data", args->data, "labelled data in any format train reads")->required();
  cmd->add_option("--labels", args->labels, "the targets of a .npy --data");
  cmd->add_option("--target", args->target, "the target column (default: the model's)");
  csv->add_to(cmd);
  cmd->add_flag("--json", args->json, "print the results as one JSON object on the last line");
  cmd->footer("Example:\n  plexus eval --model iris.plx --data iris-test.csv --json");
  return {cmd, [args, csv] {
            args->header = csv->header_choice();
            args->delimiter = csv->delimiter;
            return run_evaluate(*args);
          }};
}

}  // namespace plexus::cli
