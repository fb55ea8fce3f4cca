// The primer's early stopping (§ regularization, figure 19): the validation loss falls, then
// rises while the training loss keeps falling. "Keep the lowest loss so far; when k epochs in a
// row, e.g. 10, bring no improvement, stop." px::train::EarlyStoppingCallback on the too-big
// network of `fitting`, with patience 10 and the best weights restored.
// Usage: early_stopping [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const primer::SineTask task;
  const size_t patience = 10;

  // Without early stopping, for the curve it cuts short.
  px::nn::Sequential full_run = primer::mlp(128, 3);
  px::optim::Adam full_adam(full_run.parameters(), {.lr = 0.01});
  const px::train::History full_history = px::train::fit(full_run, full_adam, "mse", task.train,
                                                         {.epochs = args.full ? 1500u : 300u,
                                                          .batch_size = task.train.size(),
                                                          .validation = task.validation,
                                                          .verbose = 0});

  px::nn::Sequential model = primer::mlp(128, 3);
  px::optim::Adam adam(model.parameters(), {.lr = 0.01});
  px::train::EarlyStoppingCallback early(
      {.monitor = "val_loss", .patience = patience, .restore_best_weights = true});
  const px::train::History history = px::train::fit(model, adam, "mse", task.train,
                                                    {.epochs = 1000,
                                                     .batch_size = task.train.size(),
                                                     .validation = task.validation,
                                                     .callbacks = {early},
                                                     .verbose = 0});
  const size_t best = early.best_epoch().value(), stopped = early.stopped_epoch().value();
  const double restored = px::train::evaluate(model, "mse", task.validation).loss;
  std::printf("best epoch %zu (validation loss %.5f); stopped after epoch %zu, %zu epochs later\n",
              best + 1, early.best(), stopped + 1, stopped - best);
  std::printf("validation loss of the restored weights: %.5f; of the last epoch's: %.5f\n",
              restored, history.last().val_loss.value());
  claim("best_epoch", static_cast<double>(best));
  claim("stopped_epoch", static_cast<double>(stopped));
  claim("epochs_run", static_cast<double>(history.epochs()));
  claim("patience", static_cast<double>(patience));
  claim("best_val_loss", early.best());
  claim("restored_val_loss", restored);
  claim("last_val_loss", history.last().val_loss.value());

  px::plot::Figure figure(680, 440);
  figure.title("early stopping with patience 10").xlabel("epoch").ylabel("MSE").log_y();
  const std::vector<double> train = full_history.series("loss");
  const std::vector<double> val = full_history.series("val_loss");
  figure.line({"training loss", primer::iota(train.size(), 1), train});
  figure.line({"validation loss", primer::iota(val.size(), 1), val}, {.dashed = true});
  figure.vline(static_cast<double>(best + 1), "best epoch " + std::to_string(best + 1));
  figure.vline(static_cast<double>(stopped + 1), "stop " + std::to_string(stopped + 1));
  primer::save(figure, args, "early_stopping");
  return 0;
}
