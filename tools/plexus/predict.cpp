// `plexus predict`: one CSV row per input row: the --id columns, the prediction, the probabilities.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plexus/base/text.hpp"
#include "plexus/io/explain.hpp"

namespace plexus::cli {

struct PredictArgs {
  std::string model, data, labels, output, id;
  std::optional<bool> header;
  std::string delimiter;
  bool proba = false;
  double interval = 0;   ///< a regressor's conformal interval level; 0: none
  bool explain = false;  ///< integrated-gradients columns: output, baseline_output, attr_<column>
};

int run_predict(const PredictArgs& args) {
  io::Model model = io::load_model(args.model);
  const data::Source source = load_data(
      args.data,
      {.csv = csv_options(args.header, args.delimiter), .labels = args.labels, .train = false});
  const bool classification = model.task() == data::Task::classification;
  if (args.proba && !classification)
    throw UsageError("--proba: the model is a regressor; probabilities need a classifier");
  if (args.interval != 0 && classification)
    throw UsageError("--interval: the model is a classifier; intervals need a regressor");
  const std::vector<double>& quantiles = model.info.quantiles;
  if (args.interval != 0 && model.quantile_regressor())
    throw UsageError("--interval: the model predicts the quantiles " +
                     io::quantile_levels_text(quantiles) + " (its columns q" +
                     number_text(quantiles.front()) + " and q" + number_text(quantiles.back()) +
                     " bound its interval); conformal intervals need a model trained without "
                     "--quantiles");
  if (args.explain && model.quantile_regressor())
    throw UsageError("--explain: attributions explain one output; the model predicts " +
                     std::to_string(quantiles.size()) + " quantiles");
  const auto& calibration = model.info.calibration;
  if (calibration.threshold && classification && model.info.classes.size() == 2)
    std::cerr << "plexus: predicting " << model.info.classes[1]
              << " where its probability is >= " << number_text(*calibration.threshold)
              << " (the model's threshold, chosen for " << calibration.threshold_rule << ")\n";
  std::vector<std::string> ids = split_list(args.id);
  std::vector<int> id_cols;
  if (!ids.empty()) {
    if (!source.is_table()) throw UsageError("--id needs a CSV input");
    for (const auto& id : ids) id_cols.push_back(source.table->column_index(id));
  }
  if (source.is_table() && model.info.input.tabular) {
    // Columns the model does not use, --id columns aside: one warning for all of them.
    std::vector<std::string> extra;
    for (const auto& column : model.unused_columns(*source.table))
      if (std::find(ids.begin(), ids.end(), column) == ids.end()) extra.push_back(column);
    if (!extra.empty())
      warn(source.name + ": ignoring " + std::to_string(extra.size()) +
           " column(s) the model does not use: " + join(extra));
  }
  std::vector<std::string> warnings;
  Tensor inputs = model.inputs(source, &warnings);
  for (const auto& w : warnings) warn(w);
  const Tensor outputs = model.forward(inputs);
  const Tensor predictions = model.predictions(outputs);
  const Tensor probabilities = args.proba ? model.probabilities(outputs) : Tensor();
  const Tensor intervals = args.interval != 0 ? model.intervals(outputs, args.interval) : Tensor();
  const int64_t n = predictions.shape(0);
  const io::Attributions attributions =
      args.explain ? io::integrated_gradients(model, inputs) : io::Attributions{};
  if (args.explain && !attributions.stored_baseline)
    warn(args.model +
         " keeps no baseline (written before it was kept): attributions start "
         "from the all-zero preprocessed row");
  std::ostringstream csv;
  for (const auto& id : ids) csv << csv_field(id) << ",";
  if (model.quantile_regressor()) {
    for (size_t k = 0; k < quantiles.size(); ++k)
      csv << (k > 0 ? "," : "") << io::quantile_column(quantiles[k]);
  } else {
    csv << "prediction";
  }
  if (args.proba)
    for (const auto& c : model.info.classes) csv << "," << csv_field("proba_" + c);
  if (args.interval != 0) csv << ",lower,upper";
  if (args.explain) {
    csv << ",output,baseline_output";
    for (const auto& c : attributions.columns) csv << "," << csv_field("attr_" + c);
  }
  csv << "\n";
  // A classifier's predictions are class indices [N], a regressor's values [N, K] (the first; a
  // quantile regressor's all of them).
  const int64_t stride = predictions.numel() / std::max<int64_t>(n, 1);
  const float* predicted = predictions.data();
  for (int64_t i = 0; i < n; ++i) {
    for (int col : id_cols)
      csv << csv_field(source.table->cell(static_cast<size_t>(i), col)) << ",";
    if (classification) {
      csv << csv_field(model.info.classes.at(static_cast<size_t>(predicted[i])));
    } else if (model.quantile_regressor()) {
      for (int64_t k = 0; k < stride; ++k)
        csv << (k > 0 ? "," : "") << number_text(predicted[i * stride + k]);
    } else {
      csv << number_text(predicted[i * stride]);
    }
    if (args.proba) {
      const int64_t k = probabilities.shape(1);
      for (int64_t j = 0; j < k; ++j) csv << "," << number_text(probabilities.data()[i * k + j]);
    }
    if (args.interval != 0)
      csv << "," << number_text(intervals.data()[2 * i]) << ","
          << number_text(intervals.data()[2 * i + 1]);
    if (args.explain) {
      const auto row = static_cast<size_t>(i);
      csv << "," << number_text(attributions.output[row]) << ","
          << number_text(attributions.baseline_output[row]);
      for (const double v : attributions.values[row]) csv << "," << number_text(v);
    }
    csv << "\n";
  }
  if (args.output.empty()) {
    std::cout << csv.str() << std::flush;
  } else {
    write_file_atomically(args.output, csv.str());
    std::cerr << "plexus: wrote " << n << " predictions to " << args.output << "\n";
  }
  return kExitOk;
}

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
  cmd->add_option("--interval", args->interval,
                  "a regressor's split-conformal interval at this coverage (e.g. 0.9): columns "
                  "lower, upper")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--explain", args->explain,
                "add output, baseline_output and one attr_<column> per input column: integrated "
                "gradients, summing to output - baseline_output (docs/EXPLAIN.md)");
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
