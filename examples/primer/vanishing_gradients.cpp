// The primer's vanishing and exploding gradients (§ gradient descent): in a deep network the
// chain rule multiplies one factor per layer, and sigmoid's f' <= 0.25 shrinks the gradient at
// every one. Per-layer gradient norms of a 10-layer sigmoid network beside relu with He
// initialisation; then an exploding start, tamed by clipping the gradient's norm.
// Usage: vanishing_gradients [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

constexpr int64_t kWidth = 32, kLayers = 10;

enum class Kind { sigmoid, relu_he, relu_too_large };

px::nn::Sequential deep_net(Kind kind) {
  px::manual_seed(0);
  px::nn::Sequential net;
  for (int64_t l = 0; l < kLayers; ++l) {
    px::nn::Linear layer(kWidth, l + 1 == kLayers ? 1 : kWidth);
    if (kind != Kind::sigmoid) {
      // He: std = sqrt(2 / fan_in) keeps relu's activations at one scale; 2.5x that explodes.
      px::init::kaiming_normal_(layer.weight, 0.f, px::init::FanMode::fan_in, "relu");
      px::init::zeros_(layer.bias);
    }
    net.push_back(layer);
    if (l + 1 == kLayers) break;
    if (kind == Kind::sigmoid) {
      net.push_back(px::nn::Sigmoid());
    } else {
      net.push_back(px::nn::ReLU());
    }
  }
  if (kind == Kind::relu_too_large) {
    px::NoGradGuard no_grad;
    for (px::Tensor p : net.parameters())
      for (size_t i = 0; i < p.numel(); ++i) p.data()[i] *= 2.5f;
  }
  return net;
}

// The L2 norm of each Linear layer's weight gradient, first layer first.
std::vector<double> layer_norms(px::nn::Sequential& net) {
  std::vector<double> norms;
  for (const px::GradNorm& g : px::grad_norms(net.named_parameters()))
    if (g.name.ends_with(".weight")) norms.push_back(g.norm);
  return norms;
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const px::Tensor x = px::Tensor::randn({256, kWidth}, 1);
  const px::Tensor y = px::Tensor::randn({256, 1}, 2);

  px::plot::Figure norms_figure(640, 440);
  norms_figure.title("gradient norm of each layer's weights, 10 layers")
      .xlabel("layer (1 = next to the input)")
      .ylabel("||dL/dW||")
      .log_y();
  const std::vector<std::pair<Kind, std::string>> kinds = {
      {Kind::sigmoid, "sigmoid, default init"},
      {Kind::relu_he, "relu, He init"},
      {Kind::relu_too_large, "relu, 2.5x He init"}};
  for (const auto& [kind, label] : kinds) {
    px::nn::Sequential net = deep_net(kind);
    px::loss::mse(net(x), y).backward();
    const std::vector<double> norms = layer_norms(net);
    const auto [lo, hi] = std::minmax_element(norms.begin(), norms.end());
    std::printf("%-22s first layer %.3e, last layer %.3e, first/last %.3e, max/min %.3e\n",
                label.c_str(), norms.front(), norms.back(), norms.front() / norms.back(),
                *hi / *lo);
    if (kind == Kind::sigmoid) claim("sigmoid_first_over_last", norms.front() / norms.back());
    if (kind == Kind::relu_he) claim("relu_he_max_over_min", *hi / *lo);
    if (kind == Kind::relu_too_large) claim("exploding_min_norm", *lo);
    norms_figure.line({label, primer::iota(norms.size(), 1), norms}, {.markers = true});
  }
  primer::save(norms_figure, args, "vanishing_gradients");

  // The exploding start, trained with SGD as it is and with the gradient's norm clipped to 1.
  const size_t steps = args.full ? 300 : 100;
  px::plot::Figure clip_figure;
  clip_figure.title("exploding start: SGD with and without clipping")
      .xlabel("step")
      .ylabel("training loss")
      .log_y();
  for (const double max_norm : {0.0, 1.0}) {
    px::nn::Sequential net = deep_net(Kind::relu_too_large);
    px::optim::SGD sgd(net.parameters(), {.lr = 0.01});
    std::vector<double> losses;
    for (size_t step = 0; step < steps; ++step) {
      const px::Tensor loss = px::loss::mse(net(x), y);
      losses.push_back(loss.item());
      if (!std::isfinite(losses.back())) break;  // it diverged: nothing more to learn from it
      sgd.zero_grad();
      loss.backward();
      if (max_norm > 0) px::clip_grad_norm(net.parameters(), max_norm);
      sgd.step();
    }
    const bool clipped = max_norm > 0;
    std::printf("%s: loss %.3e at step 0, %.3e after %zu steps\n",
                clipped ? "clipped to norm 1" : "not clipped      ", losses.front(), losses.back(),
                losses.size());
    claim(clipped ? "clipped_first_loss" : "unclipped_first_loss", losses.front());
    claim(clipped ? "clipped_last_loss" : "unclipped_last_loss", losses.back());
    claim(clipped ? "clipped_steps" : "unclipped_steps", static_cast<double>(losses.size()));
    // Unclipped, the loss overflows within a few steps: points, since a line needs two.
    if (clipped) {
      clip_figure.line({"clip_grad_norm(params, 1)", primer::iota(losses.size()), losses});
    } else {
      clip_figure.scatter({"no clipping (then inf)", primer::iota(losses.size()), losses});
    }
  }
  primer::save(clip_figure, args, "exploding_clipping");
  return 0;
}
