// plexus: train, evaluate, predict with and inspect fully-connected networks from the shell.
// Exit codes: 0 done; 1 bad data, bad model file or a failure while running; 2 bad usage;
// 130 interrupted. Under mpirun (train --distributed) the job ends with the same codes: a failure
// every process shares (a rank that cannot read its data) is reported once by rank 0; one of a
// single process ends the whole job through MPI_Abort with its code.
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "plexus/base/text.hpp"
#include "plexus/error.hpp"
#include "plexus/loss/registry.hpp"

namespace plexus::cli {

std::atomic<bool> g_interrupted{false};

namespace {

extern "C" void on_sigint(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

void add_csv_flags(CLI::App* cmd, std::optional<bool>& header, bool& yes, bool& no,
                   std::string& delimiter) {
  (void)header;
  cmd->add_flag("--header", yes, "the CSV's first row is a header (default: detected)");
  cmd->add_flag("--no-header", no, "the CSV has no header row");
  cmd->add_option("--delimiter", delimiter,
                  "CSV field separator: one character, or \\t (default: detected)");
}

/// A number check whose message says what is allowed (CLI11's own quotes the type's whole range).
CLI::Validator number(double min, bool min_open, const std::string& allowed) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        size_t used = 0;
        try {
          value = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != text.size() || text.empty() || !(min_open ? value > min : value >= min))
          return "\"" + text + "\" is not " + allowed;
        return "";
      },
      allowed);
}
const CLI::Validator kPositive = number(0, true, "a positive number");
const CLI::Validator kNonNegative = number(0, false, "a number >= 0");

std::optional<bool> header_of(bool yes, bool no) {
  if (yes && no) throw UsageError("--header and --no-header contradict each other");
  if (yes) return true;
  if (no) return false;
  return std::nullopt;
}

}  // namespace

