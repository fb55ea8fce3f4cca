// `plexus serve`: one loaded model answering predictions over HTTP (cpp-httplib). Request threads
// parse and preprocess; one inference thread owns the network (Model::forward switches it to eval
// mode and so writes to it) and runs the rows of every request waiting at that moment as one batch.
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands.hpp"
#include "plexus/base/text.hpp"

#ifdef PLEXUS_HAVE_HTTPLIB
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>

#include "plexus/error.hpp"
#include "plexus/io/batched_model.hpp"
#include "plexus/io/explain.hpp"
#endif

namespace plexus::cli {

struct ServeArgs {
  std::string model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 0;             ///< request threads; 0 = max(16, cores)
  int64_t max_body = 1 << 20;  ///< bytes
};

#ifndef PLEXUS_HAVE_HTTPLIB

int run_serve(const ServeArgs&) {
  std::cerr << "plexus: error: this plexus was built without cpp-httplib, which `plexus serve` "
               "needs; install it (apt-get install libcpp-httplib-dev, or scripts/install-deps.sh) "
               "and rebuild\n";
  return kExitFailure;
}

#else

namespace {

constexpr const char* kJson = "application/json";

/// A request the server answers with `status` and {"error": message}.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message) : std::runtime_error(message), code(status) {}
  int code;
};

std::string dump(const json& value) {
  // Cells and class names may hold bytes that are not UTF-8; they must not abort the answer.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), kJson);
}

// ---- requests -----------------------------------------------------------------------------------

std::string cell_text(const json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";  // a missing value: imputed, or an error naming the cell
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  throw HttpError(400, where + ": a cell is a string, a number or null, not " +
                           std::string(value.is_object() ? "an object" : "an array"));
}

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

class Service {
 public:
  Service(io::Model& model, const std::string& path)
      : model_(model),
        batcher_(model),
        explainer_(io::load_model(path)),
        model_json_(dump(json::parse(io::model_json(model, path))) + "\n") {
    const auto& info = model.info;
    // Keys of an object row that are fine to leave out of the model: its target and ignored
    // columns.
    if (info.input.target) expected_.insert(info.input.target->column);
    if (info.input.tabular)
      for (const auto& column : info.input.tabular->columns())
        if (column.kind == data::ColumnKind::ignored) expected_.insert(column.name);
  }

  const std::string& model_text() const { return model_json_; }
  int in_flight() const { return in_flight_; }

  json predict(const std::string& body) {
    struct Count {
      std::atomic<int>& n;
      explicit Count(std::atomic<int>& counter) : n(counter) { ++n; }
      ~Count() { --n; }
    } count(in_flight_);

    json request;
    try {
      request = json::parse(body);
    } catch (const json::exception& e) {
      throw HttpError(400, std::string("malformed JSON: ") + e.what());
    }
    if (!request.is_object())
      throw HttpError(400,
                      "the body is a JSON object {\"rows\": [...]}, not " + type_name(request));
    for (const auto& [key, value] : request.items())
      if (key != "rows" && key != "proba" && key != "explain")
        throw HttpError(400, "unknown key \"" + key + "\"; the keys are rows, proba and explain");
    if (!request.contains("rows")) throw HttpError(400, "no \"rows\": give {\"rows\": [...]}");
    const json& rows = request["rows"];
    if (!rows.is_array()) throw HttpError(400, "\"rows\" is an array, not " + type_name(rows));
    bool proba = false;
    if (request.contains("proba")) {
      if (!request["proba"].is_boolean())
        throw HttpError(400, "\"proba\" is true or false, not " + type_name(request["proba"]));
      proba = request["proba"].get<bool>();
    }
    bool explain = false;
    if (request.contains("explain")) {
      if (!request["explain"].is_boolean())
        throw HttpError(400, "\"explain\" is true or false, not " + type_name(request["explain"]));
      explain = request["explain"].get<bool>();
    }
    const auto& info = model_.info;
    const bool classification = model_.task() == data::Task::classification;
    if (proba && !classification)
      throw HttpError(400, "proba: the model is a regressor; probabilities need a classifier");
    if (explain && model_.quantile_regressor())
      throw HttpError(400, "explain: attributions explain one output; the model predicts " +
                               std::to_string(info.quantiles.size()) + " quantiles");

    std::vector<std::string> warnings;
    json out = json::object();
    out["predictions"] = json::array();
    // A quantile regressor's prediction for a row: its quantiles, at these levels, ascending.
    if (model_.quantile_regressor()) out["quantiles"] = info.quantiles;
    if (proba) out["probabilities"] = json::array();
    if (rows.empty()) return out;

    Tensor inputs;
    try {
      // The table names its rows "rows[0]", ..., so library messages point into the request.
      inputs = model_.preprocess(to_table(rows, warnings), &warnings);
    } catch (const HttpError&) {
      throw;
    } catch (const std::exception& e) {
      throw HttpError(400, e.what());
    }

    const Tensor outputs = batcher_.forward(inputs);
    const Tensor predictions = model_.predictions(outputs);
    const float* predicted = predictions.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (classification) {
        out["predictions"].push_back(info.classes.at(static_cast<size_t>(predicted[i])));
      } else if (model_.quantile_regressor()) {
        const auto q = static_cast<size_t>(predictions.shape(1));
        out["predictions"].push_back(
            std::vector<double>(predicted + i * q, predicted + (i + 1) * q));
      } else {
        out["predictions"].push_back(static_cast<double>(predicted[i * predictions.shape(1)]));
      }
    }
    if (proba) {
      const Tensor probabilities = model_.probabilities(outputs);
      const auto k = static_cast<size_t>(probabilities.shape(1));
      const float* p = probabilities.data();
      for (size_t i = 0; i < rows.size(); ++i)
        out["probabilities"].push_back(std::vector<double>(p + i * k, p + (i + 1) * k));
    }
    if (explain) out["explanations"] = explanations(inputs);
    if (!warnings.empty()) out["warnings"] = warnings;
    return out;
  }

