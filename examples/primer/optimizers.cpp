// The primer's adaptive learning rates (§ learning rate, figure 16): momentum, Nesterov, Adagrad,
// RMSprop and Adam beside plain SGD, first as paths on the Rosenbrock function (a long curved
// valley, minimum at (1, 1)), then as training curves of one network on two spirals, where the
// adaptive methods get to the target loss in fewer steps than SGD at its best rate of a grid.
// Usage: optimizers [--out DIR] [--full]
#include <functional>
#include <memory>

#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

using MakeOptimizer = std::function<std::unique_ptr<px::optim::Optimizer>(std::vector<px::Tensor>)>;

struct Method {
  std::string label;
  MakeOptimizer make;
};

template <typename O, typename Options>
MakeOptimizer make(Options options) {
  return [options](std::vector<px::Tensor> params) {
    return std::make_unique<O>(std::move(params), options);
  };
}

// f(a, b) = (1 - a)^2 + 100 (b - a^2)^2
px::Tensor rosenbrock(const px::Tensor& w) {
  const px::Tensor a = w.slice_rows(0, 1), b = w.slice_rows(1, 2);
  return px::sum(px::square(1.f - a) + 100.f * px::square(b - px::square(a)));
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);

  // 1. Paths on Rosenbrock, each method at a rate that suits it.
  const std::vector<Method> on_valley = {
      {"SGD lr 1e-3", make<px::optim::SGD>(px::optim::SGDOptions{.lr = 1e-3})},
      {"momentum 0.9", make<px::optim::SGD>(px::optim::SGDOptions{.lr = 2e-4, .momentum = 0.9})},
      {"Nesterov 0.9",
       make<px::optim::SGD>(px::optim::SGDOptions{.lr = 2e-4, .momentum = 0.9, .nesterov = true})},
      {"Adagrad lr 0.5", make<px::optim::Adagrad>(px::optim::AdagradOptions{.lr = 0.5})},
      {"RMSprop lr 0.01", make<px::optim::RMSprop>(px::optim::RMSpropOptions{.lr = 0.01})},
      {"Adam lr 0.05", make<px::optim::Adam>(px::optim::AdamOptions{.lr = 0.05})},
  };
  const size_t valley_steps = args.full ? 3000 : 1000;
  const int grid = args.full ? 120 : 50;
  std::vector<std::vector<double>> z(grid, std::vector<double>(grid));
  const std::vector<double> ca = px::plot::cell_centres(-2, 2, grid);
  const std::vector<double> cb = px::plot::cell_centres(-1, 3, grid);
  for (int i = 0; i < grid; ++i)
    for (int j = 0; j < grid; ++j) {
      const double a = ca[j], b = cb[i];
      z[i][j] = std::log10(1 + (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a));
    }
  px::plot::Figure valley(600, 480);
  valley.title("Rosenbrock from (-1.5, 2): log10(1 + f) and each method's path")
      .xlabel("a")
      .ylabel("b");
  valley.contour(z, -2, 2, -1, 3, 12).xlim(-2, 2).ylim(-1, 3);
  for (const Method& method : on_valley) {
    const px::Tensor w = px::Tensor::from({-1.5f, 2.f}, {2}).requires_grad();
    auto optimizer = method.make({w});
    px::plot::Series path{method.label, {w.data()[0]}, {w.data()[1]}};
    double f = 0;
    for (size_t step = 0; step < valley_steps; ++step) {
      const px::Tensor loss = rosenbrock(w);
      f = loss.item();
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      path.x.push_back(w.data()[0]);
      path.y.push_back(w.data()[1]);
    }
    std::printf("%-16s after %zu steps: (%.3f, %.3f), f = %.2e\n", method.label.c_str(),
                valley_steps, path.x.back(), path.y.back(), f);
    valley.line(path);
  }
  primer::save(valley, args, "optimizers_rosenbrock");

  // 2. Training curves: an MLP on two spirals, full batch; SGD gets a small grid of rates.
  const px::data::Dataset spirals = primer::two_spirals(100, 0.03f, 1);
  const size_t steps = args.full ? 2000 : 600;
  const double target = 0.3;
  std::vector<Method> on_data;
  for (double lr : {0.03, 0.1, 0.3, 1.0})
    on_data.push_back({"SGD lr " + px::plot::format_number(lr),
                       make<px::optim::SGD>(px::optim::SGDOptions{.lr = lr})});
  on_data.push_back({"momentum 0.9 lr 0.1",
                     make<px::optim::SGD>(px::optim::SGDOptions{.lr = 0.1, .momentum = 0.9})});
  on_data.push_back({"Nesterov 0.9 lr 0.1", make<px::optim::SGD>(px::optim::SGDOptions{
                                                .lr = 0.1, .momentum = 0.9, .nesterov = true})});
  on_data.push_back(
      {"Adagrad lr 0.1", make<px::optim::Adagrad>(px::optim::AdagradOptions{.lr = 0.1})});
  on_data.push_back(
      {"RMSprop lr 0.01", make<px::optim::RMSprop>(px::optim::RMSpropOptions{.lr = 0.01})});
  on_data.push_back({"Adam lr 0.01", make<px::optim::Adam>(px::optim::AdamOptions{.lr = 0.01})});

  px::plot::Figure curves(680, 440);
  curves.title("MLP 2-32-32-1 on two spirals, full batch")
      .xlabel("step")
      .ylabel("training loss")
      .log_y();
  double best_sgd = static_cast<double>(steps);
  for (const Method& method : on_data) {
    px::manual_seed(0);  // the same initial weights for every method
    px::nn::Sequential mlp{px::nn::Linear(2, 32), px::nn::Tanh(), px::nn::Linear(32, 32),
                           px::nn::Tanh(), px::nn::Linear(32, 1)};
    auto optimizer = method.make(mlp.parameters());
    std::vector<double> losses;
    double reached = static_cast<double>(steps);  // steps to the target; `steps` if never
    for (size_t step = 0; step < steps; ++step) {
      const px::Tensor loss = px::loss::binary_cross_entropy_with_logits(
          mlp(spirals.features()).reshape({-1}), spirals.targets());
      losses.push_back(loss.item());
      if (losses.back() < target && reached == static_cast<double>(steps))
        reached = static_cast<double>(step);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
    }
    std::printf("%-20s final loss %.4f, steps to loss < %.1f: %g\n", method.label.c_str(),
                losses.back(), target, reached);
    if (method.label.starts_with("SGD")) best_sgd = std::min(best_sgd, reached);
    if (method.label.starts_with("Adam")) claim("adam_steps", reached);
    if (method.label.starts_with("RMSprop")) claim("rmsprop_steps", reached);
    if (method.label.starts_with("Adagrad")) claim("adagrad_steps", reached);
    if (method.label.starts_with("momentum")) claim("momentum_steps", reached);
    curves.line({method.label, primer::iota(losses.size()), losses},
                {.dashed = method.label.starts_with("SGD")});
  }
  claim("best_sgd_steps", best_sgd);
  claim("steps", static_cast<double>(steps));
  primer::save(curves, args, "optimizers_training");
  return 0;
}
