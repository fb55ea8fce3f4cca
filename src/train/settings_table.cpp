// The table of training settings: every key, its flag's help, its kind, its bounds and choices.
#include <string>
#include <vector>

#include "plexus/base/text.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/train/settings.hpp"

namespace plexus::train {
namespace {

using Kind = SettingKind;

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& info : nn::activations()) names.push_back(info.name);
  return names;
}
std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const auto& info : optim::optimizers()) names.push_back(info.name);
  return names;
}
std::vector<std::string> schedule_names() {
  std::vector<std::string> names = {"none"};
  for (const auto& info : optim::schedules()) names.push_back(info.name);
  return names;
}

constexpr Bounds kPositive{.min = 0.0, .min_open = true};
constexpr Bounds kNonNegative{.min = 0.0};
constexpr Bounds kAtLeastOne{.min = 1.0};

std::vector<Setting> make_table() {
  using S = TrainSettings;
  return {
      {"data",
       "training data: fashion-mnist, an MNIST-style IDX folder, FILE.csv, or FILE.npy with "
       "--labels",
       Kind::text, &S::data},
      {"labels", "the targets of a .npy --data (FILE.npy)", Kind::text, &S::labels},
      {"test",
       "test data in the format of --data (default: 20% of --data held out, or an IDX folder's "
       "t10k files)",
       Kind::text, &S::test},
      {"test_labels", "the targets of a .npy --test", Kind::text, &S::test_labels},
      {"target", "CSV target column, name or 0-based index (default: the last)", Kind::text,
       &S::target},
      {"features", "CSV columns to use, comma-separated (default: all others)", Kind::text_list,
       &S::features},
      {"ignore", "CSV columns not to use (ids, free text), comma-separated", Kind::text_list,
       &S::ignore},
      {"categorical", "CSV columns to one-hot encode even if numeric, comma-separated",
       Kind::text_list, &S::categorical},
      {"impute",
       "fill missing cells: auto (the median or most frequent value, plus a missing indicator "
       "or category where the training rows have gaps), none (missing cells are errors), mean, "
       "median, most-frequent (default: auto)",
       Kind::choice,
       &S::impute,
       {},
       {"auto", "none", "mean", "median", "most-frequent"}},
      {"scaling",
       "numeric columns: robust (median and interquartile range, then a smooth clip to about +-3) "
       "or standard ((x - mean) / std) (default: robust)",
       Kind::choice,
       &S::scaling,
       {},
       {"robust", "standard"}},
      {.key = "header",
       .help = "the CSV's first row is a header (default: detected)",
       .kind = Kind::optional_boolean,
       .field = &S::header,
       .negative_help = "the CSV has no header row"},
      {"delimiter", "CSV field separator: one character, or \\t (default: detected)",
       Kind::character, &S::delimiter},
      {"task",
       "classification or regression (default: inferred)",
       Kind::choice,
       &S::task,
       {},
       {"classification", "regression"},
       true},
      {"weight_column",
       "CSV column of each row's sample weight (a non-negative number; not a feature): the loss "
       "is the weighted mean",
       Kind::text, &S::weight_column},
      {.key = "stream",
       .help = "read --data (a CSV, .csv.gz, folder or glob of shards, or a .npy with --labels) "
               "in chunks while training, in bounded memory (default: when reading it whole "
               "would take more than --memory)",
       .kind = Kind::optional_boolean,
       .field = &S::stream,
       .negative_help = "read --data whole, however large"},
      {"memory",
       "memory budget, e.g. 1G or 512M (default: half of the memory available): decides "
       "streaming and sizes its chunks and shuffle buffer",
       Kind::text, &S::memory},
      {"shuffle_buffer",
       "streaming: rows each batch row is drawn from at random (default: 0, a quarter of "
       "--memory)",
       Kind::integer, &S::shuffle_buffer, kNonNegative},
      {"embed_categories_above",
       "a categorical column with more categories than this becomes one index input and a "
       "learned embedding in front of the network; fewer stay one-hot (default: 100; 0: all "
       "one-hot)",
       Kind::integer, &S::embed_categories_above, kNonNegative},
      {"hidden", "hidden layer widths, comma-separated (default: 256,128)", Kind::integer_list,
       &S::hidden, kAtLeastOne},
      {"activation",
       "activation: " + join(activation_names()) + " (default: relu)",
       Kind::choice,
       &S::activation,
       {},
       activation_names()},
      {"dropout",
       "dropout after each hidden layer (default: 0.1, 0 for regression tables; 0: none)",
       Kind::number,
       &S::dropout,
       {.min = 0.0, .max = 1.0, .max_open = true}},
      {"batch_norm", "BatchNorm1d after each hidden Linear layer", Kind::boolean, &S::batch_norm},
      {"embedding",
       "embedding of the numeric inputs before the first Linear: none, periodic (default: none, "
       "periodic for regression tables)",
       Kind::choice,
       &S::embedding,
       {},
       {"none", "periodic"}},
      {.key = "feature_scale",
       .help = "a learned scale per input (FeatureScale) before the first Linear (default: on "
               "for regression tables)",
       .kind = Kind::optional_boolean,
       .field = &S::feature_scale,
       .negative_help = "no learned scale per input (the default for classification)"},
      {"loss",
       "loss: " + join(loss::names()) +
           " (default: cross_entropy for classification, mse for regression)",
       Kind::choice,
       &S::loss,
       {},
       loss::names(),
       true},
      {"label_smoothing",
       "cross_entropy's label smoothing: the target is (1 - eps) one-hot + eps / classes "
       "(default: 0.1 with cross_entropy)",
       Kind::optional_number,
       &S::label_smoothing,
       {.min = 0.0, .max = 1.0, .max_open = true}},
      {"class_weight",
       "class weights of the loss: balanced (rows / (classes * rows of the class)) or "
       "name=weight,... (others 1) (default: none)",
       Kind::text, &S::class_weight},
      {"quantiles",
       "regression: predict these quantiles of the target, e.g. 0.05,0.5,0.95 (levels in (0, 1), "
       "increasing), trained with the pinball loss; they never cross (default: none, one value)",
       Kind::text, &S::quantiles},
      {"optimizer",
       "optimizer: " + join(optimizer_names()) + " (default: adam)",
       Kind::choice,
       &S::optimizer,
       {},
       optimizer_names()},
      {"lr", "learning rate (default: 0.001, 0.003 for regression tables)", Kind::number, &S::lr,
       kPositive},
      {"beta2",
       "the Adams' second-moment decay (default: 0.999)",
       Kind::optional_number,
       &S::beta2,
       {.min = 0.0, .max = 1.0, .max_open = true}},
      {"weight_decay",
       "L2 weight decay (default: 0.0001 for CSV data, 0.001 for regression tables, 0 for "
       "images and .npy)",
       Kind::optional_number, &S::weight_decay, kNonNegative},
      {"schedule",
       "learning-rate schedule: " + join(schedule_names()) + " (default: none)",
       Kind::choice,
       &S::schedule,
       {},
       schedule_names()},
      {"clip_grad", "clip the gradients' global L2 norm to this (default: 0, off)", Kind::number,
       &S::clip_grad, kNonNegative},
      {"batch_size",
       "mini-batch size (default: 128; 64 for a classification table of fewer than 8192 training "
       "rows, 32 for regression tables)",
       Kind::integer, &S::batch_size, kAtLeastOne},
      {"epochs",
       "the most epochs to run (default: 100; 200 for a classification table of fewer than 8192 "
       "training rows)",
       Kind::integer, &S::epochs, kAtLeastOne},
      {"early_stopping",
       "stop after K epochs without a better val_loss and restore the best weights (default: 10; "
       "30 for a classification table of fewer than 8192 training rows; 0: off)",
       Kind::integer, &S::early_stopping, kNonNegative},
      // Below 1, so that rows are left to train on (data::train_validation_split's bound).
      {"validation_split",
       "fraction of the training rows used for validation (default: 0.1; 0: none)",
       Kind::number,
       &S::validation_split,
       {.min = 0.0, .max = 1.0, .max_open = true}},
      {"ensemble",
       "train K networks, member i validating on fold i of K, and save their mean as one model "
       "(takes K times as long; default: 1)",
       Kind::integer, &S::ensemble, kAtLeastOne},
      {"ensemble_fit",
       "how ensemble members train: bagging (member i on the folds but i), refit (then again on "
       "every row, for the epochs fold i chose), auto (refit for regression, bagging for "
       "classification; default)",
       Kind::choice,
       &S::ensemble_fit,
       {},
       {"auto", "bagging", "refit"}},
      {"calibration",
       "after training, fit a classifier's temperature on the validation rows, kept only if it "
       "lowers their log-loss: temperature, none (default: temperature)",
       Kind::choice,
       &S::calibration,
       {},
       {"temperature", "none"}},
      {"threshold_for",
       "a binary classifier's decision threshold, chosen on the validation rows for f1, "
       "balanced_accuracy, precision@R (best precision with recall >= R) or recall@P (best "
       "recall with precision >= P) (default: none, the most probable class)",
       Kind::text, &S::threshold_for},
      {"cost_matrix",
       "a binary classifier's decision threshold of least cost on the validation rows, the costs "
       "given as fp=1,fn=5 (tp=, tn= too; default: none)",
       Kind::text, &S::cost_matrix},
      {"seed", "seed of the splits, initialisation and shuffling (default: 0)", Kind::integer,
       &S::seed, kNonNegative},
      {"threads", "threads to use (default: the library's)", Kind::integer, &S::threads,
       kNonNegative},
      {"save", "write the trained model here (model.plx)", Kind::text, &S::save},
      {"report", "write an HTML report into this folder", Kind::text, &S::report},
      {"checkpoint", "write a checkpoint into this folder after every epoch (and on Ctrl-C)",
       Kind::text, &S::checkpoint},
  };
}
}  // namespace

const std::vector<Setting>& settings_table() {
  static const std::vector<Setting> table = make_table();
  return table;
}

}  // namespace plexus::train
