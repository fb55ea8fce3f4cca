// `plexus inspect`: what a model file holds: architecture, preprocessing, classes, features and
// how it was trained; or what a checkpoint folder (plexus train --checkpoint DIR) holds.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/train/checkpoint.hpp"

namespace plexus::cli {

struct InspectArgs {
  std::string model;
  bool json = false;
};
namespace {

int inspect_checkpoint(const InspectArgs& args) {
  const train::Checkpoint checkpoint = train::load_checkpoint(args.model);
  json run = json::parse(checkpoint.config, nullptr, false);
  if (run.is_discarded()) run = checkpoint.config;
  size_t values = 0;
  for (const auto& [name, tensor] : checkpoint.model) values += tensor.numel();
  json epochs = json::array();
  for (size_t e = 0; e < checkpoint.history.epochs(); ++e) {
    json row;
    row["loss"] = checkpoint.history[e].loss;
    if (checkpoint.history[e].val_loss) row["val_loss"] = *checkpoint.history[e].val_loss;
    epochs.push_back(row);
  }
  if (args.json) {
    json out;
    out["checkpoint"] = args.model;
    out["epochs_done"] = checkpoint.epochs_done;
    out["stopped"] = checkpoint.stopped;
    out["tensors"] = checkpoint.model.size();
    out["values"] = values;
    out["history"] = epochs;
    out["run"] = run;
    print_json_line(out);
    return kExitOk;
  }
  std::cout << "checkpoint: " << args.model << "\n"
            << "epochs done: " << checkpoint.epochs_done
            << (checkpoint.stopped ? " (early stopping had ended the run)" : "") << "\n"
            << "model: " << checkpoint.model.size() << " tensors, " << values << " values\n";
  if (!epochs.empty()) std::cout << "last epoch: " << epochs.back().dump() << "\n";
  if (run.is_object() && run.contains("settings"))
    std::cout << "settings: " << run["settings"].dump() << "\n";
  std::cout << "continue with: plexus train --resume " << args.model << "\n";
  return kExitOk;
}

}  // namespace

int run_inspect(const InspectArgs& args) {
  std::error_code ec;
  if (std::filesystem::is_directory(args.model, ec) ||
      std::filesystem::path(args.model).filename() == "checkpoint.plx")
    return inspect_checkpoint(args);
  io::Model model = io::load_model(args.model);
  const auto& info = model.info;
  if (args.json) {
    print_json_line(json::parse(io::model_json(model, args.model)));
    return kExitOk;
  }
  json training = json::parse(info.training, nullptr, false);
  if (training.is_discarded()) training = info.training;
  std::cout << "model: " << args.model << " (plexus model format version " << model.format_version
            << ")\n"
            << "task: " << info.task << "\n";
  if (!info.classes.empty()) {
    std::cout << "classes (" << info.classes.size() << "):";
    for (const auto& c : info.classes) std::cout << " " << c;
    std::cout << "\n";
  }
  std::cout << "features (" << info.features.size() << "):";
  size_t shown = 0;
  for (const auto& f : info.features) {
    if (++shown > 30) {
      std::cout << " ...";
      break;
    }
    std::cout << " " << f;
  }
  std::cout << "\n\narchitecture (" << train::parameter_count(model.network) << " parameters):\n"
            << model.network.summary() << "\n\npreprocessing:\n";
  if (info.input.tabular) {
    for (const auto& column : info.input.tabular->columns()) {
      std::cout << "  " << column.name << ": ";
      switch (column.kind) {
        case data::ColumnKind::numeric:
          if (info.input.tabular->scaling() == data::Scaling::robust)
            std::cout << "numeric, robust (median " << number_text(column.median) << ", scale "
                      << number_text(column.scale) << ", smooth clip)";
          else
            std::cout << "numeric, standardised (mean " << number_text(column.mean) << ", std "
                      << number_text(column.std) << ")";
          break;
        case data::ColumnKind::categorical:
          std::cout << "categorical, one-hot over " << column.categories.size() << " categories";
          break;
        default:
          std::cout << "ignored";
      }
      if (column.fill) std::cout << ", missing -> " << *column.fill;
      if (column.missing_indicator) std::cout << " and a missing indicator";
      if (column.missing_category) std::cout << ", missing -> a missing category";
      std::cout << "\n";
    }
    if (info.input.target) std::cout << "  target: " << info.input.target->column << "\n";
  } else {
    std::cout << "  every value times " << number_text(info.input.scale) << "\n";
  }
  const io::Calibration& calibration = info.calibration;
  if (!calibration.empty()) {
    std::cout << "\ncalibration (docs/CALIBRATION.md):\n";
    if (calibration.temperature != 1.0)
      std::cout << "  temperature: " << number_text(calibration.temperature) << "\n";
    if (calibration.threshold)
      std::cout << "  threshold: " << number_text(*calibration.threshold) << " ("
                << calibration.threshold_rule << ")\n";
    if (!calibration.residuals.empty())
      std::cout << "  conformal residuals: " << calibration.residuals.size()
                << " (90% interval: prediction +- "
                << number_text(io::conformal_quantile(calibration.residuals, 0.9)) << ")\n";
  }
  std::cout << "\ntraining:\n";
  if (training.is_object()) {
    for (const auto& key : {"date", "data", "test", "epochs_run", "best_epoch", "train_seconds",
                            "class_weights", "weight_column", "plexus_version"})
      if (training.contains(key))
        std::cout << "  " << key << ": "
                  << (training[key].is_string() ? training[key].get<std::string>()
                                                : training[key].dump())
                  << "\n";
    if (training.contains("metrics"))
      std::cout << "  metrics: " << training["metrics"].dump() << "\n";
    if (training.contains("settings"))
      std::cout << "  settings: " << training["settings"].dump() << "\n";
  } else {
    std::cout << "  " << info.training << "\n";
  }
  return kExitOk;
}

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