 private:
  /// The rows as a table with the model's features as columns, its rows named "rows[i]".
  data::Table to_table(const json& rows, std::vector<std::string>& warnings) const {
    const auto& features = model_.info.features;
    std::vector<std::vector<std::string> > cells(rows.size());
    std::vector<std::string> unused;  // keys the model does not take, in first-seen order
    for (size_t r = 0; r < rows.size(); ++r) {
      const json& row = rows[r];
      const std::string where = "rows[" + std::to_string(r) + "]";
      if (row.is_array()) {
        if (row.size() != features.size())
          throw HttpError(400, where + ": " + std::to_string(row.size()) +
                                   " values; an array row has one per feature, in the order of " +
                                   "GET /model's \"features\" (" + std::to_string(features.size()) +
                                   ")");
        for (size_t c = 0; c < features.size(); ++c)
          cells[r].push_back(
              cell_text(row[c], where + "[" + std::to_string(c) + "] (" + features[c] + ")"));
      } else if (row.is_object()) {
        for (const auto& feature : features) {
          auto it = row.find(feature);
          if (it == row.end())
            throw HttpError(
                400, where + ": no column \"" + feature + "\"; the model takes " + feature_list());
          cells[r].push_back(cell_text(*it, where + "." + feature));
        }
        for (const auto& [key, value] : row.items())
          if (std::find(features.begin(), features.end(), key) == features.end() &&
              !expected_.count(key) && std::find(unused.begin(), unused.end(), key) == unused.end())
            unused.push_back(key);
      } else {
        throw HttpError(400, where + ": a row is an object keyed by column name or an array in " +
                                 "feature order, not " + type_name(row));
      }
    }
    if (!unused.empty()) {
      warnings.push_back("ignoring " + std::to_string(unused.size()) +
                         " column(s) the model does not use: " + join(unused));
    }
    return data::Table("rows", features, cells);
  }

  /// Per row: output, baseline_output and attributions keyed by column (io/explain.hpp). On
  /// the service's own copy of the model, one request at a time: the gradients of the path
  /// points must not share the network with the batcher's thread.
  json explanations(const Tensor& inputs) {
    std::lock_guard<std::mutex> lock(explain_mutex_);
    const io::Attributions a = io::integrated_gradients(explainer_, inputs);
    json rows = json::array();
    for (size_t r = 0; r < a.values.size(); ++r) {
      json attributions = json::object();
      for (size_t c = 0; c < a.columns.size(); ++c) attributions[a.columns[c]] = a.values[r][c];
      rows.push_back({{"output", a.output[r]},
                      {"baseline_output", a.baseline_output[r]},
                      {"attributions", attributions}});
    }
    return rows;
  }

  std::string feature_list() const {
    std::string list;
    size_t shown = 0;
    for (const auto& f : model_.info.features) {
      if (++shown > 20) return list + ", ... (" + std::to_string(model_.info.features.size()) + ")";
      list += (list.empty() ? "" : ", ") + f;
    }
    return list;
  }

  io::Model& model_;
  io::BatchedModel batcher_;
  io::Model explainer_;
  std::mutex explain_mutex_;
  std::string model_json_;
  std::set<std::string> expected_;
  std::atomic<int> in_flight_{0};
};

// ---- signals ------------------------------------------------------------------------------------

