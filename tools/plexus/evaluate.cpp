// `plexus eval`: a saved model's scores on labelled data (metrics::evaluate), and how train and
// eval print scores.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"

namespace plexus::cli {

struct EvalArgs {
  std::string model, data, labels, target;
  std::optional<bool> header;
  std::string delimiter;
  bool json = false;
};

int run_evaluate(const EvalArgs& args) {
  io::Model model = io::load_model(args.model);
  const data::Source source = load_data(
      args.data,
      {.csv = csv_options(args.header, args.delimiter), .labels = args.labels, .train = false});
  std::vector<std::string> warnings;
  Tensor inputs = model.inputs(source, &warnings);
  for (const auto& w : warnings) warn(w);
  Tensor targets = model.targets(source, args.target);
  const metrics::Scores s = metrics::evaluate(model.forward(inputs), targets, model.task(),
                                              model.info.calibration, model.info.quantiles);
  std::cout << "model " << args.model << " (" << model.info.task << ") on " << source.name << ": "
            << source.rows() << " rows\n"
            << metrics::scores_text(s, model.info.classes, true);
  if (args.json) {
    json out;
    out["task"] = model.info.task;
    out["model"] = args.model;
    out["data"] = source.name;
    out["rows"] = source.rows();
    out.update(json::parse(metrics::scores_json(s, model.info.classes, true)));
    print_json_line(out);
  }
  return kExitOk;
}

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
