// `plexus explain`: why a saved model predicts what it does, on labelled data: permutation
// importance per source column (a table, --json, a bar chart in --report) and, in the report,
// partial dependence and ICE curves of the top columns. The numbers come from io/explain.hpp.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands.hpp"
#include "plexus/io/explain.hpp"
#include "plexus/plot/report.hpp"
#include "plexus/train/explain_report.hpp"

namespace plexus::cli {

struct ExplainArgs {
  std::string model, data, labels, target, report;
  std::optional<bool> header;
  std::string delimiter;
  size_t repeats = 5, top = 3;
  uint64_t seed = 0;
  bool json = false;
};

int run_explain(const ExplainArgs& args) {
  if (args.repeats < 1) throw UsageError("--repeats must be at least 1");
  io::Model model = io::load_model(args.model);
  const data::Source source = load_data(
      args.data,
      {.csv = csv_options(args.header, args.delimiter), .labels = args.labels, .train = false});
  std::vector<std::string> warnings;
  const Tensor inputs = model.inputs(source, &warnings);
  for (const auto& w : warnings) warn(w);
  const Tensor targets = model.targets(source, args.target);
  const io::PermutationImportance importance = io::permutation_importance(
      model, inputs, targets, {.repeats = args.repeats, .seed = args.seed});

  std::cout << "permutation importance of " << args.model << " on " << source.name << " ("
            << source.rows() << " rows, " << args.repeats << " repeats): the "
            << train::importance_meaning(importance.metric) << "; " << importance.metric << " "
            << plot::format_number(importance.score, 4) << " as given\n";
  size_t width = 6;
  for (const auto& c : importance.columns) width = std::max(width, c.column.size());
  std::cout << std::left << std::setw(static_cast<int>(width)) << "column"
            << "  importance  spread\n";
  for (const auto& c : importance.columns)
    std::cout << std::left << std::setw(static_cast<int>(width)) << c.column << "  " << std::right
              << std::setw(10) << plot::format_number(c.importance, 3) << "  " << std::setw(6)
              << plot::format_number(c.std, 2) << "\n";

  // Partial dependence needs raw cells to set: tables only.
  std::vector<io::PartialDependence> dependence;
  if ((args.json || !args.report.empty()) && source.is_table() && model.info.input.tabular)
    for (size_t i = 0; i < std::min(args.top, importance.columns.size()); ++i)
      dependence.push_back(
          io::partial_dependence(model, *source.table, importance.columns[i].column));

  if (!args.report.empty()) {
    train::write_explain_report(args.report, {.title = "plexus explain: " + args.model,
                                              .rows = source.rows(),
                                              .repeats = args.repeats,
                                              .importance = importance,
                                              .dependence = dependence});
    std::cerr << "plexus: wrote the report to " << args.report << "/index.html\n";
  }
  if (args.json) {
    json out;
    out["model"] = args.model;
    out["data"] = source.name;
    out["rows"] = source.rows();
    out["metric"] = importance.metric;
    out["score"] = importance.score;
    out["repeats"] = args.repeats;
    out["importance"] = json::array();
    for (const auto& c : importance.columns)
      out["importance"].push_back(
          {{"column", c.column}, {"importance", c.importance}, {"std", c.std}});
    out["partial_dependence"] = json::array();
    for (const auto& d : dependence)
      out["partial_dependence"].push_back({{"column", d.column},
                                           {"categorical", d.categorical},
                                           {"output", d.output_name},
                                           {"grid", d.grid},
                                           {"average", d.average}});
    print_json_line(out);
  }
  return kExitOk;
}

Command add_explain_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "explain", "which columns a saved model relies on (permutation importance, PDP/ICE)");
  auto args = std::make_shared<ExplainArgs>();
  auto csv = std::make_shared<CsvFlags>();
  cmd->add_option("--model", args->model, "the model file (.plx)")->required();
  cmd->add_option("--data", args->data, "labelled data in any format train reads")->required();
  cmd->add_option("--labels", args->labels, "the targets of a .npy --data");
  cmd->add_option("--target", args->target, "the target column (default: the model's)");
  cmd->add_option("--repeats", args->repeats, "shuffles per column (default 5)");
  cmd->add_option("--top", args->top,
                  "columns with partial dependence in --report and --json (default 3)");
  cmd->add_option("--seed", args->seed, "seeds the shuffles (default 0)");
  cmd->add_option("--report", args->report,
                  "write an HTML page (importances, partial dependence, ICE) into this folder");
  csv->add_to(cmd);
  cmd->add_flag("--json", args->json, "print the results as one JSON object on the last line");
  cmd->footer(
      "Example:\n  plexus explain --model iris.plx --data iris-test.csv --report iris-explained\n"
      "Per-row attributions: plexus predict --explain, or \"explain\": true in a serve request.");
  return {cmd, [args, csv] {
            args->header = csv->header_choice();
            args->delimiter = csv->delimiter;
            return run_explain(*args);
          }};
}

}  // namespace plexus::cli
