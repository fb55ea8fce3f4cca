// `plexus export`: a model file as ONNX (for any ONNX runtime) or as a dependency-free C file (for
// devices), with its preprocessing inside; docs/DEPLOY.md describes the input convention.
#include <cctype>
#include <filesystem>
#include <iostream>

#include "cli.hpp"
#include "plexus/error.hpp"
#include "plexus/io/c_export.hpp"
#include "plexus/io/onnx.hpp"

namespace plexus::cli {

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

}  // namespace plexus::cli
