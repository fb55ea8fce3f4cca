// The search of plexus tune: folds of the training rows, trials over them (each a train_model run
// per fold, scored on the rows it held out), successive halving in synchronous rungs, the time
// limit checked between batches, finished trials written to (and read back from) the checkpoint
// folder, and the ensemble assembled at the end.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "plexus/data/split.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/io/safetensors.hpp"
#include "plexus/nn/ensemble.hpp"
#include "plexus/ops/shape_ops.hpp"
#include "plexus/train/calibration.hpp"
#include "plexus/train/callback.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/metrics.hpp"
#include "plexus/train/tune.hpp"
#include "train/tune_detail.hpp"

namespace plexus::train {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// Stops fit between batches once the deadline has passed.
class Deadline : public Callback {
 public:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  void on_batch_end(size_t, const BatchLog&) override {
    if (Clock::now() < at_) return;
    reached = true;
    stop_training();
  }
  bool reached = false;

 private:
  Clock::time_point at_;
};

/// A trial's or a refit's training: silent, stopped by Ctrl-C, and by the deadline with a limit.
FitOptions quiet_fit(const TuneOptions& options, Deadline& deadline) {
  FitOptions fit;
  fit.verbose = 0;
  fit.interrupt = options.interrupt;
  if (options.time_limit) fit.callbacks.push_back(deadline);
  return fit;
}

std::filesystem::path trial_file(const std::filesystem::path& dir, size_t trial) {
  char name[32];
  std::snprintf(name, sizeof name, "trial-%05zu.safetensors", trial);
  return dir / name;
}

}  // namespace

json record_json(const TrialRecord& r, size_t models) {
  return {{"trial", r.trial},   {"configuration", r.configuration},
          {"rung", r.rung},     {"recipe", json::parse(recipe_json(r.recipe))},
          {"score", r.score},   {"temperature", r.temperature},
          {"metric", r.metric}, {"seconds", r.seconds},
          {"models", models},   {"best_epochs", r.best_epochs}};
}

void read_record_json(const json& stored, TrialRecord& record) {
  record.score = stored.at("score").is_null() ? std::numeric_limits<double>::infinity()
                                              : stored.at("score").get<double>();
  record.metric = stored.at("metric").is_null() ? std::nan("") : stored.at("metric").get<double>();
  record.seconds = stored.at("seconds").get<double>();
  PLEXUS_CHECK(
      stored.contains("temperature") && stored.contains("best_epochs"), "trial ", record.trial + 1,
      " was saved by an older plexus, which scored trials otherwise: ", "start the search again");
  record.temperature = stored.at("temperature").get<double>();
  record.best_epochs = stored.at("best_epochs").get<std::vector<int64_t>>();
}

NamedTensors trial_tensors(const std::vector<nn::Sequential>& models, const Tensor& out_of_fold) {
  NamedTensors tensors;
  for (size_t m = 0; m < models.size(); ++m)
    for (const auto& [name, tensor] : models[m].state_dict())
      tensors.emplace_back("fold" + std::to_string(m) + "." + name, tensor);
  if (out_of_fold.defined()) tensors.emplace_back("out_of_fold", out_of_fold);
  return tensors;
}

namespace {

/// outputs / temperature, as the ensemble computes it with its member's last layer scaled.
Tensor divided(const Tensor& outputs, double temperature) {
  if (temperature == 1.0) return outputs;
  Tensor out = Tensor::empty(outputs.shape());
  const double scale = 1.0 / temperature;
  for (size_t i = 0; i < out.numel(); ++i)
    out.data()[i] = static_cast<float>(outputs.data()[i] * scale);
  return out;
}

/// The mean of `outputs` (a trial chosen twice is in it twice), as nn::Ensemble computes it: a
/// sum, then times 1/K.
Tensor mean_of(const std::vector<const Tensor*>& outputs) {
  Tensor sum = Tensor::zeros(outputs.front()->shape());
  for (const Tensor* t : outputs)
    for (size_t i = 0; i < sum.numel(); ++i) sum.data()[i] += t->data()[i];
  const float scale = 1.0f / static_cast<float>(outputs.size());
  for (size_t i = 0; i < sum.numel(); ++i) sum.data()[i] *= scale;
  return sum;
}

}  // namespace

