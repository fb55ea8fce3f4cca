// The primer's gradient descent (§ gradient descent, figures 10-11): the loss as a surface over
// two weights, and descent stepping "against the gradient, a small step at a time, down to the
// lowest point". Then "the loss found is a local minimum, not the global one": on a non-convex
// surface two starting points end in different minima.
// Usage: loss_landscape [--out DIR] [--full]
#include <functional>

#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

using LossOf = std::function<px::Tensor(const px::Tensor& w)>;  // w: [2] -> scalar loss

struct Path {
  std::vector<double> w0, w1;
  double loss = 0;
};

// Plain gradient descent on the two weights, recording every point.
Path descend(const LossOf& loss_of, float start0, float start1, double lr, size_t steps) {
  const px::Tensor w = px::Tensor::from({start0, start1}, {2}).requires_grad();
  px::optim::SGD sgd({w}, {.lr = lr});
  Path path;
  for (size_t step = 0; step <= steps; ++step) {
    path.w0.push_back(w.data()[0]);
    path.w1.push_back(w.data()[1]);
    const px::Tensor loss = loss_of(w);
    path.loss = loss.item();
    if (step == steps) break;
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
  return path;
}

px::plot::Figure landscape(const LossOf& loss_of, double lo0, double hi0, double lo1, double hi1,
                           int grid) {
  px::NoGradGuard no_grad;
  const std::vector<double> c0 = px::plot::cell_centres(lo0, hi0, grid);
  const std::vector<double> c1 = px::plot::cell_centres(lo1, hi1, grid);
  std::vector<std::vector<double>> z(grid, std::vector<double>(grid));
  for (int i = 0; i < grid; ++i)
    for (int j = 0; j < grid; ++j)
      z[i][j] =
          loss_of(px::Tensor::from({static_cast<float>(c0[j]), static_cast<float>(c1[i])}, {2}))
              .item();
  px::plot::Figure figure(560, 460);
  figure.contour(z, lo0, hi0, lo1, hi1, 12).xlim(lo0, hi0).ylim(lo1, hi1);
  return figure;
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const int grid = args.full ? 120 : 50;

  // 1. Linear regression y = w0 x0 + w1 x1 on correlated inputs: a convex, elongated bowl
  //    with its minimum at the true weights (2, -1).
  const px::Tensor x = px::Tensor::randn({100, 2}, 1);
  const px::Tensor mixed = px::matmul(x, px::Tensor::from({1.f, 0.6f, 0.f, 0.8f}, {2, 2}));
  const px::Tensor y = px::matmul(mixed, px::Tensor::from({2.f, -1.f}, {2, 1}));
  const LossOf bowl = [&](const px::Tensor& w) {
    return px::loss::mse(px::matmul(mixed, w.reshape({2, 1})), y);
  };
  const Path down = descend(bowl, -2.f, 2.5f, 0.1, args.full ? 200 : 60);
  std::printf("convex bowl: from (-2, 2.5) to (%.4f, %.4f) in %zu steps, loss %.2e\n",
              down.w0.back(), down.w1.back(), down.w0.size() - 1, down.loss);
  claim("bowl_final_loss", down.loss);
  claim("bowl_w0", down.w0.back());
  claim("bowl_w1", down.w1.back());
  px::plot::Figure bowl_figure = landscape(bowl, -3, 4, -3, 3, grid);
  bowl_figure.title("MSE over two weights, gradient descent from x").xlabel("w0").ylabel("w1");
  bowl_figure.line({"descent path", down.w0, down.w1}, {.colour = 5, .markers = true});
  primer::save(bowl_figure, args, "loss_landscape");

  // 2. A one-bump model  f(x) = height exp(-(x - centre)^2)  fitted to data with two bumps, a
  //    tall one at -1.5 and a low one at +1.5: the loss over (centre, height) has a minimum at
  //    each bump, and gradient descent stays in the basin it starts in.
  const px::Tensor t = px::Tensor::arange(-3.f, 3.f, 0.05f);
  const px::Tensor target = px::exp(-px::square(t + 1.5f)) + 0.6f * px::exp(-px::square(t - 1.5f));
  const LossOf bumps = [&](const px::Tensor& w) {
    const px::Tensor centre = w.reshape({2}).slice_rows(0, 1);
    const px::Tensor height = w.reshape({2}).slice_rows(1, 2);
    return px::loss::mse(height * px::exp(-px::square(t - centre)), target);
  };
  const size_t steps = args.full ? 600 : 300;
  const Path left = descend(bumps, -0.3f, 0.2f, 0.5, steps);
  const Path right = descend(bumps, 0.4f, 0.2f, 0.5, steps);
  std::printf("two minima: from (-0.3, 0.2) to centre %.3f, height %.3f, loss %.5f\n",
              left.w0.back(), left.w1.back(), left.loss);
  std::printf("            from ( 0.4, 0.2) to centre %.3f, height %.3f, loss %.5f\n",
              right.w0.back(), right.w1.back(), right.loss);
  claim("left_centre", left.w0.back());
  claim("right_centre", right.w0.back());
  claim("left_loss", left.loss);
  claim("right_loss", right.loss);
  px::plot::Figure bumps_figure = landscape(bumps, -3, 3, -0.5, 1.5, grid);
  bumps_figure.title("a non-convex loss: two starts, two minima").xlabel("centre").ylabel("height");
  bumps_figure.line({"start (-0.3, 0.2)", left.w0, left.w1}, {.colour = 5, .markers = true});
  bumps_figure.line({"start (0.4, 0.2)", right.w0, right.w1}, {.colour = 6, .markers = true});
  primer::save(bumps_figure, args, "loss_landscape_two_minima");
  return 0;
}
