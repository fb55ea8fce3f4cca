// The primer's batch normalization (§ Batch Normalization): normalising each layer's inputs over
// the mini-batch keeps a deep network's activations at a scale where sigmoid still has a slope,
// so it trains in far fewer epochs. The same 8-layer sigmoid network on concentric circles, with
// and without px::nn::BatchNorm1d after every Linear.
// Usage: batchnorm [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

// Points in [-1, 1]^2, class 1 inside the circle of radius 0.6.
px::data::Dataset circles(size_t n, uint64_t seed) {
  px::Generator gen(seed);
  std::vector<float> x, y;
  for (size_t i = 0; i < n; ++i) {
    const float a = gen.uniform(-1.f, 1.f), b = gen.uniform(-1.f, 1.f);
    x.push_back(a);
    x.push_back(b);
    y.push_back(a * a + b * b < 0.36f ? 1.f : 0.f);
  }
  return {px::Tensor::from(x, {static_cast<int64_t>(n), 2}),
          px::Tensor::from(y, {static_cast<int64_t>(n)})};
}

px::nn::Sequential deep_net(bool batch_norm) {
  px::manual_seed(0);
  px::nn::Sequential net;
  int64_t in = 2;
  for (int l = 0; l < 8; ++l) {
    net.push_back(px::nn::Linear(in, 32));
    if (batch_norm) net.push_back(px::nn::BatchNorm1d(32));
    net.push_back(px::nn::Sigmoid());
    in = 32;
  }
  net.push_back(px::nn::Linear(in, 1));
  return net;
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const px::data::Dataset train = circles(1000, 1), validation = circles(500, 2);
  const size_t epochs = args.full ? 100 : 30;
  const double target = 0.9;

  px::plot::Figure figure(680, 440);
  figure.title("8 sigmoid layers on circles: validation accuracy")
      .xlabel("epoch")
      .ylabel("validation accuracy");
  for (const bool batch_norm : {false, true}) {
    px::nn::Sequential model = deep_net(batch_norm);
    px::optim::SGD sgd(model.parameters(), {.lr = 0.1, .momentum = 0.9});
    const px::train::History history =
        px::train::fit(model, sgd, "binary_cross_entropy_with_logits", train,
                       {.epochs = epochs,
                        .batch_size = 32,
                        .validation = validation,
                        .metrics = {px::metrics::Accuracy(/*threshold=*/0.f)},  // of logits
                        .verbose = 0});
    const std::vector<double> accuracy = history.series("val_accuracy");
    double reached = static_cast<double>(epochs + 1);  // epochs + 1: never
    for (size_t e = 0; e < accuracy.size(); ++e)
      if (accuracy[e] >= target) {
        reached = static_cast<double>(e + 1);
        break;
      }
    const std::string key = batch_norm ? "bn" : "plain";
    std::printf("%-20s validation accuracy %.3f after %zu epochs; epochs to %.2f: %g\n",
                batch_norm ? "with batch norm" : "without batch norm", accuracy.back(), epochs,
                target, reached);
    claim((key + "_epochs_to_target").c_str(), reached);
    claim((key + "_final_accuracy").c_str(), accuracy.back());
    figure.line(
        {batch_norm ? "with BatchNorm1d" : "without", primer::iota(accuracy.size(), 1), accuracy},
        {.markers = true});
  }
  claim("epochs", static_cast<double>(epochs));
  primer::save(figure, args, "batchnorm");
  return 0;
}
