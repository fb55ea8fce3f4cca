// What fit() puts into a checkpoint and takes back from it: the run as of an epoch's end
// assembled from the model, optimizer and callbacks, a resumed run restored from one, and the
// checkpoint written when an interrupt stops training. The file format is checkpoint.cpp's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "plexus/train/checkpoint.hpp"
#include "plexus/train/fit.hpp"

namespace plexus::train {

/// The run as of `epochs_done` finished epochs; tensors are copied, so later training does not
/// change what was saved.
Checkpoint make_checkpoint(nn::Module& model, const optim::Optimizer& optimizer,
                           const std::vector<CallbackRef>& callbacks, const History& history,
                           size_t epochs_done, const std::string& config, bool stopped);

/// Loads the model, optimizer, callbacks with state (matched in order) and generators of
/// `checkpoint`; throws when its callbacks or epochs do not fit this run.
void resume_from(const Checkpoint& checkpoint, nn::Module& model, optim::Optimizer& optimizer,
                 const std::vector<CallbackRef>& callbacks, size_t epochs);

/// Writes `last` (when a folder was asked for) and throws Interrupted.
[[noreturn]] void throw_interrupted(const FitOptions& options,
                                    const std::optional<Checkpoint>& last, size_t epoch,
                                    size_t steps);

}  // namespace plexus::train