// SIGTERM and SIGINT write a byte here; a thread reads it and stops the server. A handler rather
// than a blocked mask: BLAS' threads start before main and would take a masked signal's default.
int g_stop_pipe[2] = {-1, -1};
std::atomic<int> g_stop_signal{0};

void wake_stopper() {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(g_stop_pipe[1], &byte, 1);
}

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
  wake_stopper();
}

}  // namespace

int run_serve(const ServeArgs& args) {
  if (args.port < 0 || args.port > 65535)
    throw UsageError("--port " + std::to_string(args.port) + " is not a port (0 to 65535)");
  if (args.threads < 0) throw UsageError("--threads is at least 1 (0: the default)");
  if (args.max_body < 1) throw UsageError("--max-body is at least 1 byte");
  // Loaded first: a bad model file exits 1 before anything listens.
  io::Model model = io::load_model(args.model);
  Service service(model, args.model);

  httplib::Server server;
  const size_t threads = args.threads > 0
                             ? static_cast<size_t>(args.threads)
                             : std::max<size_t>(16, std::thread::hardware_concurrency());
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const auto max_body = static_cast<size_t>(args.max_body);
  server.set_payload_max_length(max_body);
  server.set_keep_alive_max_count(100);
  server.set_tcp_nodelay(true);  // else Nagle and delayed ACKs add 40 ms to each answer
  // httplib's default sets SO_REUSEPORT, which lets a second server share a port in use; only
  // SO_REUSEADDR, so that a port taken is a bind error and a restart still binds at once.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", kJson);
  });
  server.Get("/model", [&service](const httplib::Request&, httplib::Response& res) {
    res.set_content(service.model_text(), kJson);
  });
  server.Post("/predict", [&](const httplib::Request& req, httplib::Response& res) {
    try {
      // httplib checks Content-Length; a chunked body is only checked here.
      if (req.body.size() > max_body)
        throw HttpError(413, "the body is over --max-body (" + std::to_string(max_body) +
                                 " bytes); send fewer rows per request");
      answer(res, 200, service.predict(req.body));
    } catch (const HttpError& e) {
      answer(res, e.code, {{"error", e.what()}});
    } catch (const std::exception& e) {
      answer(res, 500, {{"error", e.what()}});
    }
  });
  server.set_error_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own answer
    std::string message;
    if (res.status == 413)
      message = "the body is over --max-body (" + std::to_string(max_body) +
                " bytes); send fewer rows per request";
    else if (res.status == 404)
      message = "no endpoint " + req.method + " " + req.path +
                "; the endpoints are GET /health, GET /model and POST /predict";
    else
      message = "bad request (HTTP " + std::to_string(res.status) + ")";
    res.set_content(dump({{"error", message}}), kJson);
  });

  errno = 0;
  int port = args.port;
  const bool bound = port == 0 ? (port = server.bind_to_any_port(args.host)) > 0
                               : server.bind_to_port(args.host, port);
  if (!bound) {
    const int error = errno;
    std::cerr << "plexus: error: cannot listen on " << args.host << ":" << args.port;
    if (error) std::cerr << " (" << std::strerror(error) << ")";
    std::cerr << "; is another server on that port? pick another with --port\n";
    return kExitFailure;
  }

  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0) throw Error("serve: cannot create a pipe");
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  std::atomic<bool> finished{false};
  std::thread stopper([&] {
    char byte = 0;
    while (::read(g_stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    if (finished) return;
    // stop() only acts on a running server; a signal during start-up waits for it.
    while (!server.is_running() && !finished)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::cerr << "plexus: " << (g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM") << ": finishing "
              << service.in_flight() << " request(s) in flight, then exiting\n";
    server.stop();
  });

  std::cerr << "plexus: serving " << args.model << " (" << model.info.task << ", "
            << model.info.features.size() << " features) on http://" << args.host << ":" << port
            << " with " << threads << " threads: GET /health, GET /model, POST /predict"
            << std::endl;
  // Returns once stopped, after the request threads finished what they were answering.
  const bool ok = server.listen_after_bind();
  finished = true;
  wake_stopper();  // when no signal did
  stopper.join();
  if (!ok && g_stop_signal == 0) {
    std::cerr << "plexus: error: the server stopped accepting connections\n";
    return kExitFailure;
  }
  std::cerr << "plexus: stopped\n";
  return kExitOk;
}

#endif

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
      "  \"explain\": true in the body adds each row's attributions (docs/EXPLAIN.md)\n"
      "SIGTERM or SIGINT finish the requests in flight and exit 0; see docs/SERVE.md.");
  return {cmd, [args] { return run_serve(*args); }};
}

}  // namespace plexus::cli