int main_impl(int argc, char** argv) {
  CLI::App app{
      "plexus: train, evaluate and use fully-connected neural networks on CSV, NumPy and "
      "IDX image data."};
  app.set_version_flag("--version", std::string("plexus ") + PLEXUS_CLI_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  plexus train --data fashion-mnist --save fashion.plx\n"
      "  plexus train --data iris.csv --target species --save iris.plx --report iris-report\n"
      "  plexus eval --model iris.plx --data iris-test.csv\n"
      "  plexus predict --model iris.plx --data new.csv --proba --output predictions.csv\n"
      "  plexus inspect iris.plx\n"
      "  plexus export --model iris.plx --format onnx --output iris.onnx\n"
      "  plexus serve --model iris.plx --port 8080\n\n"
      "Exit codes: 0 done, 1 bad data or model file or a failure, 2 bad usage, 130 interrupted.");

  // ---- train
  TrainFlags tf;
  Settings& s = tf.settings;
  std::string hidden, features, ignore, categorical;
  bool header_yes = false, header_no = false;
  auto* train = app.add_subcommand("train", "train a network on a data set, test it, save it");
  train->add_option("--data", s.data,
                    "training data: fashion-mnist, an MNIST-style IDX folder, FILE.csv, or "
                    "FILE.npy with --labels");
  train->add_option("--labels", s.labels, "the targets of a .npy --data (FILE.npy)");
  train->add_option("--test", s.test,
                    "test data in the format of --data (default: 20% of --data held out, or an "
                    "IDX folder's t10k files)");
  train->add_option("--test-labels", s.test_labels, "the targets of a .npy --test");
  train->add_option("--target", s.target,
                    "CSV target column, name or 0-based index (default: the last)");
  train->add_option("--features", features,
                    "CSV columns to use, comma-separated (default: all others)");
  train->add_option("--ignore", ignore, "CSV columns not to use (ids, free text), comma-separated");
  train->add_option("--categorical", categorical,
                    "CSV columns to one-hot encode even if numeric, comma-separated");
  train
      ->add_option("--impute", s.impute,
                   "fill missing cells: none, mean, median, most-frequent (default: none, missing "
                   "cells are errors)")
      ->check(CLI::IsMember({"none", "mean", "median", "most-frequent"}));
  add_csv_flags(train, s.header, header_yes, header_no, s.delimiter);
  train->add_option("--task", s.task, "classification or regression (default: inferred)")
      ->check(CLI::IsMember({"classification", "regression"}));
  train->add_option("--hidden", hidden, "hidden layer widths, comma-separated (default: 256,128)");
  train
      ->add_option("--activation", s.activation,
                   "activation: " + join(activation_names()) + " (default: relu)")
      ->check(CLI::IsMember(activation_names()));
  train
      ->add_option("--dropout", s.dropout,
                   "dropout after each hidden layer (default: 0.1; 0: none)")
      ->check(CLI::Range(0.0, 0.99));
  train->add_flag("--batch-norm", s.batch_norm, "BatchNorm1d after each hidden Linear layer");
  train
      ->add_option("--loss", s.loss,
                   "loss: " + join(loss::names()) +
                       " (default: cross_entropy for classification, mse for regression)")
      ->check(CLI::IsMember(loss::names()));
  train
      ->add_option("--optimizer", s.optimizer,
                   "optimizer: " + join(optimizer_names()) + " (default: adam)")
      ->check(CLI::IsMember(optimizer_names()));
  train->add_option("--lr", s.lr, "learning rate (default: 0.001)")->check(kPositive);
  double weight_decay = 0;
  auto* weight_decay_option =
      train
          ->add_option("--weight-decay", weight_decay,
                       "L2 weight decay (default: 0.0001 for CSV data, 0 for images and .npy)")
          ->check(kNonNegative);
  train
      ->add_option("--schedule", s.schedule,
                   "learning-rate schedule: " + join(schedule_names()) + " (default: none)")
      ->check(CLI::IsMember(schedule_names()));
  train
      ->add_option("--clip-grad", s.clip_grad,
                   "clip the gradients' global L2 norm to this (default: 0, off)")
      ->check(kNonNegative);
  train->add_option("--batch-size", s.batch_size, "mini-batch size (default: 128)")
      ->check(kPositive);
  train->add_option("--epochs", s.epochs, "the most epochs to run (default: 100)")
      ->check(kPositive);
  train
      ->add_option("--early-stopping", s.early_stopping,
                   "stop after K epochs without a better val_loss and restore the best weights "
                   "(default: 10; 0: off)")
      ->check(kNonNegative);
  train
      ->add_option("--validation-split", s.validation_split,
                   "fraction of the training rows used for validation (default: 0.1; 0: none)")
      ->check(CLI::Range(0.0, 0.9));
  train->add_option("--seed", s.seed,
                    "seed of the splits, initialisation and shuffling (default: 0)");
  train->add_option("--threads", s.threads, "threads to use (default: the library's)")
      ->check(kNonNegative);
  train->add_option("--save", s.save, "write the trained model here (model.plx)");
  train->add_option("--report", s.report, "write an HTML report into this folder");
  train->add_option("--checkpoint", s.checkpoint,
                    "write a checkpoint into this folder after every epoch (and on Ctrl-C)");
  train->add_option("--resume", tf.resume,
                    "continue the run whose checkpoint is in this folder, with its settings; "
                    "--epochs counts all epochs");
  train->add_flag("--json", tf.json, "print the results as one JSON object on the last line");
  train->add_option("--config", tf.config, "read settings from this JSON file (flags override it)");
  train->add_flag("--dump-config", tf.dump_config,
                  "print the effective settings as JSON (for --config) and exit");
  train->add_flag("--quiet", tf.quiet, "no progress output");
  train->add_flag("--diagnostics", tf.diagnostics,
                  "after each epoch, a table per layer: gradient norm, output mean and std, "
                  "saturated sigmoid/tanh units, dead ReLUs (and their plots in --report)");
  train->add_flag("--distributed", tf.distributed,
                  "data-parallel training: run as one of the processes of mpirun -np N; each "
                  "takes its share of every batch, and the model is the one a single process "
                  "trains (see docs/DISTRIBUTED.md)");
  train->add_flag("--local-batch-norm", tf.local_batch_norm,
                  "with --distributed: batch norm statistics of each process's share of the batch "
                  "(less communication; the model then depends on the number of processes)");
  train->footer(
      "Examples:\n"
      "  plexus train --data fashion-mnist --save fashion.plx\n"
      "  plexus train --data houses.csv --target price --ignore id --save houses.plx --json\n"
      "  plexus train --data x.npy --labels y.npy --hidden 64,64 --epochs 30\n"
      "  plexus train --config run.json --lr 0.01 --dump-config > run2.json\n"
      "  plexus train --data big.csv --epochs 200 --checkpoint run.ckpt --save big.plx\n"
      "  plexus train --resume run.ckpt            (after Ctrl-C or a crash: continue the run)\n"
      "  mpirun -np 4 plexus train --data big.csv --distributed --threads 1 --save big.plx\n\n"
      "Ctrl-C stops after the running step and leaves a checkpoint of the finished epochs (in\n"
      "--checkpoint DIR, else beside --save as MODEL.checkpoint, else in plexus-checkpoint);\n"
      "plexus train --resume DIR continues it to the same result as an uninterrupted run.\n"
      "With --distributed only rank 0 prints and writes files; a process that fails or dies\n"
      "ends the whole job with an error naming its rank (exit code 1, 2 for bad usage), and\n"
      "--resume continues from the last checkpoint with any number of processes.");

  // ---- eval
  EvalArgs ea;
  bool eval_yes = false, eval_no = false;
  auto* eval = app.add_subcommand("eval", "score a saved model on labelled data");
  eval->alias("evaluate");
  eval->add_option("--model", ea.model, "the model file (.plx)")->required();
  eval->add_option("--data", ea.data, "labelled data in any format train reads")->required();
  eval->add_option("--labels", ea.labels, "the targets of a .npy --data");
  eval->add_option("--target", ea.target, "the target column (default: the model's)");
  add_csv_flags(eval, ea.header, eval_yes, eval_no, ea.delimiter);
  eval->add_flag("--json", ea.json, "print the results as one JSON object on the last line");
  eval->footer("Example:\n  plexus eval --model iris.plx --data iris-test.csv --json");

  // ---- predict
  PredictArgs pa;
  bool pred_yes = false, pred_no = false;
  auto* predict = app.add_subcommand("predict", "predict with a saved model; writes CSV");
  predict->add_option("--model", pa.model, "the model file (.plx)")->required();
  predict
      ->add_option("--data", pa.data,
                   "inputs: FILE.csv, - (CSV on standard input), FILE.npy or an IDX folder")
      ->required();
  predict->add_option("--output", pa.output, "write the CSV here (default: standard output)");
  predict->add_flag("--proba", pa.proba, "add one proba_<class> column per class");
  predict->add_option("--id", pa.id, "input columns to copy into the output, comma-separated");
  add_csv_flags(predict, pa.header, pred_yes, pred_no, pa.delimiter);
  predict->footer(
      "Example:\n  plexus predict --model iris.plx --data new.csv --id id --proba --output "
      "out.csv\n"
      "  cat new.csv | plexus predict --model iris.plx --data -");

  // ---- inspect
  InspectArgs ia;
  auto* inspect = app.add_subcommand("inspect", "show what a model file or a checkpoint holds");
  inspect->add_option("model", ia.model, "the model file (.plx), or a checkpoint folder")
      ->required();
  inspect->add_flag("--json", ia.json, "print it as one JSON object");
  inspect->footer("Example:\n  plexus inspect iris.plx --json");

  // ---- export
  ExportArgs xa;
  auto* exporter = app.add_subcommand(
      "export", "write a model as ONNX or as a dependency-free C file, preprocessing included");
  exporter->add_option("--model", xa.model, "the model file (.plx)")->required();
  exporter->add_option("--format", xa.format, "onnx or c")
      ->required()
      ->check(CLI::IsMember({"onnx", "c"}));
  exporter
      ->add_option("--output", xa.output,
                   "onnx: the file to write; c: the folder for NAME.h and NAME.c")
      ->required();
  exporter->add_option("--name", xa.name,
                       "c: the prefix of the files and functions (default: the model file's name)");
  exporter->add_flag("--logits", xa.logits,
                     "onnx: a classifier outputs its raw scores instead of probabilities");
  exporter->footer(
      "Inputs: the raw feature row in the model's feature order (plexus inspect lists it), a "
      "categorical column as its category's index; outputs: what plexus predict --proba prints.\n"
      "Examples:\n  plexus export --model iris.plx --format onnx --output iris.onnx\n"
      "  plexus export --model iris.plx --format c --output iris_c --name iris");
  // ---- serve
  ServeArgs sa;
  auto* serve = app.add_subcommand(
      "serve", "answer predictions over HTTP: GET /health, GET /model, POST /predict");
  serve->add_option("--model", sa.model, "the model file (.plx)")->required();
  serve->add_option("--host", sa.host, "the address to listen on (default: 127.0.0.1)");
  serve->add_option("--port", sa.port, "the TCP port (default: 8080)")->check(CLI::Range(0, 65535));
  serve
      ->add_option("--threads", sa.threads,
                   "request threads; each open connection holds one (default: max(16, cores))")
      ->check(CLI::Range(1, 4096));
  serve
      ->add_option("--max-body", sa.max_body,
                   "the largest request body in bytes; larger ones get 413 (default: 1048576)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  serve->footer(
      "Example:\n  plexus serve --model iris.plx --port 8080 &\n"
      "  curl -s localhost:8080/predict -d '{\"rows\": [{\"sepal_length\": 5.1, ...}], "
      "\"proba\": true}'\n"
      "SIGTERM or SIGINT finish the requests in flight and exit 0; see docs/SERVE.md.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "plexus: error: " << e.what() << "\n(see plexus --help)\n";
    return kExitUsage;
  }

  std::signal(SIGINT, on_sigint);
  int code = kExitOk;
  if (train->parsed()) {
    std::vector<std::string> given;
    for (const auto* option : train->get_options()) {
      if (option->count() == 0) continue;
      std::string name = option->get_name(false, true);
      if (name.rfind("--", 0) == 0) name = name.substr(2);
      for (auto& c : name)
        if (c == '-') c = '_';
      given.push_back(name);
    }
    if (weight_decay_option->count() > 0) s.weight_decay = weight_decay;
    if (!hidden.empty()) s.hidden = parse_hidden(hidden);
    if (!features.empty()) s.features = split_list(features);
    if (!ignore.empty()) s.ignore = split_list(ignore);
    if (!categorical.empty()) s.categorical = split_list(categorical);
    s.header = header_of(header_yes, header_no);
    if (s.header) given.push_back("header");
    code = run_train(tf, given);
  } else if (eval->parsed()) {
    ea.header = header_of(eval_yes, eval_no);
    code = run_evaluate(ea);
  } else if (predict->parsed()) {
    pa.header = header_of(pred_yes, pred_no);
    code = run_predict(pa);
  } else if (inspect->parsed()) {
    code = run_inspect(ia);
  } else if (exporter->parsed()) {
    code = run_export(xa);
  } else if (serve->parsed()) {
    code = run_serve(sa);
  }
  if (g_interrupted) return kExitInterrupted;
  return code;
}

}  // namespace plexus::cli

int main(int argc, char** argv) {
  try {
    return plexus::cli::main_impl(argc, argv);
  } catch (const plexus::cli::UsageError& e) {
    std::cerr << "plexus: error: " << e.what() << "\n";
    return plexus::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "plexus: error: " << e.what() << "\n";
    return plexus::cli::kExitFailure;
  }
}
