// The engine for JavaScript (embind): the page's worker creates an Engine from its config and
// calls these; numbers come back as Float32Array / Uint8Array copies, reports as JSON text. A
// plexus::Error (a bad config, a NaN) comes back as {"error": message} instead of an abort.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "engine.hpp"
#include "plexus/error.hpp"

namespace {

using emscripten::val;
using plexus::playground::Engine;

template <typename T>
val copy_out(const std::vector<T>& values) {
  return val(emscripten::typed_memory_view(values.size(), values.data())).call<val>("slice");
}

std::string error_json(const std::exception& e) {
  return nlohmann::json{{"error", e.what()}}.dump();
}

// The engine behind a handle that is empty while its config is bad.
class PageEngine {
 public:
  /// "" when the config built an engine, else {"error": ...}.
  std::string configure(const std::string& config) {
    try {
      engine_ = std::make_unique<Engine>(config);
      return "";
    } catch (const std::exception& e) {
      engine_.reset();
      return error_json(e);
    }
  }
  std::string step(int batches) {
    try {
      return engine().step(batches);
    } catch (const std::exception& e) {
      return error_json(e);
    }
  }
  std::string report() { return engine().report(); }
  std::string layout() { return engine().layout(); }
  val neuron_grid(int resolution) { return copy_out(engine().neuron_grid(resolution)); }
  val loss_slice(int resolution, double radius) {
    return copy_out(engine().loss_slice(resolution, radius));
  }
  val test_probabilities() { return copy_out(engine().test_probabilities()); }
  std::string test_csv() { return engine().test_csv(); }
  void add_point(float x1, float x2, float label) { engine().add_point(x1, x2, label); }
  // /tmp of Emscripten's in-memory file system: the bytes never leave the page.
  val export_model() { return copy_out(engine().export_model("/tmp/playground.plx")); }

 private:
  Engine& engine() {
    if (!engine_) throw plexus::Error("the playground has no engine: its last config was rejected");
    return *engine_;
  }
  std::unique_ptr<Engine> engine_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(playground) {
  emscripten::function("catalog", &plexus::playground::catalog);
  emscripten::class_<PageEngine>("Engine")
      .constructor<>()
      .function("configure", &PageEngine::configure)
      .function("step", &PageEngine::step)
      .function("report", &PageEngine::report)
      .function("layout", &PageEngine::layout)
      .function("neuronGrid", &PageEngine::neuron_grid)
      .function("lossSlice", &PageEngine::loss_slice)
      .function("testProbabilities", &PageEngine::test_probabilities)
      .function("testCsv", &PageEngine::test_csv)
      .function("addPoint", &PageEngine::add_point)
      .function("exportModel", &PageEngine::export_model);
}
