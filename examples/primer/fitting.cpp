// The primer's under- and overfitting (§ underfitting and overfitting, figure 17): a network too
// small "does not learn the training data's features"; one too big "does well on the training
// set but, too complex, generalises badly". Three sizes on 40 noisy samples of sin(3x): training
// and validation curves, and the functions they fit.
// Usage: fitting [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const primer::SineTask task;
  const size_t epochs = args.full ? 3000 : 800;

  struct Size {
    std::string key, label;
    int64_t width;
    int depth;
  };
  const std::vector<Size> sizes = {{"small", "too small: 1-1-1", 1, 1},
                                   {"right", "right: 1-16-16-1", 16, 2},
                                   {"big", "too big: 1-128-128-128-1", 128, 3}};
  px::plot::Figure curves(680, 440), functions(680, 440);
  curves.title("training (solid) and validation (dashed) loss")
      .xlabel("epoch")
      .ylabel("MSE")
      .log_y();
  functions.title("the fitted functions and the 40 training samples").xlabel("x").ylabel("y");
  functions.scatter({"training samples", primer::to_doubles(task.train.features()),
                     primer::to_doubles(task.train.targets())});
  for (size_t s = 0; s < sizes.size(); ++s) {
    const Size& size = sizes[s];
    px::nn::Sequential model = primer::mlp(size.width, size.depth);
    px::optim::Adam adam(model.parameters(), {.lr = 0.01});
    const px::train::History history = px::train::fit(model, adam, "mse", task.train,
                                                      {.epochs = epochs,
                                                       .batch_size = task.train.size(),
                                                       .validation = task.validation,
                                                       .verbose = 0});
    const std::vector<double> train = history.series("loss"), val = history.series("val_loss");
    const size_t best = history.best_epoch("val_loss");
    std::printf("%-26s train %.4f, validation %.4f (lowest %.4f at epoch %zu)\n",
                size.label.c_str(), train.back(), val.back(), val[best], best + 1);
    claim((size.key + "_train").c_str(), train.back());
    claim((size.key + "_val").c_str(), val.back());
    claim((size.key + "_val_min").c_str(), val[best]);
    claim((size.key + "_train_at_val_min").c_str(), train[best]);
    const int colour = static_cast<int>(s) + 1;
    curves.line({size.label, primer::iota(train.size(), 1), train}, {.colour = colour});
    curves.line({"", primer::iota(val.size(), 1), val}, {.colour = colour, .dashed = true});
    functions.line(primer::curve_of(model, size.label), {.colour = colour});
  }
  primer::save(curves, args, "fitting_curves");
  primer::save(functions, args, "fitting_functions");
  return 0;
}
