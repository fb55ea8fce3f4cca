// The search of `plexus tune` as a library: configurations of the recipe drawn from a search space,
// trained by successive halving over epochs (many short trials, the best 1/eta of each rung trained
// again for eta times the epochs), each scored out of fold by k-fold cross-validation of the
// training rows (never the test rows), and at the end one model: a greedy ensemble selection
// (Caruana et al., 2004) over the trials' out-of-fold outputs, its members the selected trials'
// fold models (or, with refit, each trained again on every training row), as one nn::Ensemble.
// The order of the trials depends on the seed and the scores only, so a search cut short by a
// time limit after n trials is the first n trials of any longer one, and `max_trials = n` (with
// the refits it managed, max_refits) repeats it bit for bit:
//
//   auto data = px::data::prepare_table(table, {.target = "y"}, {.validation_fraction = 0});
//   px::train::Tuner tuner(data, px::train::Recipe{}, {.max_trials = 20, .seed = 1});
//   px::train::TuneResult result = tuner.run();
//   px::io::save_model(result.network, "y.plx", px::train::model_info(data));
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/error.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/tensor/named_tensors.hpp"
#include "plexus/tensor/tensor.hpp"
#include "plexus/train/ensemble.hpp"
#include "plexus/train/recipe.hpp"

namespace plexus::train {

/// The choices a search draws from. A list: one of its values, each as likely; lr: log-uniform
/// between lr_min and lr_max. Configuration 0 of every search is the base recipe itself (the
/// floor, trained first and for all its epochs); the others draw every choice onto it. docs/TUNE.md
/// lists the JSON keys.
struct SearchSpace {
  std::vector<int64_t> depth = {1, 2, 3};  ///< hidden layers
  std::vector<int64_t> width = {64, 128, 256, 512};
  std::vector<std::string> embedding = {"none", "periodic"};
  double lr_min = 3e-4, lr_max = 3e-3;
  std::vector<double> dropout = {0.0, 0.1, 0.2, 0.3};
  std::vector<double> weight_decay = {0.0, 1e-5, 1e-4, 1e-3};
  std::vector<int64_t> batch_size = {32, 64, 128, 256};
  std::vector<double> label_smoothing = {0.0, 0.1};  ///< classification only
  std::vector<std::string> schedule = {"none", "coslog4"};
  std::vector<double> beta2 = {0.95, 0.999};
};

/// How the final ensemble is chosen from the trials' out-of-fold outputs.
enum class EnsembleSelection {
  greedy,  ///< Caruana's forward selection with replacement: a trial may count several times
  top_k,   ///< the best top_k trials, each once
};

/// A search space with the keys of a JSON object replacing the defaults; an unknown key, a
/// value of the wrong kind or an empty list is an Error naming `source` and the key.
SearchSpace search_space_from_json(std::string_view json, std::string_view source);
/// Configuration `index` of a search seeded with `seed`: index 0 is `base`; the others take
/// base's epochs and early stopping and draw the rest from `space` (label smoothing only for
/// classification, beta2 only for an Adam-like optimizer).
Recipe sample_recipe(const SearchSpace& space, const Recipe& base, uint64_t seed, size_t index,
                     data::Task task);
/// One line: "2x256 periodic lr 0.0012 dropout 0.1 wd 0.0001 batch 128 ls 0.1 coslog4 b2 0.95"
/// (the embedding and the schedule when not none).
std::string describe_recipe(const Recipe& recipe);
/// The searched choices as a JSON object (text).
std::string recipe_json(const Recipe& recipe);

/// Cross-validation folds by training rows: 5 below 20,000, 3 below 100,000, else 1 (a holdout).
size_t default_folds(size_t rows);

struct TrialRecord {
  size_t trial = 0;          ///< from 0, in the order of the search
  size_t configuration = 0;  ///< sample_recipe's index
  size_t rung = 0;           ///< of successive halving, from 0
  Recipe recipe;             ///< epochs: this trial's budget
  /// Out of fold: log loss at `temperature` (classification) or RMSE (regression); lower is
  /// better; +inf for a trial that diverged.
  double score = 0;
  /// Classification: the temperature fitted to the trial's out-of-fold logits (1 otherwise).
  /// Scored at it, a trial is ranked by what its outputs tell apart, not by how confident its
  /// recipe makes them (label smoothing softens them, costing log loss but not accuracy), and
  /// the ensemble averages its members on one scale: each member's logits divided by it.
  double temperature = 1;
  double metric = 0;   ///< out of fold: accuracy, or R2
  double seconds = 0;  ///< training time
  /// Per fold model, the epoch (from 0) its early stopping kept: a refit trains for one more.
  std::vector<int64_t> best_epochs;
};

/// A trial in the final ensemble, counted `weight` times (its fold models are members that
/// often).
struct EnsembleMember {
  size_t trial = 0;
  size_t weight = 1;
};

struct TuneOptions {
  SearchSpace space;
  /// Folds of the training rows; 0: default_folds; 1: a holdout of a fifth of the rows.
  size_t folds = 0;
  /// Trials to run; 0: no bound (then a time limit must end the search).
  size_t max_trials = 0;
  /// Seconds from `start` by which run() returns with its model: trials stop early enough to
  /// leave time for the assembly; one the limit cuts off is dropped (or, when no trial finished,
  /// its fold models are used as they are).
  std::optional<double> time_limit;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  size_t eta = 3;    ///< successive halving keeps the best 1/eta of a rung
  size_t rungs = 3;  ///< a configuration's epochs: base.epochs / eta^(rungs - 1 - rung)
  EnsembleSelection selection = EnsembleSelection::greedy;
  /// How the chosen trials' fold models become members: bagging keeps them as they are; refit
  /// trains each again on every training row for the epochs its fold chose (seed + fold), member
  /// by member in the ensemble's order, each replacing its fold model once done. Unset:
  /// bagging, for either task. Measured on the tabular benchmark's regression sets
  /// (bench/TABULAR.md): refit's gain for the same trials (0.6% less RMSE) is spent by the
  /// search time it takes under a time limit, and bagged members are the networks whose
  /// out-of-fold residuals calibrate the intervals.
  std::optional<EnsembleFit> fit;
  /// With refit and a time limit: the most of the limit the trials leave to the refits (as the
  /// trials finish, the room shrinks to what the five best-scored trials' refits should take).
  /// The refits stop at the limit (less the assembly's room); a fold model not refit stays.
  double refit_share = 0.2;
  /// Refit at most this many fold models (a time-limited run's count, to repeat it).
  std::optional<size_t> max_refits;
  size_t selection_rounds = 10;  ///< greedy: members added (with replacement)
  size_t top_k = 5;              ///< top_k: trials averaged
  /// Seeds the configurations and the folds (each trial's networks use its recipe's seed).
  uint64_t seed = 0;
  /// Each finished trial is written here (its fold models and out-of-fold outputs); with
  /// resume, the trials already there are read instead of trained.
  std::optional<std::filesystem::path> checkpoint_dir;
  bool resume = false;
  /// When it turns true (a signal handler), the running trial stops and run() throws
  /// TuneInterrupted.
  const std::atomic<bool>* interrupt = nullptr;
  /// Called after every finished (or resumed) trial.
  std::function<void(const TrialRecord&, bool resumed)> on_trial;
  /// Called as a member's fold models start their refits.
  std::function<void(const TrialRecord&)> on_refit;
  /// Deal the trials to the processes of an mpirun job (distributed::init() first): each round
  /// of independent trials (a rung) runs world_size at a time, one per process, and the finished
  /// trials are exchanged, so every process ends with the leaderboard and model one process would
  /// give, bit for bit (a trial's training does not depend on where it ran).
  bool distributed = false;
};

struct TuneResult {
  std::vector<TrialRecord> trials;  ///< the finished trials, in the order run
  size_t folds = 0;
  std::vector<EnsembleMember> members;
  double score = 0;   ///< the ensemble's out-of-fold score (NaN when no trial finished)
  double metric = 0;  ///< the ensemble's out-of-fold accuracy or R2
  /// The ensemble's out-of-fold outputs on the rows the folds held out (every training row, or
  /// fold 0's with a holdout), each row by the fold models that did not train on it, and those
  /// rows' targets: held-out rows to calibrate the saved model on (train::calibrate). Undefined
  /// when partial.
  Tensor held_out_outputs, held_out_targets;
  /// nn::Ensemble of the members' fold models inside a Sequential, in eval mode.
  nn::Sequential network;
  bool time_limit_reached = false;
  /// Fold models of the members refit on every training row (TuneOptions::fit), and whether
  /// the time limit (or max_refits) left some as they were.
  size_t refits = 0;
  bool refits_cut_short = false;
  /// No trial finished in time: the network is the cut-off trial's fold models as they were.
  bool partial = false;
  double seconds = 0;  ///< from options.start to the end of the assembly
};

/// Ctrl-C (TuneOptions::interrupt) stopped the search; the finished trials are in the checkpoint.
class TuneInterrupted : public Error {
 public:
  TuneInterrupted(const std::string& message, size_t trials) : Error(message), trials(trials) {}
  size_t trials;  ///< finished
};

/// The search over `data`'s training rows (prepared without validation rows: the folds come from
/// them), from `base` (configuration 0, and the epochs of the last rung).
class Tuner {
 public:
  Tuner(const data::PreparedData& data, Recipe base, TuneOptions options);
  TuneResult run();

