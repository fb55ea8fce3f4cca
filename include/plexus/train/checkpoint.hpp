// Checkpoints: everything fit() needs to continue a run exactly where an epoch ended — the
// model's parameters and buffers, the optimizer's state, each callback's state (early stopping's
// best weights and patience, the learning-rate schedule), the random generators of the layers
// that draw (dropout masks), the epochs done and their history — plus the run's configuration
// as JSON text, so a command can resume with the settings it started with. Resumed, a run gives
// the same weights and history, bit for bit, as the same run left alone (the shuffling order of
// each epoch depends only on the seed and the epoch number).
//
// On disk: DIR/checkpoint.plx, a safetensors file (io/safetensors.hpp) with a checksum, written
// atomically, so a crash leaves the previous checkpoint or the new one, never half of one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "plexus/error.hpp"
#include "plexus/optim/optimizer.hpp"
#include "plexus/tensor/named_tensors.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/history.hpp"

namespace plexus::nn {
class Module;
}

namespace plexus::train {

struct Checkpoint {
  size_t epochs_done = 0;  ///< the next epoch to run (counted from 0)
  History history;         ///< the epochs done
  NamedTensors model;      ///< the model's state_dict() (copies)
  optim::StateDict optimizer;
  std::vector<CallbackState> callbacks;  ///< one per callback in fit's options, in order
  /// Each module's generator state, by the module's dotted name ("" for the model itself).
  std::vector<std::pair<std::string, std::vector<uint64_t>>> generators;
  std::string config = "{}";  ///< the run's configuration, JSON text (the caller's)
  bool stopped = false;       ///< a callback (early stopping) had ended the run
};

/// The file inside a checkpoint folder.
std::filesystem::path checkpoint_file(const std::filesystem::path& dir);

/// Writes `checkpoint` into `dir` (created if needed) atomically.
void save_checkpoint(const std::filesystem::path& dir, const Checkpoint& checkpoint);
/// Reads a checkpoint folder (or the file itself); errors name the file and what is wrong.
Checkpoint load_checkpoint(const std::filesystem::path& dir);

/// The generators of `model` and its descendants, by dotted name, as Checkpoint keeps them.
std::vector<std::pair<std::string, std::vector<uint64_t>>> generator_states(nn::Module& model);
/// Restores generator_states(); throws naming a module the model lacks.
void set_generator_states(nn::Module& model,
                          const std::vector<std::pair<std::string, std::vector<uint64_t>>>& states);

/// Thrown by fit() when its interrupt flag is raised: training stopped after the step that was
/// running; `checkpoint` (when a folder was given) holds the run as of the last finished epoch.
class Interrupted : public Error {
 public:
  Interrupted(const std::string& message, size_t epoch, size_t step,
              std::filesystem::path checkpoint)
      : Error(message), epoch(epoch), step(step), checkpoint(std::move(checkpoint)) {}
  size_t epoch;  ///< the epoch that was running, from 0
  size_t step;   ///< the steps of it that had run
  std::filesystem::path checkpoint;
};

}  // namespace plexus::train