struct Tuner::Trial {
  std::vector<nn::Sequential> models;
  Tensor out_of_fold;
  double seconds = 0;
  std::vector<int64_t> best_epochs;  ///< per fold model
  bool cut_off = false;              ///< by the time limit
  bool diverged = false;             ///< a NaN or Inf stopped a fold's training
};

Tuner::Tuner(const data::PreparedData& data, Recipe base, TuneOptions options)
    : data_(data), base_(std::move(base)), options_(std::move(options)) {
  PLEXUS_CHECK(options_.max_trials > 0 || options_.time_limit,
               "Tuner: give max_trials or a time limit (or both)");
  PLEXUS_CHECK(
      !data.has_validation(), "Tuner: the data has validation rows of its own; the ",
      "trials validate on folds of the training rows (prepare with validation_fraction 0)");
  PLEXUS_CHECK(options_.eta >= 2 && options_.rungs >= 1, "Tuner: eta must be at least 2 and ",
               "rungs at least 1");
  // A table too wide for the periodic embedding trains every trial without it.
  auto& embeddings = options_.space.embedding;
  if (embeddable_inputs(data) > kMostEmbeddedInputs) {
    embeddings.erase(std::remove(embeddings.begin(), embeddings.end(), "periodic"),
                     embeddings.end());
    if (embeddings.empty()) embeddings.push_back("none");
  }
  const auto rows = static_cast<size_t>(data.x_train.shape(0));
  folds_ = options_.folds ? options_.folds : default_folds(rows);
  // A holdout is fold 0 of five: a fifth of the rows.
  const size_t parts = folds_ == 1 ? 5 : folds_;
  PLEXUS_CHECK(rows >= 2 * parts, "Tuner: ", rows, " training rows are too few for ", parts,
               " folds");
  std::vector<int64_t> classes;
  if (data.classification())
    for (size_t r = 0; r < rows; ++r)
      classes.push_back(static_cast<int64_t>(data.y_train.data()[r]));
  // Seeded apart from the test split (seed) and a validation split (seed + 1), as train_ensemble.
  fold_ = data::fold_rows(rows, parts, options_.seed + 2, classes);
  for (size_t r = 0; r < rows; ++r)
    if (folds_ > 1 || fold_[r] == 0) scored_rows_.push_back(static_cast<int64_t>(r));
  if (options_.time_limit) {
    PLEXUS_CHECK(options_.refit_share >= 0 && options_.refit_share < 1,
                 "Tuner: refit_share must be in [0, 1)");
    // Room for the assembly and the save after the last trial: well under a second for dozens
    // of members; 3% of the limit on top (at most 10 s) covers larger data and slower disks.
    const double reserve = 0.25 + std::min(0.03 * *options_.time_limit, 10.0);
    const double working = *options_.time_limit - reserve;
    const auto at = [&](double seconds) {
      return options_.start +
             std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    };
    refits_deadline_ = at(working);
    most_refit_seconds_ = options_.fit == EnsembleFit::refit ? options_.refit_share * working : 0;
    trials_deadline_ = at(working - most_refit_seconds_);
  }
}

void Tuner::leave_room_for_refits(const TuneResult& result) {
  if (options_.fit != EnsembleFit::refit || !options_.time_limit) return;
  // The members are mostly among the best-scored trials: room for the five best, each as long as
  // its refit should take. A refit trains each fold model's network on all the rows rather than
  // (K-1)/K of them, for the epochs its early stopping kept rather than those it ran (its
  // patience more), so K/(K-1) of the trial's time times that share of its epochs. At most
  // refit_share of the limit.
  std::vector<const TrialRecord*> best;
  for (const TrialRecord& trial : result.trials) best.push_back(&trial);
  const size_t counted = std::min<size_t>(5, best.size());
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(counted), best.end(),
                    [](const TrialRecord* a, const TrialRecord* b) { return a->score < b->score; });
  const double parts = static_cast<double>(folds_ == 1 ? 5 : folds_);
  double room = 0;
  for (size_t i = 0; i < counted; ++i) {
    const TrialRecord& trial = *best[i];
    double kept = 0, ran = 0;
    for (int64_t epoch : trial.best_epochs) {
      kept += static_cast<double>(epoch + 1);
      ran += static_cast<double>(
          trial.recipe.early_stopping > 0
              ? std::min(trial.recipe.epochs, epoch + 1 + trial.recipe.early_stopping)
              : trial.recipe.epochs);
    }
    if (ran > 0) room += trial.seconds * parts / (parts - 1) * kept / ran;
  }
  trials_deadline_ =
      refits_deadline_ - std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(std::min(room, most_refit_seconds_)));
}

