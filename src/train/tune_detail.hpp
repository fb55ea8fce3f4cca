// What the search's files share: tune.cpp (a trial, the search, the assembly), tune_ensemble.cpp
// (scores, selection, the ensemble) and tune_rounds.cpp (a round of trials in one process or
// dealt to many).
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "plexus/tensor/named_tensors.hpp"
#include "plexus/train/tune.hpp"

namespace plexus::train {

/// The safetensors metadata key of a trial's record (a checkpoint file, or a trial sent between
/// processes).
inline constexpr char kTrialKey[] = "plexus.tune.trial";

nlohmann::json record_json(const TrialRecord& r, size_t models);
/// Sets record's score, metric and seconds from record_json's object.
void read_record_json(const nlohmann::json& stored, TrialRecord& record);
/// Whether `model` ends in a Linear layer: its outputs scale with that layer's weights, so a
/// weight or a temperature can be folded into it.
bool ends_in_linear(const nn::Sequential& model);
/// "fold<m>.<name>" for every fold model's state, then "out_of_fold" (when defined).
NamedTensors trial_tensors(const std::vector<nn::Sequential>& models, const Tensor& out_of_fold);

struct Tuner::Outcome {
  /// interrupted: Ctrl-C stopped it in another process; it travels as a status so that every
  /// process throws at the same point, rather than one leaving the others in the exchange.
  enum class Status { finished, resumed, cut_off, not_started, interrupted };
  Status status = Status::finished;
  TrialRecord record;
  std::vector<nn::Sequential> models;  ///< its fold models (cut off: as they were)
  Tensor out_of_fold;
};

}  // namespace plexus::train