 private:
  struct Trial;
  struct Outcome;
  Trial train_trial(const TrialRecord& record);
  /// Trains the trial, or reads it back from the checkpoint; a trial the time limit does not let
  /// start, or cuts off, comes back as such. Throws TuneInterrupted.
  Outcome obtain(TrialRecord record);
  /// Adds a finished trial to the result, or stops the search at one that did not finish.
  void accept(Outcome outcome, TuneResult& result);
  /// Independent trials, in order: one after another, or dealt to the processes (distributed);
  /// accepted in order until one stops the search.
  void run_round(const std::vector<TrialRecord>& round, TuneResult& result);
  void run_round_distributed(const std::vector<TrialRecord>& round, TuneResult& result);
  /// An outcome as bytes (the checkpoint file's format) and back, to send between processes.
  std::string encode(const Outcome& outcome) const;
  Outcome decode(std::string_view bytes, const TrialRecord& expected) const;
  /// Networks of `recipe` holding the states saved under "fold<m>." in `tensors`, in eval mode.
  std::vector<nn::Sequential> fold_models(const NamedTensors& tensors, size_t count,
                                          const Recipe& recipe) const;
  bool out_of_time() const;
  void assemble(TuneResult& result);
  /// With refit and a time limit: moves the trials' deadline to leave room for the refits of the
  /// trials finished so far.
  void leave_room_for_refits(const TuneResult& result);
  /// TuneOptions::fit refit: the members' fold models trained again on every training row.
  void refit_members(TuneResult& result);

