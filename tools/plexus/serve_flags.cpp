// `plexus serve`: its flags.
#include <memory>

#include "commands.hpp"

namespace plexus::cli {

Command add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "serve", "answer predictions over HTTP: GET /health, GET /model, POST /predict");
  auto args = std::make_shared<ServeArgs>();
  cmd->add_option("--model", args->model, "the model file (.plx)")->required();
  cmd->add_option("--host", args->host, "the address to listen on (default: 127.0.0.1)");
  cmd->add_option("--port", args->port, "the TCP port (default: 8080)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--threads", args->threads,
                  "request threads; each open connection holds one (default: max(16, cores))")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-body", args->max_body,
                  "the largest request body in bytes; larger ones get 413 (default: 1048576)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->footer(
      "Example:\n  plexus serve --model iris.plx --port 8080 &\n"
      "  curl -s localhost:8080/predict -d '{\"rows\": [{\"sepal_length\": 5.1, ...}], "
      "\"proba\": true}'\n"
      "SIGTERM or SIGINT finish the requests in flight and exit 0; see docs/SERVE.md.");
  return {cmd, [args] { return run_serve(*args); }};
}

}  // namespace plexus::cli
