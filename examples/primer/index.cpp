// Collects the SVGs the primer's examples wrote into DIR/index.html, in the primer's order, each
// with its caption and the lines of plexus that made it. It draws nothing itself: a figure
// missing from DIR is an error, so a broken example cannot hide.
// Usage: primer_index DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Entry {
  const char* section;  // the primer's section
  const char* figure;   // file name without .svg
  const char* caption;
  const char* code;  // the API lines that made it
};

// In the order of the primer (seed/deep-learning-basics.zh.txt).
const Entry kEntries[] = {
    {"Forward pass: the perceptron", "perceptron",
     "y = sigmoid(w.x + b) for x = (-1, 2) gives z = 1, y = 0.731; then the perceptron rule and "
     "gradient descent each find a separating line.",
     "px::nn::Linear neuron(2, 1);\ny = px::sigmoid(neuron(x));\n"
     "px::loss::binary_cross_entropy_with_logits(neuron(X), t).backward(); sgd.step();"},
    {"Activation functions", "activations", "sigmoid in [0, 1], tanh in [-1, 1], relu, ...",
     "px::sigmoid(x), px::tanh(x), px::relu(x), px::gelu(x), ..."},
    {"Activation functions", "activations_derivative",
     "their derivatives by autograd: sigmoid' <= 0.25, tanh' <= 1, relu' in {0, 1}",
     "x.requires_grad(); px::sigmoid(x).sum().backward(); x.grad()"},
    {"Why non-linearity", "decision_linear",
     "a straight line cannot separate two spirals (training accuracy about 0.6)",
     "px::nn::Sequential linear{px::nn::Linear(2, 1)};\nfigure.regions(classes, ...)"
     ".scatter_classes(x, y, labels, names);"},
    {"Why non-linearity", "decision_mlp", "an MLP with tanh separates them (accuracy 1.0)",
     "px::nn::Sequential mlp{Linear(2, 64), Tanh(), Linear(64, 64), Tanh(), Linear(64, 1)};\n"
     "px::train::fit(mlp, adam, \"binary_cross_entropy_with_logits\", spirals, {...});"},
    {"Loss: the mean over students", "students_loss",
     "each student's loss before and after training; the loss is their mean",
     "px::loss::binary_cross_entropy_with_logits(logits, passed, px::loss::Reduction::none)"},
    {"Loss: the mean over students", "students_mean_loss", "the mean loss falling",
     "px::mean(per_student).backward(); sgd.step();"},
    {"Gradient descent", "loss_landscape",
     "MSE over two weights and the gradient-descent path to its minimum (2, -1)",
     "px::optim::SGD sgd({w}, {.lr = 0.1}); loss.backward(); sgd.step();\n"
     "figure.contour(z, x0, x1, y0, y1).line(path, {.markers = true});"},
    {"Gradient descent", "loss_landscape_two_minima",
     "a non-convex loss: two starts end in two different minima", "the same descent loop"},
    {"Vanishing and exploding gradients", "vanishing_gradients",
     "per-layer gradient norms: sigmoid's vanish toward the input, relu + He keeps them level",
     "px::init::kaiming_normal_(layer.weight, 0, px::init::FanMode::fan_in, \"relu\");\n"
     "px::grad_norms(net.named_parameters())"},
    {"Vanishing and exploding gradients", "exploding_clipping",
     "an exploding start diverges; clipping the gradient's norm tames it",
     "px::clip_grad_norm(net.parameters(), 1.0);"},
    {"Backpropagation", "backprop_network",
     "the 2-2-1 network, each weight with its gradient dE/dw on its edge",
     "px::nn::Sequential net{hidden, px::nn::Sigmoid(), output, px::nn::Sigmoid()};\n"
     "(0.5f * px::loss::mse(net(x), t)).backward();"},
    {"Backpropagation", "backprop_gradients", "the chain rule by hand equals autograd",
     "hidden.weight.grad(), output.weight.grad()"},
    {"Batch, stochastic and mini-batch descent", "gd_variants_epochs", "loss per epoch",
     "px::data::DataLoader loader(data, {.batch_size = 32, .shuffle = true});"},
    {"Batch, stochastic and mini-batch descent", "gd_variants_updates",
     "loss after each update: batch size 1 swings", "batch_size = 1, 32 or m"},
    {"Batch, stochastic and mini-batch descent", "gd_variants_paths", "their paths in weight space",
     "figure.line({label, w0, w1});"},
    {"Learning rate", "learning_rate", "too small, too large, right",
     "px::optim::SGD sgd(model.parameters(), {.lr = 0.005 | 1.05 | 0.3});"},
    {"Learning rate", "lr_range_test", "the LR range test and its suggestion",
     "auto result = px::optim::lr_range_test(sgd, step_loss, {.start_lr = 1e-4, .end_lr = 10});"},
    {"Adaptive learning rates", "optimizers_rosenbrock",
     "SGD, momentum, Nesterov, Adagrad, RMSprop and Adam on the Rosenbrock valley",
     "px::optim::Adam opt({w}, {.lr = 0.05});  px::optim::SGD({w}, {.momentum = 0.9, "
     ".nesterov = true});"},
    {"Adaptive learning rates", "optimizers_training",
     "training curves on two spirals: the adaptive methods reach the target first",
     "px::optim::RMSprop, px::optim::Adagrad, px::optim::Adam"},
    {"Under- and overfitting", "fitting_curves",
     "training (solid) and validation (dashed): the big network's validation loss rises",
     "px::train::fit(model, adam, \"mse\", train, {.validation = validation});\n"
     "history.series(\"val_loss\")"},
    {"Under- and overfitting", "fitting_functions", "the functions the three sizes fit",
     "model.eval(); model(x)"},
    {"Regularization: dropout and L2", "regularization_gap",
     "final training and validation loss: dropout and L2 narrow the gap",
     "px::nn::Dropout(0.3);  px::optim::Adam(params, {.lr = 0.01, .weight_decay = 1e-3});"},
    {"Regularization: dropout and L2", "regularization_curves", "validation curves",
     "history.series(\"val_loss\")"},
    {"Regularization: dropout and L2", "regularization_functions", "the fitted functions",
     "model.eval(); model(x)"},
    {"Early stopping", "early_stopping",
     "the best epoch, and the stop patience = 10 epochs later; the best weights come back",
     "px::train::EarlyStoppingCallback early({.patience = 10, .restore_best_weights = "
     "true});"},
    {"Parameter initialisation", "init_tanh",
     "tanh: too small dies out, Xavier and He keep a scale",
     "px::init::xavier_normal_(w);  px::init::normal_(w, 0, 0.01);"},
    {"Parameter initialisation", "init_relu",
     "relu: He keeps the scale, Xavier halves it per layer",
     "px::init::kaiming_normal_(w, 0, px::init::FanMode::fan_in, \"relu\");"},
    {"Batch normalization", "batchnorm",
     "8 sigmoid layers: with batch norm the target accuracy comes in a few epochs",
     "px::nn::BatchNorm1d(32) after every Linear"},
};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>The primer, executable</title>\n<style>body{font-family:sans-serif;max-width:72em;"
      "margin:1em auto;padding:0 1em}figure.plot{display:inline-block;margin:.5em 1em 1em 0;"
      "vertical-align:top;max-width:46em}figure.plot svg{max-width:100%;height:auto;border:1px "
      "solid #ddd}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}</style>\n</head>\n"
      "<body>\n<h1>The primer, executable</h1>\n<p>Every figure below was drawn by one of "
      "examples/primer/ from real training with plexus.</p>\n";
  std::string section;
  for (const Entry& e : kEntries) {
    std::ifstream in(dir / (std::string(e.figure) + ".svg"));
    if (!in) {
      std::fprintf(stderr, "primer_index: %s.svg is missing in %s; run scripts/primer.sh\n",
                   e.figure, dir.string().c_str());
      return 1;
    }
    std::stringstream svg;
    svg << in.rdbuf();
    const std::string text = svg.str();
    if (section != e.section) {
      html += (section.empty() ? "" : "</section>\n") + std::string("<section>\n<h2>") +
              escape(e.section) + "</h2>\n";
      section = e.section;
    }
    html += "<figure class=\"plot\" data-name=\"" + std::string(e.figure) + "\">\n" +
            text.substr(text.find("<svg")) + "<figcaption>" + escape(e.caption) + "<pre>" +
            escape(e.code) + "</pre></figcaption>\n</figure>\n";
  }
  html += "</section>\n</body>\n</html>\n";
  std::ofstream(dir / "index.html") << html;
  std::printf("wrote %s with %zu figures\n", (dir / "index.html").string().c_str(),
              std::size(kEntries));
  return 0;
}
