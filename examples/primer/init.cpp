// The primer's parameter initialisation (§ parameter initialisation): the scale of the first
// weights decides whether a signal survives ten layers. Activation mean and std per layer under
// zeros, a too-small normal, Xavier and He, for a tanh and a relu network: Xavier keeps tanh's
// activations at one scale, He keeps relu's; too small dies out; zeros make every unit the same.
// Usage: init [--out DIR] [--full]
#include <functional>

#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

constexpr int64_t kWidth = 256;
constexpr int kLayers = 10;

struct Stats {
  std::vector<double> mean, std;
};

// x through kLayers Linear + activation layers initialised by `init`, the statistics of every
// layer's output recorded.
Stats forward_stats(const px::Tensor& x, const std::function<void(px::Tensor)>& init, bool relu) {
  px::NoGradGuard no_grad;
  px::manual_seed(0);
  Stats stats;
  px::Tensor h = x;
  for (int l = 0; l < kLayers; ++l) {
    px::nn::Linear layer(kWidth, kWidth);
    init(layer.weight);
    px::init::zeros_(layer.bias);
    h = relu ? px::relu(layer(h)) : px::tanh(layer(h));
    const double mean = px::mean(h).item();
    stats.mean.push_back(mean);
    stats.std.push_back(std::sqrt(px::mean(px::square(h - mean)).item()));
  }
  return stats;
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const px::Tensor x = px::Tensor::randn({args.full ? 2048 : 512, kWidth}, 1);

  const std::vector<std::pair<std::string, std::function<void(px::Tensor)>>> schemes = {
      {"zeros", [](px::Tensor w) { px::init::zeros_(w); }},
      {"normal(0, 0.01)", [](px::Tensor w) { px::init::normal_(w, 0.f, 0.01f); }},
      {"Xavier", [](px::Tensor w) { px::init::xavier_normal_(w); }},
      {"He",
       [](px::Tensor w) { px::init::kaiming_normal_(w, 0.f, px::init::FanMode::fan_in, "relu"); }}};
  for (const bool relu : {false, true}) {
    const std::string net = relu ? "relu" : "tanh";
    px::plot::Figure figure(640, 440);
    figure.title(net + " net, 10 layers of 256: std of each layer's output (zeros: 0, not drawn)")
        .xlabel("layer")
        .ylabel("std of the activations")
        .log_y();
    for (const auto& [name, init] : schemes) {
      const Stats s = forward_stats(x, init, relu);
      std::printf("%s, %-16s std by layer:", net.c_str(), name.c_str());
      for (double v : s.std) std::printf(" %.2g", v);
      std::printf("   (mean at layer 10: %.2g)\n", s.mean.back());
      const std::string key = net + "_" + (name == "normal(0, 0.01)" ? "small" : name);
      claim((key + "_std_first").c_str(), s.std.front());
      claim((key + "_std_last").c_str(), s.std.back());
      if (name != "zeros") figure.line({name, primer::iota(kLayers, 1), s.std}, {.markers = true});
    }
    primer::save(figure, args, "init_" + net);
  }
  return 0;
}
