// The primer's backpropagation (§ backpropagation, figure 12): the chain rule worked by hand on a
// 2-2-1 sigmoid network, each partial derivative printed in the order backpropagation computes
// it, from the loss back to the first layer's weights, beside autograd's gradients. The numbers
// are those of the tutorial the primer cites ("一文弄懂神经网络中的反向传播法"), cut to one output.
// Usage: backprop [--out DIR] [--full]
#include <fstream>

#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// The network with each weight's gradient on its edge, drawn by hand: px::plot has no graph
// layout. Edges and nodes carry px::plot's "mark" classes so the figures' page checks them too.
std::string network_svg(const double w1[4], const double w2[2], const double dw1[4],
                        const double dw2[2]) {
  const double in_y[2] = {90, 230}, hid_y[2] = {90, 230}, out_y = 160;
  const double in_x = 80, hid_x = 300, out_x = 520;
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"320\" "
      "viewBox=\"0 0 640 320\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"640\" height=\"320\" fill=\"white\"/>\n"
      "<text x=\"320\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">2-2-1 sigmoid network: "
      "w (dE/dw) on each edge</text>\n";
  char buf[512];
  auto edge = [&](double x0, double y0, double x1, double y1, double w, double dw, double t) {
    const double lx = x0 + t * (x1 - x0), ly = y0 + t * (y1 - y0) - 6;
    std::snprintf(buf, sizeof(buf),
                  "<line class=\"mark series\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                  "stroke=\"#0072b2\" stroke-width=\"%.2f\"/>\n"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.2f (%.2e)</text>\n",
                  x0, y0, x1, y1, 1 + 400 * std::abs(dw), lx, ly, w, dw);
    svg += buf;
  };
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i)
      edge(in_x, in_y[i], hid_x, hid_y[h], w1[2 * h + i], dw1[2 * h + i], i == h ? 0.5 : 0.3);
  for (int h = 0; h < 2; ++h) edge(hid_x, hid_y[h], out_x, out_y, w2[h], dw2[h], 0.5);
  auto node = [&](double x, double y, const char* label) {
    std::snprintf(buf, sizeof(buf),
                  "<circle class=\"mark point\" cx=\"%.1f\" cy=\"%.1f\" r=\"22\" fill=\"#f0e442\" "
                  "stroke=\"black\"/>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
                  "</text>\n",
                  x, y, x, y + 4, label);
    svg += buf;
  };
  node(in_x, in_y[0], "x1");
  node(in_x, in_y[1], "x2");
  node(hid_x, hid_y[0], "h1");
  node(hid_x, hid_y[1], "h2");
  node(out_x, out_y, "o");
  svg += "<text x=\"320\" y=\"300\" text-anchor=\"middle\">edge width grows with |dE/dw|</text>\n";
  return svg + "</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);

  // x = (0.05, 0.10); hidden weights w1..w4, biases 0.35; output weights w5, w6, bias 0.60;
  // target t = 0.01; loss E = (t - o)^2 / 2.
  const double x[2] = {0.05, 0.10}, t = 0.01;
  const double w1[4] = {0.15, 0.20, 0.25, 0.30}, b1[2] = {0.35, 0.35};
  const double w2[2] = {0.40, 0.45}, b2 = 0.60;

  // Forward, keeping what the backward needs.
  double h[2];
  for (int j = 0; j < 2; ++j) h[j] = sigmoid(w1[2 * j] * x[0] + w1[2 * j + 1] * x[1] + b1[j]);
  const double o = sigmoid(w2[0] * h[0] + w2[1] * h[1] + b2);
  const double loss = 0.5 * (t - o) * (t - o);
  std::printf("forward: h1 = %.9f, h2 = %.9f, o = %.9f, E = %.9f\n", h[0], h[1], o, loss);

  // Backward: "first dE/do, then do/dnet, then dnet/dw", from the loss back to the input.
  std::printf("backward, in the order the chain rule is applied:\n");
  const double dE_do = o - t;
  std::printf("  dE/do          = o - t                = %+.9f\n", dE_do);
  const double do_dnet = o * (1 - o);
  std::printf("  do/dnet_o      = o (1 - o)            = %+.9f\n", do_dnet);
  const double delta_o = dE_do * do_dnet;
  std::printf("  dE/dnet_o      = dE/do do/dnet_o      = %+.9f\n", delta_o);
  double dw2[2], dh[2], delta_h[2], dw1[4], db1[2];
  for (int j = 0; j < 2; ++j) {
    dw2[j] = delta_o * h[j];
    std::printf("  dE/dw%d         = dE/dnet_o h%d         = %+.9f\n", 5 + j, j + 1, dw2[j]);
  }
  const double db2 = delta_o;
  std::printf("  dE/db2         = dE/dnet_o            = %+.9f\n", db2);
  for (int j = 0; j < 2; ++j) {
    dh[j] = delta_o * w2[j];
    std::printf("  dE/dh%d         = dE/dnet_o w%d         = %+.9f\n", j + 1, 5 + j, dh[j]);
    delta_h[j] = dh[j] * h[j] * (1 - h[j]);
    std::printf("  dE/dnet_h%d     = dE/dh%d h%d (1 - h%d)    = %+.9f\n", j + 1, j + 1, j + 1,
                j + 1, delta_h[j]);
    for (int i = 0; i < 2; ++i) {
      dw1[2 * j + i] = delta_h[j] * x[i];
      std::printf("  dE/dw%d         = dE/dnet_h%d x%d        = %+.9f\n", 2 * j + i + 1, j + 1,
                  i + 1, dw1[2 * j + i]);
    }
    db1[j] = delta_h[j];
    std::printf("  dE/db1[%d]      = dE/dnet_h%d           = %+.9f\n", j, j + 1, db1[j]);
  }

  // The same network as plexus layers; autograd does the chain rule.
  px::nn::Linear hidden(2, 2), output(2, 1);
  for (int k = 0; k < 4; ++k) hidden.weight.data()[k] = static_cast<float>(w1[k]);
  for (int j = 0; j < 2; ++j) hidden.bias.data()[j] = static_cast<float>(b1[j]);
  for (int j = 0; j < 2; ++j) output.weight.data()[j] = static_cast<float>(w2[j]);
  output.bias.data()[0] = static_cast<float>(b2);
  px::nn::Sequential net{hidden, px::nn::Sigmoid(), output, px::nn::Sigmoid()};
  const px::Tensor input = px::Tensor::from({0.05f, 0.10f}, {1, 2});
  const px::Tensor target = px::Tensor::from({0.01f}, {1, 1});
  const px::Tensor E = 0.5f * px::loss::mse(net(input), target);
  E.backward();

  const std::vector<std::string> names = {"w1",    "w2", "w3", "w4", "b1[0]",
                                          "b1[1]", "w5", "w6", "b2"};
  const std::vector<double> by_hand = {dw1[0], dw1[1], dw1[2], dw1[3], db1[0],
                                       db1[1], dw2[0], dw2[1], db2};
  std::vector<double> by_autograd;
  for (float g : hidden.weight.grad().to_vector()) by_autograd.push_back(g);
  for (float g : hidden.bias.grad().to_vector()) by_autograd.push_back(g);
  for (float g : output.weight.grad().to_vector()) by_autograd.push_back(g);
  by_autograd.push_back(output.bias.grad().item());
  double max_diff = 0;
  std::printf("parameter  by hand        autograd       |difference|\n");
  for (size_t k = 0; k < names.size(); ++k) {
    const double diff = std::abs(by_hand[k] - by_autograd[k]);
    max_diff = std::max(max_diff, diff);
    std::printf("%-9s  %+.6e  %+.6e  %.1e\n", names[k].c_str(), by_hand[k], by_autograd[k], diff);
  }
  claim("loss", loss);
  claim("dE_dw5", dw2[0]);
  claim("dE_dw1", dw1[0]);
  claim("max_abs_diff", max_diff);

  const auto path = args.out / "backprop_network.svg";
  std::ofstream(path) << network_svg(w1, w2, dw1, dw2);
  std::printf("wrote %s\n", path.string().c_str());

  px::plot::Figure bars(760, 400);
  bars.title("dE/dparameter: chain rule by hand vs autograd").ylabel("gradient");
  bars.bars(names, {{"by hand", by_hand}, {"autograd", by_autograd}});
  primer::save(bars, args, "backprop_gradients");
  return 0;
}
