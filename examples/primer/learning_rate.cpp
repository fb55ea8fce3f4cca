// The primer's learning rate (§ learning rate, figures 13-15): too small and the model "converges
// slowly"; too large and it "overshoots the optimum, oscillates and does not converge"; a fitting
// one converges smoothly. Three full-batch runs of the same linear regression, then the LR range
// test (px::optim::lr_range_test) that suggests a rate from one short run.
// Usage: learning_rate [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

std::vector<double> descend(const px::data::Dataset& data, double lr, size_t steps) {
  px::nn::Linear model(2, 1, true, /*seed=*/3);
  px::optim::SGD sgd(model.parameters(), {.lr = lr});
  std::vector<double> losses;
  for (size_t step = 0; step <= steps; ++step) {
    const px::Tensor loss = px::loss::mse(model(data.features()), data.targets());
    losses.push_back(loss.item());
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
  return losses;
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const int64_t m = 512;
  const px::Tensor x = px::Tensor::randn({m, 2}, 1);
  const px::Tensor y = px::matmul(x, px::Tensor::from({2.f, -1.f}, {2, 1})) + 0.5f +
                       0.5f * px::Tensor::randn({m, 1}, 2);
  const px::data::Dataset data(x, y);
  const size_t steps = args.full ? 100 : 40;
  const double target = 0.3;  // the noise alone costs 0.25

  // The loss's curvature is about 2 along every direction (inputs of unit variance), so a rate
  // above 2 / 2 = 1 makes each step overshoot by more than it corrects.
  const std::vector<std::pair<std::string, double>> rates = {
      {"too small (0.005)", 0.005}, {"too large (1.05)", 1.05}, {"right (0.3)", 0.3}};
  const char* keys[] = {"too_small", "too_large", "right"};
  px::plot::Figure curves;
  curves.title("full-batch gradient descent at three learning rates")
      .xlabel("step")
      .ylabel("training loss (MSE)")
      .log_y();
  for (size_t r = 0; r < rates.size(); ++r) {
    const std::vector<double> losses = descend(data, rates[r].second, steps);
    std::printf("%-18s loss %.4f at the start, %.4f after %zu steps\n", rates[r].first.c_str(),
                losses.front(), losses.back(), steps);
    claim((std::string(keys[r]) + "_first").c_str(), losses.front());
    claim((std::string(keys[r]) + "_last").c_str(), losses.back());
    curves.line({rates[r].first, primer::iota(losses.size()), losses});
  }
  claim("target", target);
  primer::save(curves, args, "learning_rate");

  // The range test: mini-batches of 32 while the rate grows from 1e-4 to 10.
  px::nn::Linear model(2, 1, true, /*seed=*/3);
  px::optim::SGD sgd(model.parameters(), {.lr = 0.01});
  int64_t next = 0;
  const auto result = px::optim::lr_range_test(
      sgd,
      [&] {
        const px::Tensor loss =
            px::loss::mse(model(x.slice_rows(next, next + 32)), y.slice_rows(next, next + 32));
        next = (next + 32) % m;
        loss.backward();
        return loss.item();
      },
      {.start_lr = 1e-4, .end_lr = 10, .steps = args.full ? size_t{200} : size_t{100}});
  std::printf("LR range test: %zu rates tried, suggested lr %.4f\n", result.lrs.size(),
              result.suggested_lr);
  claim("suggested_lr", result.suggested_lr);
  px::plot::Figure range;
  range.title("LR range test: smoothed loss as the rate grows")
      .xlabel("learning rate")
      .ylabel("smoothed loss")
      .log_x()
      .log_y();
  range.line({"loss", result.lrs, result.losses});
  range.vline(result.suggested_lr, "suggested " + px::plot::format_number(result.suggested_lr, 2));
  primer::save(range, args, "lr_range_test");
  return 0;
}
