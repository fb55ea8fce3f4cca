// `plexus export`: a model file as ONNX (for any ONNX runtime) or as a dependency-free C file (for
// devices), with its preprocessing inside; docs/DEPLOY.md describes the input convention.
#include <cctype>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands.hpp"
#include "plexus/error.hpp"
#include "plexus/io/c_export.hpp"
#include "plexus/io/onnx.hpp"

namespace plexus::cli {

struct ExportArgs {
  std::string model, format, output, name;
  bool logits = false;
};

int run_export(const ExportArgs& args) {
  if (args.format == "onnx" && !io::onnx_export_available())
    throw Error(
        "export --format onnx: this plexus was built without ONNX support; install "
        "libprotobuf-dev protobuf-compiler libonnx-dev and rebuild (scripts/install-deps.sh "
        "--test installs them)");
  if (args.logits && args.format != "onnx")
    throw UsageError("--logits applies to --format onnx only");
  const io::Model model = io::load_model(args.model);
  if (args.format == "onnx") {
    io::export_onnx(model, args.output, {.logits = args.logits});
    std::cout << "wrote " << args.output << " (ONNX, opset 17; input \"features\" ["
              << "batch, " << model.info.features.size() << "])\n";
    return kExitOk;
  }
  // C: DIR/<name>.h and DIR/<name>.c, the name from --name or the model file's stem.
  std::string name = args.name;
  if (name.empty()) {
    name = std::filesystem::path(args.model).stem().string();
    for (char& c : name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "model_" + name;
  }
  io::export_c(model, args.output, name);
  const std::filesystem::path dir(args.output);
  std::cout << "wrote " << (dir / (name + ".h")).string() << " and "
            << (dir / (name + ".c")).string() << " (C99; " << name << "_predict)\n";
  return kExitOk;
}

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
