// The playground's engine outside the browser: runs a config for N mini-batches and prints, after
// each, the step and the train and test losses, so a test can hold the page's WebAssembly run
// against the native library's. Usage: playground_native CONFIG.json STEPS [MODEL.plx TEST.csv]
// (the last two: the trained model exported as the page exports it, and its test rows).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "engine.hpp"
#include "plexus/error.hpp"

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::cerr << "usage: playground_native CONFIG.json STEPS [MODEL.plx TEST.csv]\n";
    return 2;
  }
  try {
    std::ifstream file(argv[1]);
    std::stringstream text;
    text << file.rdbuf();
    plexus::playground::Engine engine(text.str());
    const long steps = std::stol(argv[2]);
    for (long i = 0; i < steps; ++i) {
      const auto report = nlohmann::json::parse(engine.step(1));
      if (!report["nan"].get<std::string>().empty()) {
        std::cerr << report["nan"].get<std::string>() << '\n';
        return 1;
      }
      // A loss that overflowed is null in the report; the next step names the layer.
      const auto loss = [&](const char* key) {
        return report[key].is_number() ? report[key].get<double>() : std::nan("");
      };
      std::printf("%ld %.9g %.9g\n", i + 1, loss("train_loss"), loss("test_loss"));
    }
    if (argc == 5) {
      engine.export_model(argv[3]);
      std::ofstream(argv[4]) << engine.test_csv();
    }
  } catch (const std::exception& e) {
    std::cerr << "playground_native: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