bool Tuner::out_of_time() const { return options_.time_limit && Clock::now() >= trials_deadline_; }

Tuner::Trial Tuner::train_trial(const TrialRecord& record) {
  Trial trial;
  const auto rows = static_cast<size_t>(data_.x_train.shape(0));
  const int64_t outputs = data_.classification() ? static_cast<int64_t>(data_.classes.size()) : 1;
  trial.out_of_fold = Tensor::zeros({static_cast<int64_t>(rows), outputs});
  Deadline deadline(trials_deadline_);
  for (size_t fold = 0; fold < folds_; ++fold) {
    std::vector<int64_t> training, held_out;
    for (size_t r = 0; r < rows; ++r)
      (fold_[r] == fold ? held_out : training).push_back(static_cast<int64_t>(r));
    data::PreparedData part = data_;
    part.x_train = index_rows(data_.x_train, training);
    part.y_train = index_rows(data_.y_train, training);
    part.x_validation = index_rows(data_.x_train, held_out);
    part.y_validation = index_rows(data_.y_train, held_out);
    TrainedModel run;
    try {
      run = train_model(part, record.recipe, quiet_fit(options_, deadline));
    } catch (const DivergedError&) {
      trial.diverged = true;
      return trial;
    } catch (const Interrupted&) {
      throw TuneInterrupted("plexus tune: interrupted in trial " + std::to_string(record.trial + 1),
                            record.trial);
    }
    trial.seconds += run.seconds;
    trial.models.push_back(run.network);
    trial.best_epochs.push_back(static_cast<int64_t>(run.best_epoch));
    if (deadline.reached) {
      trial.cut_off = true;
      return trial;
    }
    const Tensor held = io::forward_in_batches(run.network, part.x_validation);
    for (size_t i = 0; i < held_out.size(); ++i)
      std::copy_n(held.data() + i * outputs, outputs,
                  trial.out_of_fold.data() + held_out[i] * outputs);
  }
  return trial;
}

std::vector<nn::Sequential> Tuner::fold_models(const NamedTensors& tensors, size_t count,
                                               const Recipe& recipe) const {
  std::vector<nn::Sequential> models;
  for (size_t m = 0; m < count; ++m) {
    const std::string prefix = "fold" + std::to_string(m) + ".";
    NamedTensors state;
    for (const auto& [name, tensor] : tensors)
      if (name.starts_with(prefix)) state.emplace_back(name.substr(prefix.size()), tensor);
    nn::Sequential network = build_network(recipe, data_);
    network.load_state_dict(state);
    network.eval();
    models.push_back(std::move(network));
  }
  return models;
}

