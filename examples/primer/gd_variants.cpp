// The primer's three gradient descents (§ optimisation): batch gradient descent (all m samples
// per update), stochastic (one sample: fast updates, but "not every step heads for the optimum,
// and it keeps swinging around it") and mini-batch (n samples: "more stable than stochastic,
// closer to full gradient descent"). One linear regression with two weights, so the paths can
// be drawn in weight space, as in the primer's figure.
// Usage: gd_variants [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

struct Run {
  std::string label;
  std::vector<double> epoch_loss;   // full-data loss after each epoch (epoch 0: the start)
  std::vector<double> update_loss;  // full-data loss after each update
  std::vector<double> w0, w1;       // the weights after each update
};

Run descend(const std::string& label, const px::data::Dataset& data, size_t batch_size,
            size_t epochs, double lr) {
  px::nn::Linear model(2, 1, /*bias=*/false);
  model.weight.data()[0] = -1.f;  // the same start for all three
  model.weight.data()[1] = 2.f;
  px::optim::SGD sgd(model.parameters(), {.lr = lr});
  px::data::DataLoader loader(data, {.batch_size = batch_size, .shuffle = true, .seed = 1});
  auto full_loss = [&] {
    px::NoGradGuard no_grad;
    return static_cast<double>(px::loss::mse(model(data.features()), data.targets()).item());
  };
  Run run{label, {full_loss()}, {}, {-1.0}, {2.0}};
  for (size_t epoch = 0; epoch < epochs; ++epoch) {
    for (const px::data::Batch& batch : loader) {
      const px::Tensor loss = px::loss::mse(model(batch.x), batch.y);
      sgd.zero_grad();
      loss.backward();
      sgd.step();
      run.update_loss.push_back(full_loss());
      run.w0.push_back(model.weight.data()[0]);
      run.w1.push_back(model.weight.data()[1]);
    }
    run.epoch_loss.push_back(full_loss());
  }
  return run;
}

// The first epoch whose loss is below target, or the number of epochs + 1 if none is.
double epochs_to(const std::vector<double>& loss, double target) {
  for (size_t e = 0; e < loss.size(); ++e)
    if (loss[e] < target) return static_cast<double>(e);
  return static_cast<double>(loss.size());
}

// Mean |loss_{k+1} - loss_k| over updates [from, to): how much the loss swings per update.
double mean_abs_change(const std::vector<double>& loss, size_t from, size_t to) {
  double sum = 0;
  for (size_t k = from + 1; k < to; ++k) sum += std::abs(loss[k] - loss[k - 1]);
  return sum / static_cast<double>(to - from - 1);
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const int64_t m = args.full ? 2048 : 512;
  const px::Tensor x = px::Tensor::randn({m, 2}, 1);
  const px::Tensor y =
      px::matmul(x, px::Tensor::from({2.f, -1.f}, {2, 1})) + 0.5f * px::Tensor::randn({m, 1}, 2);
  const px::data::Dataset data(x, y);
  const size_t epochs = 60;
  const double lr = 0.05, target = 0.3;  // the noise alone costs 0.25

  const std::vector<Run> runs = {
      descend("batch (m = " + std::to_string(m) + ")", data, static_cast<size_t>(m), epochs, lr),
      descend("stochastic (1)", data, 1, epochs, lr),
      descend("mini-batch (32)", data, 32, epochs, lr)};

  // Per update: the swing over the last 200 updates of each, when both have settled at the
  // minimum, so what is left is the noise of their batches.
  const size_t last = 200;
  const double swing_sgd = mean_abs_change(runs[1].update_loss, runs[1].update_loss.size() - last,
                                           runs[1].update_loss.size());
  const double swing_mini = mean_abs_change(runs[2].update_loss, runs[2].update_loss.size() - last,
                                            runs[2].update_loss.size());
  for (const Run& run : runs)
    std::printf("%-18s %6zu updates, final loss %.4f, epochs to loss < %.2f: %g\n",
                run.label.c_str(), run.update_loss.size(), run.epoch_loss.back(), target,
                epochs_to(run.epoch_loss, target));
  std::printf(
      "mean |change of the loss| per update, last %zu updates: stochastic %.2e, "
      "mini-batch %.2e\n",
      last, swing_sgd, swing_mini);
  claim("batch_epochs_to_target", epochs_to(runs[0].epoch_loss, target));
  claim("minibatch_epochs_to_target", epochs_to(runs[2].epoch_loss, target));
  claim("sgd_epochs_to_target", epochs_to(runs[1].epoch_loss, target));
  claim("sgd_swing", swing_sgd);
  claim("minibatch_swing", swing_mini);

  px::plot::Figure per_epoch;
  per_epoch.title("loss per epoch").xlabel("epoch").ylabel("training loss (MSE)").log_y();
  px::plot::Figure per_update;
  per_update.title("loss after each update, first 300 updates")
      .xlabel("update")
      .ylabel("training loss (MSE)")
      .log_y();
  px::plot::Figure paths(560, 460);
  paths.title("paths in weight space, from (-1, 2) to (2, -1)").xlabel("w0").ylabel("w1");
  for (const Run& run : runs) {
    per_epoch.line({run.label, primer::iota(run.epoch_loss.size()), run.epoch_loss},
                   {.markers = true});
    const size_t n = std::min<size_t>(300, run.update_loss.size());
    per_update.line(
        {run.label, primer::iota(n, 1), {run.update_loss.begin(), run.update_loss.begin() + n}});
    // At most ~400 points per path: every k-th update.
    const size_t k = std::max<size_t>(1, run.w0.size() / 400);
    px::plot::Series path{run.label, {}, {}};
    for (size_t i = 0; i < run.w0.size(); i += k) {
      path.x.push_back(run.w0[i]);
      path.y.push_back(run.w1[i]);
    }
    paths.line(path);
  }
  primer::save(per_epoch, args, "gd_variants_epochs");
  primer::save(per_update, args, "gd_variants_updates");
  primer::save(paths, args, "gd_variants_paths");
  return 0;
}
