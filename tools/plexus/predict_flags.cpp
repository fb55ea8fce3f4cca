// `plexus predict`: its flags.
#include <memory>

#include "commands.hpp"

namespace plexus::cli {

Command add_predict_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("predict", "predict with a saved model; writes CSV");
  auto args = std::make_shared<PredictArgs>();
  auto csv = std::make_shared<CsvFlags>();
  cmd->add_option("--model", args->model, "the model file (.plx)")->required();
  cmd->add_option("--data", args->data,
                  "inputs: FILE.csv, - (CSV on standard input), FILE.npy or an IDX folder")
      ->required();
  cmd->add_option("--output", args->output, "write the CSV here (default: standard output)");
  cmd->add_flag("--proba", args->proba, "add one proba_<class> column per class");
  cmd->add_option("--id", args->id, "input columns to copy into the output, comma-separated");
  csv->add_to(cmd);
  cmd->footer(
      "Example:\n  plexus predict --model iris.plx --data new.csv --id id --proba --output "
      "out.csv\n"
      "  cat new.csv | plexus predict --model iris.plx --data -");
  return {cmd, [args, csv] {
            args->header = csv->header_choice();
            args->delimiter = csv->delimiter;
            return run_predict(*args);
          }};
}

}  // namespace plexus::cli
