// A round of the search: trials that do not wait for each other's scores, run one after another
// or dealt to the processes of an mpirun job. Dealt, each process trains its share of the round
// with all its threads; the trials travel between processes in the checkpoint file's format, and
// every process accepts them in the round's order, so each holds the leaderboard and the models
// that one process would have.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/io/safetensors.hpp"
#include "train/tune_detail.hpp"

namespace plexus::train {
namespace {

using nlohmann::json;

constexpr char kStatusKey[] = "plexus.tune.status";

/// A trial's work, roughly: epochs times the multiply-adds of one row through its layers.
double trial_cost(const Recipe& recipe, double features) {
  double products = 0, width = features;
  for (const int64_t hidden : recipe.hidden) {
    products += width * static_cast<double>(hidden);
    width = static_cast<double>(hidden);
  }
  return static_cast<double>(recipe.epochs) * (products + width);
}

}  // namespace

void Tuner::run_round(const std::vector<TrialRecord>& round, TuneResult& result) {
  if (options_.distributed) return run_round_distributed(round, result);
  for (const TrialRecord& record : round) {
    if (stopped_) return;
    accept(obtain(record), result);
  }
}

std::string Tuner::encode(const Outcome& outcome) const {
  return io::encode_safetensors(
      trial_tensors(outcome.models, outcome.out_of_fold),
      {{kTrialKey, record_json(outcome.record, outcome.models.size()).dump()},
       {kStatusKey, std::to_string(static_cast<int>(outcome.status))}});
}

Tuner::Outcome Tuner::decode(std::string_view bytes, const TrialRecord& expected) const {
  const io::SafetensorsFile sent = io::decode_safetensors(bytes, "a trial from another process");
  const json stored = json::parse(sent.metadata.at(kTrialKey));
  PLEXUS_CHECK(stored.at("trial").get<size_t>() == expected.trial, "plexus tune: trial ",
               stored.at("trial").get<size_t>() + 1, " came for trial ", expected.trial + 1);
  Outcome outcome{.status = static_cast<Outcome::Status>(std::stoi(sent.metadata.at(kStatusKey))),
                  .record = expected};
  read_record_json(stored, outcome.record);
  outcome.models = fold_models(sent.tensors, stored.at("models").get<size_t>(), expected.recipe);
  for (const auto& [name, tensor] : sent.tensors)
    if (name == "out_of_fold") outcome.out_of_fold = tensor;
  return outcome;
}

void Tuner::run_round_distributed(const std::vector<TrialRecord>& round, TuneResult& result) {
  const auto world = static_cast<size_t>(distributed::world_size());
  const auto rank = static_cast<size_t>(distributed::rank());
  // Trials past max_trials are not started: one process would not have run them either.
  size_t count = round.size();
  if (options_.max_trials) count = std::min(count, options_.max_trials - result.trials.size());
  // Dealt longest first, each to the process with the least work so far (the same deal on every
  // process, from the records alone): one exchange per round, and a long trial (the floor, with
  // all its epochs) does not hold up a line of short ones.
  std::vector<size_t> by_cost(count), owner(count);
  std::iota(by_cost.begin(), by_cost.end(), size_t{0});
  const auto features = static_cast<double>(data_.x_train.shape(1));
  std::stable_sort(by_cost.begin(), by_cost.end(), [&](size_t a, size_t b) {
    return trial_cost(round[a].recipe, features) > trial_cost(round[b].recipe, features);
  });
  std::vector<double> work(world, 0.0);
  for (size_t i : by_cost) {
    owner[i] = static_cast<size_t>(std::min_element(work.begin(), work.end()) - work.begin());
    work[owner[i]] += trial_cost(round[i].recipe, features);
  }
  // This process's trials in the round's order, each as its length and bytes. After one that did
  // not finish, the later ones are not started: the search stops at it anyway.
  std::string mine;
  bool stopping = false;
  for (size_t i = 0; i < count; ++i) {
    if (owner[i] != rank) continue;
    Outcome outcome{.status = Outcome::Status::not_started, .record = round[i]};
    if (!stopping) {
      try {
        outcome = obtain(round[i]);
      } catch (const TuneInterrupted&) {
        outcome.status = Outcome::Status::interrupted;
      }
    }
    if (outcome.status != Outcome::Status::finished && outcome.status != Outcome::Status::resumed)
      stopping = true;
    const std::string bytes = encode(outcome);
    const uint64_t length = bytes.size();
    mine.append(reinterpret_cast<const char*>(&length), sizeof length).append(bytes);
  }
  const std::vector<std::string> sent = distributed::all_gather(mine);
  std::vector<size_t> read(world, 0);
  for (size_t i = 0; i < count && !stopped_; ++i) {
    const std::string& from = sent[owner[i]];
    size_t& at = read[owner[i]];
    uint64_t length = 0;
    PLEXUS_CHECK(at + sizeof length <= from.size(), "plexus tune: process ", owner[i],
                 " sent too few trials");
    std::memcpy(&length, from.data() + at, sizeof length);
    at += sizeof length;
    PLEXUS_CHECK(length <= from.size() - at, "plexus tune: a trial from process ", owner[i],
                 " is cut short");
    Outcome outcome = decode(std::string_view(from).substr(at, length), round[i]);
    at += length;
    if (outcome.status == Outcome::Status::interrupted)
      throw TuneInterrupted(
          "plexus tune: interrupted in trial " + std::to_string(outcome.record.trial + 1),
          result.trials.size());
    accept(std::move(outcome), result);
  }
}

}  // namespace plexus::train
