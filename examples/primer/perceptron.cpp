// The primer's perceptron (§ forward pass, figure 4): y = sigmoid(w . x + b) for x = (-1, 2),
// computed step by step; then, on linearly separable data, the classic perceptron learning rule
// beside gradient descent on the same neuron, with both decision lines drawn.
// Usage: perceptron [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

namespace {

// Two Gaussian blobs, far enough apart that a straight line separates them.
px::data::Dataset blobs(size_t n, uint64_t seed) {
  px::Generator gen(seed);
  std::vector<float> x, y;
  for (size_t i = 0; i < 2 * n; ++i) {
    const float c = i < n ? -1.f : 1.f;
    x.push_back(c * 1.2f + 0.5f * gen.normal());
    x.push_back(c * 0.8f + 0.5f * gen.normal());
    y.push_back(i < n ? 0.f : 1.f);
  }
  const auto rows = static_cast<int64_t>(2 * n);
  return {px::Tensor::from(x, {rows, 2}), px::Tensor::from(y, {rows, 1})};
}

// The line w0 x + w1 y + b = 0 across [-3, 3].
px::plot::Series decision_line(std::string label, float w0, float w1, float b) {
  return {std::move(label), {-3, 3}, {(3 * w0 - b) / w1, (-3 * w0 - b) / w1}};
}

}  // namespace

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);

  // 1. The forward pass of one neuron, each step as the primer draws it.
  px::nn::Linear neuron(2, 1);
  neuron.weight.data()[0] = 0.5f;
  neuron.weight.data()[1] = 1.0f;
  neuron.bias.data()[0] = -0.5f;
  const px::Tensor x = px::Tensor::from({-1.f, 2.f}, {1, 2});
  const px::Tensor z = neuron(x);
  const px::Tensor y = px::sigmoid(z);
  std::printf("x = (-1, 2), w = (0.5, 1.0), b = -0.5\n");
  std::printf("w1 x1 = 0.5 * -1 = %.4f\n", 0.5f * -1.f);
  std::printf("w2 x2 = 1.0 *  2 = %.4f\n", 1.0f * 2.f);
  std::printf("z = w . x + b = %.4f\n", z.item());
  std::printf("y = sigmoid(z) = 1 / (1 + e^-z) = %.7f\n", y.item());
  claim("z", z.item());
  claim("y", y.item());

  // 2. Separable data, two ways to learn the line.
  const px::data::Dataset data = blobs(args.full ? 200 : 50, 1);
  const float* features = data.features().data();
  const float* targets = data.targets().data();
  const size_t n = data.size();

  // The perceptron rule (Rosenblatt): on a mistake, w += (t - step(w . x + b)) x. It stops as
  // soon as every point is on its side; it has no loss to minimise.
  float pw[2] = {0, 0}, pb = 0;
  size_t rule_epochs = 0, mistakes = n;
  while (mistakes > 0 && rule_epochs < 100) {
    mistakes = 0;
    for (size_t i = 0; i < n; ++i) {
      const float* xi = features + 2 * i;
      const float predicted = pw[0] * xi[0] + pw[1] * xi[1] + pb > 0 ? 1.f : 0.f;
      const float error = targets[i] - predicted;
      if (error == 0) continue;
      ++mistakes;
      pw[0] += error * xi[0];
      pw[1] += error * xi[1];
      pb += error;
    }
    ++rule_epochs;
  }
  std::printf(
      "perceptron rule: %zu epochs, %zu mistakes in the last one, w = (%.3f, %.3f), "
      "b = %.3f\n",
      rule_epochs, mistakes, pw[0], pw[1], pb);

  // Gradient descent: the same neuron, sigmoid output, binary cross-entropy, full batch.
  px::nn::Linear gd_neuron(2, 1, true, /*seed=*/0);
  px::optim::SGD sgd(gd_neuron.parameters(), {.lr = 0.5});
  const size_t steps = args.full ? 2000 : 300;
  for (size_t step = 0; step < steps; ++step) {
    const px::Tensor loss =
        px::loss::binary_cross_entropy_with_logits(gd_neuron(data.features()), data.targets());
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
  px::NoGradGuard no_grad;
  const double gd_accuracy =
      px::metrics::accuracy(px::sigmoid(gd_neuron(data.features())), data.targets());
  const float* gw = gd_neuron.weight.data();
  const float gb = gd_neuron.bias.data()[0];
  std::printf("gradient descent: %zu steps, training accuracy %.3f, w = (%.3f, %.3f), b = %.3f\n",
              steps, gd_accuracy, gw[0], gw[1], gb);
  claim("rule_mistakes", static_cast<double>(mistakes));
  claim("rule_epochs", static_cast<double>(rule_epochs));
  claim("gd_accuracy", gd_accuracy);

  const auto [px0, px1] = primer::columns(data.features());
  px::plot::Figure figure;
  figure.title("perceptron rule vs gradient descent").xlabel("x1").ylabel("x2");
  figure.xlim(-3, 3).ylim(-3, 3);
  figure.scatter_classes(px0, px1, primer::labels(data.targets()), {"class 0", "class 1"});
  figure.line(decision_line("perceptron rule", pw[0], pw[1], pb));
  figure.line(decision_line("gradient descent", gw[0], gw[1], gb), {.dashed = true});
  primer::save(figure, args, "perceptron");
  return 0;
}