Tuner::Outcome Tuner::obtain(TrialRecord record) {
  if (options_.interrupt && options_.interrupt->load())
    throw TuneInterrupted("plexus tune: interrupted", record.trial);
  if (out_of_time()) return {.status = Outcome::Status::not_started, .record = record};
  const std::optional<std::filesystem::path> file =
      options_.checkpoint_dir ? std::optional(trial_file(*options_.checkpoint_dir, record.trial))
                              : std::nullopt;
  std::error_code ec;
  if (options_.resume && file && std::filesystem::exists(*file, ec)) {
    io::SafetensorsFile saved = io::load_safetensors(*file);
    const json stored = json::parse(saved.metadata.at(kTrialKey));
    PLEXUS_CHECK(stored.at("recipe") == json::parse(recipe_json(record.recipe)), file->string(),
                 ": trial ", record.trial + 1, " was another configuration (a checkpoint of ",
                 "another search: resume with its data, seed and search space)");
    read_record_json(stored, record);
    Outcome resumed{.status = Outcome::Status::resumed, .record = record};
    resumed.models = fold_models(saved.tensors, stored.at("models").get<size_t>(), record.recipe);
    for (const auto& [name, tensor] : saved.tensors)
      if (name == "out_of_fold") resumed.out_of_fold = tensor;
    return resumed;
  }
  Trial trial = train_trial(record);
  // Dropped: a later run with max_trials = the trials finished repeats this one.
  if (trial.cut_off)
    return {
        .status = Outcome::Status::cut_off, .record = record, .models = std::move(trial.models)};
  record.seconds = trial.seconds;
  record.best_epochs = trial.best_epochs;
  record.score = std::numeric_limits<double>::infinity();
  record.metric = std::nan("");
  if (trial.diverged) {
    trial.models.clear();  // never a member: its score is +inf
  } else {
    const Tensor held = index_rows(trial.out_of_fold, scored_rows_);
    const Tensor targets = index_rows(data_.y_train, scored_rows_);
    record.score = out_of_fold_score(trial.out_of_fold, data_.y_train, scored_rows_, data_.task);
    if (data_.classification() && std::isfinite(record.score) &&
        ends_in_linear(trial.models.front())) {
      record.temperature = fit_temperature(held, targets);
      record.score = out_of_fold_score(divided(trial.out_of_fold, record.temperature),
                                       data_.y_train, scored_rows_, data_.task);
    }
    const metrics::Scores scores = metrics::evaluate(held, targets, data_.task);
    record.metric = data_.classification() ? scores.accuracy : scores.r2;
    if (!std::isfinite(record.score)) record.score = std::numeric_limits<double>::infinity();
  }
  Outcome finished{.status = Outcome::Status::finished,
                   .record = record,
                   .models = std::move(trial.models),
                   .out_of_fold = trial.out_of_fold};
  if (file) {
    std::filesystem::create_directories(*options_.checkpoint_dir);
    io::save_safetensors(*file, trial_tensors(finished.models, finished.out_of_fold),
                         {{kTrialKey, record_json(record, finished.models.size()).dump()}});
  }
  return finished;
}

void Tuner::accept(Outcome outcome, TuneResult& result) {
  using Status = Outcome::Status;
  if (outcome.status == Status::not_started || outcome.status == Status::cut_off) {
    if (outcome.status == Status::cut_off && result.trials.empty())
      partial_models_ = std::move(outcome.models);
    stopped_ = result.time_limit_reached = true;
    return;
  }
  out_of_fold_.push_back(divided(outcome.out_of_fold, outcome.record.temperature));
  fold_models_.push_back(std::move(outcome.models));
  result.trials.push_back(outcome.record);
  leave_room_for_refits(result);
  if (options_.on_trial) options_.on_trial(outcome.record, outcome.status == Status::resumed);
  if (options_.max_trials && result.trials.size() >= options_.max_trials) stopped_ = true;
}

