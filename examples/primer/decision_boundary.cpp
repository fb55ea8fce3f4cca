// The primer's case for non-linearity (§ activation functions, figure 3): "with a straight line
// we can hardly separate real data, however many layers"; with non-linear activations the
// network draws a complex decision boundary. A linear model and an MLP on two spirals, their
// decision regions side by side.
// Usage: decision_boundary [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

struct Trained {
  double accuracy;
  px::plot::Figure figure;
};

Trained train_and_draw(px::nn::Sequential& model, const std::string& title,
                       const px::data::Dataset& data, size_t epochs, int grid) {
  px::optim::Adam adam(model.parameters(), {.lr = 0.01});
  px::train::fit(model, adam, "binary_cross_entropy_with_logits", data,
                 {.epochs = epochs, .batch_size = data.size(), .verbose = 0});
  px::NoGradGuard no_grad;
  model.eval();
  const double accuracy =
      px::metrics::accuracy(px::sigmoid(model(data.features())).reshape({-1}), data.targets());

  // The model's class at the centre of each cell of a grid over the plane.
  const std::vector<double> centres = px::plot::cell_centres(-1.2, 1.2, grid);
  std::vector<float> cells;
  for (double y : centres)
    for (double x : centres) {
      cells.push_back(static_cast<float>(x));
      cells.push_back(static_cast<float>(y));
    }
  const std::vector<float> logits =
      model(px::Tensor::from(cells, {static_cast<int64_t>(grid) * grid, 2})).to_vector();
  std::vector<std::vector<int>> classes(grid, std::vector<int>(grid));
  for (int i = 0; i < grid; ++i)
    for (int j = 0; j < grid; ++j) classes[i][j] = logits[i * grid + j] > 0 ? 1 : 0;

  const auto [x0, x1] = primer::columns(data.features());
  px::plot::Figure figure(480, 460);
  figure.title(title + ": training accuracy " + px::plot::format_number(accuracy, 3));
  figure.xlabel("x1").ylabel("x2");
  figure.regions(classes, -1.2, 1.2, -1.2, 1.2);
  figure.scatter_classes(x0, x1, primer::labels(data.targets()), {"spiral 0", "spiral 1"});
  return {accuracy, figure};
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const px::data::Dataset spirals = primer::two_spirals(args.full ? 300 : 100, 0.03f, 1);
  const size_t epochs = args.full ? 2000 : 600;
  const int grid = args.full ? 120 : 60;

  px::manual_seed(0);
  px::nn::Sequential linear{px::nn::Linear(2, 1)};
  px::nn::Sequential mlp{px::nn::Linear(2, 64), px::nn::Tanh(), px::nn::Linear(64, 64),
                         px::nn::Tanh(), px::nn::Linear(64, 1)};
  const Trained line = train_and_draw(linear, "linear model", spirals, epochs, grid);
  const Trained curve = train_and_draw(mlp, "MLP 2-64-64-1 tanh", spirals, epochs, grid);
  std::printf("training accuracy on two spirals: linear %.3f, MLP %.3f\n", line.accuracy,
              curve.accuracy);
  claim("linear_accuracy", line.accuracy);
  claim("mlp_accuracy", curve.accuracy);
  primer::save(line.figure, args, "decision_linear");
  primer::save(curve.figure, args, "decision_mlp");
  return 0;
}