  const data::PreparedData& data_;
  Recipe base_;
  TuneOptions options_;
  std::vector<size_t> fold_;          ///< each training row's fold
  std::vector<int64_t> scored_rows_;  ///< the rows held out by a trained fold (all, or fold 0)
  size_t folds_ = 0;
  std::chrono::steady_clock::time_point trials_deadline_, refits_deadline_;
  double most_refit_seconds_ = 0;
  std::vector<Tensor> out_of_fold_;                       ///< per finished trial
  std::vector<std::vector<nn::Sequential>> fold_models_;  ///< per finished trial
  std::vector<nn::Sequential> partial_models_;            ///< of the trial the time limit cut off
  bool stopped_ = false;
};

/// The out-of-fold score of outputs (logits [N, C] or values [N, 1]) on `rows` of `targets`:
/// log loss or RMSE, as a trial's score.
double out_of_fold_score(const Tensor& outputs, const Tensor& targets,
                         const std::vector<int64_t>& rows, data::Task task);

/// Greedy ensemble selection with replacement over out-of-fold outputs (lower score better):
/// `rounds` times the candidate whose addition gives the best mean, ties to the earlier one;
/// the weights divided by their greatest common divisor.
std::vector<EnsembleMember> select_greedy(const std::vector<Tensor>& outputs, const Tensor& targets,
                                          const std::vector<int64_t>& rows, data::Task task,
                                          size_t rounds);

/// One network (nn::Ensemble in a Sequential, in eval mode) whose output is the mean over
/// `members`, each weighted by its weight, of the mean of its models (models[member.trial])
/// divided by temperatures[member.trial] (1 when `temperatures` is empty): the model plexus tune
/// saves. A model ending in a Linear layer is copied once with that layer scaled; another is
/// repeated weight times and must have temperature 1.
nn::Sequential weighted_ensemble(const std::vector<std::vector<nn::Sequential>>& models,
                                 const std::vector<EnsembleMember>& members,
                                 const std::vector<double>& temperatures = {});

}  // namespace plexus::train
