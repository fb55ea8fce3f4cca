// plexus: train, evaluate, predict with and inspect fully-connected networks from the shell.
// Exit codes: 0 done; 1 bad data, bad model file or a failure while running; 2 bad usage;
// 130 interrupted. Under mpirun (train --distributed) the job ends with the same codes: a failure
// every process shares (a rank that cannot read its data) is reported once by rank 0; one of a
// single process ends the whole job through MPI_Abort with its code.
#include <csignal>
#include <iostream>
#include <new>

#include "commands.hpp"

namespace plexus::cli {

std::atomic<bool> g_interrupted{false};

namespace {

extern "C" void on_sigint(int) {
  g_interrupted = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

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
      "  plexus tune --data iris.csv --target species --time-limit 2m --save iris.plx\n"
      "  plexus eval --model iris.plx --data iris-test.csv\n"
      "  plexus predict --model iris.plx --data new.csv --proba --output predictions.csv\n"
      "  plexus explain --model iris.plx --data iris-test.csv --report iris-explained\n"
      "  plexus inspect iris.plx\n"
      "  plexus export --model iris.plx --format onnx --output iris.onnx\n"
      "  plexus serve --model iris.plx --port 8080\n\n"
      "Exit codes: 0 done, 1 bad data or model file or a failure, 2 bad usage, 130 interrupted.");
  const Command commands[] = {add_train_command(app),   add_tune_command(app),
                              add_eval_command(app),    add_predict_command(app),
                              add_inspect_command(app), add_export_command(app),
                              add_serve_command(app),   add_explain_command(app)};
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
  for (const Command& command : commands)
    if (command.app->parsed()) code = command.run();
  return g_interrupted ? kExitInterrupted : code;
}

}  // namespace
}  // namespace plexus::cli

int main(int argc, char** argv) {
  try {
    return plexus::cli::main_impl(argc, argv);
  } catch (const std::bad_alloc&) {
    // Where a file was being read, the error already names it; this is what is left (training).
    std::cerr << "plexus: error: out of memory; for training data larger than memory, pass "
                 "--stream\n";
    return plexus::cli::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "plexus: error: " << e.what() << "\n";
    return plexus::cli::is_usage_error(e) ? plexus::cli::kExitUsage : plexus::cli::kExitFailure;
  }
}
