// `plexus export`: its flags.
#include <memory>

#include "commands.hpp"

namespace plexus::cli {

Command add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export", "write a model as ONNX or as a dependency-free C file, preprocessing included");
  auto args = std::make_shared<ExportArgs>();
  cmd->add_option("--model", args->model, "the model file (.plx)")->required();
  cmd->add_option("--format", args->format, "onnx or c")
      ->required()
      ->check(CLI::IsMember({"onnx", "c"}));
  cmd->add_option("--output", args->output,
                  "onnx: the file to write; c: the folder for NAME.h and NAME.c")
      ->required();
  cmd->add_option("--name", args->name,
                  "c: the prefix of the files and functions (default: the model file's name)");
  cmd->add_flag("--logits", args->logits,
                "onnx: a classifier outputs its raw scores instead of probabilities");
  cmd->footer(
      "Inputs: the raw feature row in the model's feature order (plexus inspect lists it), a "
      "categorical column as its category's index; outputs: what plexus predict --proba prints.\n"
      "Examples:\n  plexus export --model iris.plx --format onnx --output iris.onnx\n"
      "  plexus export --model iris.plx --format c --output iris_c --name iris");
  return {cmd, [args] { return run_export(*args); }};
}

}  // namespace plexus::cli
