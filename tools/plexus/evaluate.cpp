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

void add_scores(json& out, const metrics::Scores& s, const std::vector<std::string>& classes,
                bool with_confusion) {
  if (s.task == data::Task::classification) {
    out["test_accuracy"] = s.accuracy;
    out["test_macro_f1"] = s.macro_f1;
    if (with_confusion) {
      out["classes"] = classes;
      out["confusion_matrix"] = s.confusion;
      json per_class = json::object();
      for (size_t c = 0; c < classes.size(); ++c)
        per_class[classes[c]] = {{"precision", s.precision[c]},
                                 {"recall", s.recall[c]},
                                 {"f1", s.f1[c]},
                                 {"support", s.support[c]}};
      out["per_class"] = per_class;
    }
  } else {
    out["test_mse"] = s.mse;
    out["test_mae"] = s.mae;
    out["test_r2"] = s.r2;
  }
}

std::string format_scores(const metrics::Scores& s, const std::vector<std::string>& classes,
                          bool details) {
  std::ostringstream out;
  out << std::fixed;
  if (s.task == data::Task::regression) {
    out << std::setprecision(6) << "  MSE " << s.mse << "   MAE " << s.mae << "   R2 "
        << std::setprecision(4) << s.r2 << "\n";
    return out.str();
  }
  out << std::setprecision(4) << "  accuracy " << s.accuracy << "   macro F1 " << s.macro_f1
      << "\n";
  if (!details) return out.str();
  size_t width = 5;
  for (const auto& c : classes) width = std::max(width, c.size());
  out << "\n  " << std::left << std::setw(static_cast<int>(width)) << "class" << std::right
      << "  precision  recall      f1  support\n";
  for (size_t c = 0; c < classes.size(); ++c)
    out << "  " << std::left << std::setw(static_cast<int>(width)) << classes[c] << std::right
        << std::setw(11) << s.precision[c] << std::setw(8) << s.recall[c] << std::setw(8) << s.f1[c]
        << std::setw(9) << s.support[c] << "\n";
  out << "\n  confusion matrix (rows: true class, columns: predicted)\n";
  size_t cell = 6;
  for (const auto& row : s.confusion)
    for (auto v : row) cell = std::max(cell, std::to_string(v).size() + 1);
  out << "  " << std::setw(static_cast<int>(width)) << "";
  for (size_t c = 0; c < classes.size(); ++c)
    out << std::setw(static_cast<int>(cell)) << std::to_string(c);
  out << "\n";
  for (size_t r = 0; r < classes.size(); ++r) {
    out << "  " << std::left << std::setw(static_cast<int>(width))
        << (std::to_string(r) + " " + classes[r]).substr(0, width) << std::right;
    for (auto v : s.confusion[r]) out << std::setw(static_cast<int>(cell)) << v;
    out << "\n";
  }
  return out.str();
}

int run_evaluate(const EvalArgs& args) {
  io::Model model = io::load_model(args.model);
  const data::Source source = load_data(
      args.data,
      {.csv = csv_options(args.header, args.delimiter), .labels = args.labels, .train = false});
  std::vector<std::string> warnings;
  Tensor inputs = model.inputs(source, &warnings);
  for (const auto& w : warnings) warn(w);
  Tensor targets = model.targets(source, args.target);
  const metrics::Scores s = metrics::evaluate(model.forward(inputs), targets, model.task());
  std::cout << "model " << args.model << " (" << model.info.task << ") on " << source.name << ": "
            << source.rows() << " rows\n"
            << format_scores(s, model.info.classes, true);
  if (args.json) {
    json out;
    out["task"] = model.info.task;
    out["model"] = args.model;
    out["data"] = source.name;
    out["rows"] = source.rows();
    add_scores(out, s, model.info.classes, true);
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