TuneResult Tuner::run() {
  TuneResult result;
  result.folds = folds_;
  size_t per_bracket = 1;
  for (size_t r = 1; r < options_.rungs; ++r) per_bracket *= options_.eta;
  // The base recipe first, for its whole epochs: the floor (what `plexus train --ensemble K`
  // would give) is in the leaderboard however soon the time limit ends the search.
  TrialRecord floor{.trial = 0, .configuration = 0, .rung = options_.rungs - 1};
  floor.recipe = sample_recipe(options_.space, base_, options_.seed, 0, data_.task);
  // A round: trials that do not wait for each other's scores (the floor goes with the first rung,
  // a bracket's last rung with the next bracket's first).
  std::vector<TrialRecord> round{floor};
  size_t next_configuration = 1;
  while (!stopped_) {
    std::vector<size_t> configurations(per_bracket);
    for (size_t& c : configurations) c = next_configuration++;
    for (size_t rung = 0; rung < options_.rungs && !stopped_; ++rung) {
      // The last rung trains for the base recipe's epochs, each earlier one eta times fewer.
      double epochs = static_cast<double>(base_.epochs);
      for (size_t r = rung + 1; r < options_.rungs; ++r)
        epochs /= static_cast<double>(options_.eta);
      for (size_t c : configurations) {
        TrialRecord record{
            .trial = result.trials.size() + round.size(), .configuration = c, .rung = rung};
        record.recipe = sample_recipe(options_.space, base_, options_.seed, c, data_.task);
        record.recipe.epochs = std::max<int64_t>(1, std::llround(epochs));
        round.push_back(record);
      }
      // The last rung goes with the next bracket's first: neither waits for the other's scores.
      if (rung + 1 == options_.rungs && rung > 0) break;
      const size_t before = result.trials.size();
      run_round(round, result);
      round.clear();
      std::vector<std::pair<double, size_t>> scored;
      for (size_t i = before; i < result.trials.size(); ++i)
        if (result.trials[i].rung == rung && result.trials[i].configuration != 0)
          scored.emplace_back(result.trials[i].score, result.trials[i].configuration);
      // Promote the best 1/eta (ties: the earlier configuration).
      std::stable_sort(scored.begin(), scored.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      const size_t kept = std::max<size_t>(1, scored.size() / options_.eta);
      configurations.clear();
      for (size_t i = 0; i < std::min(kept, scored.size()); ++i)
        configurations.push_back(scored[i].second);
    }
  }
  assemble(result);
  result.seconds = std::chrono::duration<double>(Clock::now() - options_.start).count();
  return result;
}

void Tuner::assemble(TuneResult& result) {
  std::vector<size_t> candidates;
  for (size_t i = 0; i < result.trials.size(); ++i)
    if (std::isfinite(result.trials[i].score)) candidates.push_back(i);
  if (candidates.empty()) {
    PLEXUS_CHECK(!partial_models_.empty(), "plexus tune: no trial trained a model in the time ",
                 "limit; give it more time");
    result.network = nn::Sequential();
    result.network.push_back(nn::Ensemble(partial_models_));
    result.partial = true;
    result.score = result.metric = std::nan("");
  } else {
    if (options_.selection == EnsembleSelection::greedy) {
      std::vector<Tensor> outputs;
      for (size_t i : candidates) outputs.push_back(out_of_fold_[i]);
      result.members = select_greedy(outputs, data_.y_train, scored_rows_, data_.task,
                                     options_.selection_rounds);
      for (auto& member : result.members) member.trial = candidates[member.trial];
    } else {
      std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
        return result.trials[a].score < result.trials[b].score;
      });
      for (size_t i = 0; i < std::min(options_.top_k, candidates.size()); ++i)
        result.members.push_back({.trial = candidates[i], .weight = 1});
    }
    if (options_.fit == EnsembleFit::refit) refit_members(result);
    std::vector<double> temperatures;
    for (const TrialRecord& trial : result.trials) temperatures.push_back(trial.temperature);
    result.network = weighted_ensemble(fold_models_, result.members, temperatures);
    std::vector<const Tensor*> outputs;
    for (const auto& member : result.members)
      for (size_t w = 0; w < member.weight; ++w) outputs.push_back(&out_of_fold_[member.trial]);
    const Tensor mean = mean_of(outputs);
    result.score = out_of_fold_score(mean, data_.y_train, scored_rows_, data_.task);
    result.held_out_outputs = index_rows(mean, scored_rows_);
    result.held_out_targets = index_rows(data_.y_train, scored_rows_);
    const metrics::Scores scores =
        metrics::evaluate(result.held_out_outputs, result.held_out_targets, data_.task);
    result.metric = data_.classification() ? scores.accuracy : scores.r2;
  }
  result.network.eval();
}

void Tuner::refit_members(TuneResult& result) {
  Deadline deadline(refits_deadline_);
  for (const EnsembleMember& member : result.members) {  // each trial once
    const TrialRecord& record = result.trials[member.trial];
    std::vector<nn::Sequential>& models = fold_models_[member.trial];
    if (options_.on_refit) options_.on_refit(record);
    for (size_t fold = 0; fold < models.size(); ++fold) {
      if ((options_.max_refits && result.refits >= *options_.max_refits) ||
          (options_.time_limit && Clock::now() >= refits_deadline_)) {
        result.refits_cut_short = true;
        return;
      }
      // The fold's network again (its own seed, so the refits differ), on every row.
      Recipe recipe = record.recipe;
      recipe.seed += fold;
      TrainedModel run;
      try {
        run = train_model(data_,
                          refit_recipe(recipe, static_cast<size_t>(record.best_epochs.at(fold))),
                          quiet_fit(options_, deadline));
      } catch (const DivergedError&) {
        continue;  // the fold model stays
      } catch (const Interrupted&) {
        throw TuneInterrupted("plexus tune: interrupted while refitting the ensemble",
                              result.trials.size());
      }
      if (deadline.reached) {
        result.refits_cut_short = true;
        return;
      }
      run.network.eval();
      models[fold] = std::move(run.network);
      ++result.refits;
    }
  }
}

}  // namespace plexus::train
