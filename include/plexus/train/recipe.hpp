// The training recipe of `plexus train` as a library: the network a recipe describes, trained on
// prepared data (data/prepare.hpp) with the recipe's optimizer, schedule and early stopping, the
// regression target standardised while training and folded back into the last layer after. With
// data::prepare_table, the whole pipeline of the command in a few lines:
//
//   auto data = px::data::prepare_table(px::data::read_csv("houses.csv"), {.target = "price"});
//   auto trained = px::train::train_model(data, px::train::default_recipe(data));
//   auto scores = px::train::score(trained.network, data.x_test, data.y_test, data.classes.size());
//   px::io::save_model(trained.network, "houses.plx", px::train::model_info(data));
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/data/streaming.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/train/fit.hpp"
#include "plexus/train/history.hpp"

namespace plexus::train {

/// A classifier's label smoothing: measured on the tabular benchmark (bench/TABULAR.md: fewer
/// errors on the larger sets, LetterRecognition 0.048 -> 0.036) and on Fashion-MNIST.
inline constexpr double kDefaultLabelSmoothing = 0.1;

/// What is trained and how; the defaults are plexus train's.
struct Recipe {
  // the network: per hidden layer Linear -> BatchNorm1d (batch_norm) -> activation -> Dropout
  std::vector<int64_t> hidden = {256, 128};
  std::string activation = "relu";
  double dropout = 0.1;
  bool batch_norm = false;
  /// Before the first Linear: "periodic" embeds the numeric inputs (nn::PeriodicEmbedding with
  /// its defaults), "none" does not.
  std::string embedding = "none";
  /// Before the first Linear (and the embedding): a learned scale per input (nn::FeatureScale).
  bool feature_scale = false;
  /// Empty: cross_entropy for classification, mse for regression.
  std::string loss;
  /// cross_entropy's label smoothing eps in [0, 1): the target is (1 - eps) one-hot + eps / C.
  /// Unset: kDefaultLabelSmoothing with cross_entropy (a classifier's default loss), none with
  /// another loss; set with another loss (but 0), an error.
  std::optional<double> label_smoothing;
  /// Class weights: "balanced" (n_rows / (classes * n_rows of the class) over the training rows,
  /// scikit-learn's), "name=weight,..." (classes not named weigh 1), or empty (none). Each row's
  /// loss is weighted by its class's weight times its sample weight (PreparedData::w_train), as
  /// scikit-learn's class_weight does; the mean divides by the sum of those weights.
  std::string class_weight;
  /// Quantile regression at these levels (strictly increasing in (0, 1)): one output per level,
  /// sorted per row by nn::Sort after the last Linear so that the quantiles never cross, trained
  /// with the pinball loss at the levels. Empty: one value per output (the loss above).
  std::vector<double> quantiles;
  // the training
  std::string optimizer = "adam";
  double lr = 1e-3;
  /// The Adams' second-moment decay; unset: the optimizer's own (0.999).
  std::optional<double> beta2;
  /// plexus train uses 1e-4 for tables and 0 for arrays (images, .npy).
  double weight_decay = 1e-4;
  std::string schedule = "none";  ///< "none" or a name of optim::schedules()
  double clip_grad = 0.0;         ///< the gradients' largest global L2 norm; 0: no clipping
  int64_t batch_size = 128;
  int64_t epochs = 100;
  /// Epochs without a better val_loss before stopping (and restoring the best weights); 0: off.
  int64_t early_stopping = 10;
  /// Seeds the initialisation, dropout and shuffling.
  uint64_t seed = 0;
};

/// plexus train's recipe for a table of `task`: Recipe{} for classification; when fewer than
/// kSmallTableRows rows train (`training_rows`; 0: not known), in batches of 64 rather than 128,
/// for up to 200 epochs with a patience of 30 rather than 100 and 10;
/// for regression a periodic embedding after a learned per-input scale, no dropout, batches of
/// 32, lr 0.003 and weight decay 0.001 (measured on the tabular benchmark, bench/TABULAR.md).
Recipe default_recipe(data::Task task, int64_t training_rows = 0);

/// The same for prepared data: its task and its training rows.
Recipe default_recipe(const data::PreparedData& data);

/// Below this many training rows a classifier's epoch is short (under 64 batches of 128): it
/// takes batches of 64 and waits longer before it stops early.
inline constexpr int64_t kSmallTableRows = 8192;

/// The most inputs a periodic embedding takes (each becomes 1 + 3 inputs of the first Linear):
/// build_network refuses more; a wider regression table trains without the default one, and the
/// tuner draws no embedding for it.
inline constexpr int64_t kMostEmbeddedInputs = 1000;

/// The inputs of `data` that build_network's periodic embedding would take: a table's numeric
/// values (not its one-hot or missing-indicator inputs), else every input.
int64_t embeddable_inputs(const data::PreparedData& data);

/// Per hidden layer Linear -> BatchNorm1d -> activation -> Dropout, then Linear to `outputs`;
/// before them FeatureScale and PeriodicEmbedding as the recipe says, the embedding taking the
/// inputs at `embedded` (empty: every input).
nn::Sequential build_network(const Recipe& recipe, int64_t inputs, int64_t outputs,
                             const std::vector<int64_t>& embedded = {});
/// The recipe's network for `data`: its inputs, one output per class (or one value), and
/// log_softmax after the last layer for the nll loss. A table's embedding takes the numeric
/// columns' values (data::Preprocessing::numeric_value_outputs); arrays embed every input.
nn::Sequential build_network(const Recipe& recipe, const data::PreparedData& data);
/// Scales the last Linear layer so the network outputs y * std + mean.
void fold_target_scaling(nn::Sequential& network, double mean, double std);
int64_t parameter_count(const nn::Module& module);

/// The recipe's loss for a task: its own, or cross_entropy / mse.
std::string loss_name(const Recipe& recipe, data::Task task);
/// Whether the loss `name` trains a task (class indices for classification, values else).
bool loss_fits(const std::string& name, data::Task task);
/// Refuses data and a recipe that cannot train together, before any training: a classification
/// target with one class (Error, naming `data_name` and the class) and a loss that does not fit
/// the task (SettingsError, naming the losses that do). The in-memory and streaming paths both
/// call it.
void check_trainable(const Recipe& recipe, const data::PreparedData& data,
                     const std::string& data_name);
/// The weight of each of data.classes, in its order, that `class_weight` (Recipe::class_weight)
/// asks for; empty when it is empty. Throws for a regression task, an unknown class (listing the
/// classes), a weight that is not a finite non-negative number, and "balanced" when a class has
/// no training rows.
std::vector<double> class_weights(const std::string& class_weight, const data::PreparedData& data);

struct TrainedModel {
  nn::Sequential network;  ///< in eval mode; a regressor outputs the target's units
  History history;
  size_t best_epoch = 0;        ///< from 0: the restored epoch with early stopping, else the best
  bool early_stopping = false;  ///< early stopping was on, and restored the best epoch's weights
  size_t training_rows = 0;
  size_t batch_size = 0;              ///< the recipe's, at most the training rows
  std::vector<double> class_weights;  ///< per class, as class_weights() gave them; empty: none
  double seconds = 0;                 ///< in fit
  /// Training rows times the epochs this call ran (a resumed run's earlier epochs not counted),
  /// per second of fit.
  double samples_per_second = 0;
};

/// Trains the recipe on data.x_train (validating on data.x_validation when there is one). The
/// loss weighs each row by data.w_train (w_validation) and the recipe's class weights; so does
/// the validation loss early stopping watches. The metrics fit records are unweighted.
/// `options` carries what the recipe does not say: progress (verbose), extra callbacks,
/// checkpoints, interruption, resuming, data-parallel training; train_model sets the rest.
TrainedModel train_model(const data::PreparedData& data, const Recipe& recipe,
                         FitOptions options = {});
/// The same, training `network` (build_network(recipe, data), built by the caller to show it).
TrainedModel train_model(nn::Sequential network, const data::PreparedData& data,
                         const Recipe& recipe, FitOptions options = {});

/// The recipe trained on rows streamed from files (data/streaming.hpp): each epoch the
/// training rows in a shuffled chunk order through a shuffle buffer of `shuffle_rows` rows,
/// validated on the streamed validation rows; a regression target is standardised by the training
/// rows' mean and std from the fitting pass. No class or sample weights yet. `network`:
/// build_network(recipe, data.prepared()).
TrainedModel train_model(nn::Sequential network, const data::StreamingTable& data,
                         const Recipe& recipe, FitOptions options, size_t shuffle_rows);

/// The outputs of `network` (eval mode, no grad) on every batch of one epoch of `batches`, and
/// the batches' targets, in order: [N, outputs] and [N] or [N, 1]. Batches shared among the
/// processes of a distributed run (data::BatchShare) are gathered: every process gets every row.
std::pair<Tensor, Tensor> forward_batches(nn::Module& network, data::BatchSource& batches);

/// What a model file needs besides the weights: task, classes, features, the input pipeline.
io::ModelInfo model_info(const data::PreparedData& data);

}  // namespace plexus::train
