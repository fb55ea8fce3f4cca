// The primer's regularization (§ regularization, figure 18): "to prevent overfitting and
// generalise to unseen data". Dropout "sets a random share of the neurons to 0 each time", so
// the network cannot lean on any one path; an L2 penalty keeps the weights small. The too-big
// network of `fitting`, plain, with dropout, with L2 and with both: the gap between training and
// validation loss narrows.
// Usage: regularization [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const primer::SineTask task;
  const size_t epochs = args.full ? 3000 : 800;

  struct Variant {
    std::string key, label;
    float dropout;
    double weight_decay;  // Adam's coupled weight decay: an L2 term in the gradient
  };
  const std::vector<Variant> variants = {{"plain", "no regularization", 0.f, 0.0},
                                         {"dropout", "dropout 0.3", 0.3f, 0.0},
                                         {"l2", "L2 (weight decay 1e-3)", 0.f, 1e-3},
                                         {"both", "dropout + L2", 0.3f, 1e-3}};
  px::plot::Figure curves(680, 440), functions(680, 440);
  curves.title("1-128-128-128-1: validation loss (dashed: training, eval mode)")
      .xlabel("epoch")
      .ylabel("MSE")
      .log_y();
  functions.title("the fitted functions").xlabel("x").ylabel("y");
  functions.scatter({"training samples", primer::to_doubles(task.train.features()),
                     primer::to_doubles(task.train.targets())});
  std::vector<std::string> names;
  std::vector<double> train_losses, val_losses;
  for (size_t v = 0; v < variants.size(); ++v) {
    const Variant& variant = variants[v];
    px::nn::Sequential model = primer::mlp(128, 3, variant.dropout);
    px::optim::Adam adam(model.parameters(), {.lr = 0.01, .weight_decay = variant.weight_decay});
    const px::train::History history = px::train::fit(model, adam, "mse", task.train,
                                                      {.epochs = epochs,
                                                       .batch_size = task.train.size(),
                                                       .validation = task.validation,
                                                       .verbose = 0});
    // The training loss in eval mode (dropout off), so that both sides measure the same network.
    const double train = px::train::evaluate(model, "mse", task.train).loss;
    const double val = history.last().val_loss.value();
    std::printf("%-24s train %.4f, validation %.4f, gap %.4f\n", variant.label.c_str(), train, val,
                val - train);
    claim((variant.key + "_gap").c_str(), val - train);
    claim((variant.key + "_val").c_str(), val);
    const int colour = static_cast<int>(v) + 1;
    const std::vector<double> val_curve = history.series("val_loss");
    curves.line({variant.label, primer::iota(val_curve.size(), 1), val_curve}, {.colour = colour});
    functions.line(primer::curve_of(model, variant.label), {.colour = colour});
    names.push_back(variant.label);
    train_losses.push_back(train);
    val_losses.push_back(val);
  }
  px::plot::Figure bars(680, 420);
  bars.title("final training and validation loss").ylabel("MSE");
  bars.bars(names, {{"training", train_losses}, {"validation", val_losses}});
  primer::save(bars, args, "regularization_gap");
  primer::save(curves, args, "regularization_curves");
  primer::save(functions, args, "regularization_functions");
  return 0;
}
