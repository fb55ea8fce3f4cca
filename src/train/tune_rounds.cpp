// A round of the search: trials that do not wait for each other's scores, run one after another
// or dealt to the processes of an mpirun job. Dealt, each process trains every world_size-th
// trial with all its threads; the trials travel between processes in the checkpoint file's
// format, and every process accepts them in the round's order, so each holds the leaderboard
// and the models that one process would have.
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
  for (size_t first = 0; first < round.size() && !stopped_; first += world) {
    // Trials past max_trials are not started: one process would not have run them either.
    size_t count = std::min(world, round.size() - first);
    if (options_.max_trials) count = std::min(count, options_.max_trials - result.trials.size());
    std::string mine;
    if (rank < count) {
      const TrialRecord& record = round[first + rank];
      try {
        mine = encode(obtain(record));
      } catch (const TuneInterrupted&) {
        mine = encode({.status = Outcome::Status::interrupted, .record = record});
      }
    }
    const std::vector<std::string> sent = distributed::all_gather(mine);
    for (size_t i = 0; i < count && !stopped_; ++i) {
      Outcome outcome = decode(sent[i], round[first + i]);
      if (outcome.status == Outcome::Status::interrupted)
        throw TuneInterrupted(
            "plexus tune: interrupted in trial " + std::to_string(outcome.record.trial + 1),
            result.trials.size());
      accept(std::move(outcome), result);
    }
  }
}

}  // namespace plexus::train
