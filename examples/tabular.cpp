// The tabular pipeline of `plexus train --data FILE.csv --target COLUMN` as a C++ program: read the
// table, hold out a stratified test set and a validation set, fit the preprocessing on the
// training rows, train the default recipe with early stopping, score on the test rows, save.
//   tabular FILE.csv TARGET [SEED] [EPOCHS] [MODEL.plx]
// It prints the test scores as plexus train --json names them; with the same seed they are the
// command's (tests/e2e/cli/library_test.sh).
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "plexus/data/csv.hpp"
#include "plexus/data/prepare.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/train/fit.hpp"
#include "plexus/train/recipe.hpp"

namespace px = plexus;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tabular FILE.csv TARGET [SEED] [EPOCHS] [MODEL.plx]\n");
    return 2;
  }
  try {
    const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 0;
    px::manual_seed(seed);
    const px::data::Table table = px::data::read_csv(argv[1]);
    const px::data::PreparedData data =
        px::data::prepare_table(table, {.target = argv[2]}, {.seed = seed});
    px::train::FitOptions quiet;
    quiet.verbose = 0;
    px::train::Recipe recipe = px::train::default_recipe(data);
    recipe.seed = seed;
    if (argc > 4) recipe.epochs = std::strtoll(argv[4], nullptr, 10);
    px::train::TrainedModel trained = px::train::train_model(data, recipe, quiet);

    const bool classification = data.classification();
    const auto test = px::train::evaluate(
        trained.network, classification ? "cross_entropy" : "mse",
        px::data::Dataset(data.x_test, data.y_test),
        {.metrics = classification ? std::vector<px::metrics::MetricRef>{"accuracy"}
                                   : std::vector<px::metrics::MetricRef>{"mse", "r2"}});
    for (const auto& [name, value] : test.metrics)
      std::printf("test_%s %.9g\n", name.c_str(), value);
    std::printf("epochs_run %zu\n", trained.history.epochs());
    if (argc > 5) px::io::save_model(trained.network, argv[5], px::train::model_info(data));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tabular: %s\n", e.what());
    return 1;
  }
  return 0;
}
