// A run's checkpoint assembled and restored; see fit_checkpoint.hpp.
#include "train/fit_checkpoint.hpp"

#include <filesystem>
#include <utility>

#include "base/check.hpp"
#include "plexus/nn/module.hpp"
#include "plexus/optim/optimizer.hpp"

namespace plexus::train {

namespace {

// Copies, so that later training does not change what was saved.
NamedTensors copies(const NamedTensors& tensors) {
  NamedTensors out;
  for (const auto& [name, tensor] : tensors) out.emplace_back(name, tensor.clone());
  return out;
}

}  // namespace

Checkpoint make_checkpoint(nn::Module& model, const optim::Optimizer& optimizer,
                           const std::vector<CallbackRef>& callbacks, const History& history,
                           size_t epochs_done, const std::string& config, bool stopped) {
  Checkpoint checkpoint{epochs_done,
                        history,
                        copies(model.state_dict()),
                        optimizer.state_dict(),
                        {},
                        generator_states(model),
                        config,
                        stopped};
  checkpoint.optimizer.tensors = copies(checkpoint.optimizer.tensors);
  for (const CallbackRef& ref : callbacks) {
    CallbackState state = ref.get().state();
    state.tensors = copies(state.tensors);
    checkpoint.callbacks.push_back(std::move(state));
  }
  return checkpoint;
}

void resume_from(const Checkpoint& checkpoint, nn::Module& model, optim::Optimizer& optimizer,
                 const std::vector<CallbackRef>& callbacks, size_t epochs) {
  PLEXUS_CHECK(checkpoint.epochs_done <= epochs, "fit: the checkpoint has ", checkpoint.epochs_done,
               " epochs done, more than the ", epochs, " asked for (epochs counts them all)");
  // Callbacks with state (early stopping, schedules, checkpoints) are matched in order; those
  // without (progress, diagnostics, loggers) may come and go between the runs.
  std::vector<const CallbackState*> saved;
  for (const CallbackState& state : checkpoint.callbacks)
    if (!state.scalars.empty() || !state.tensors.empty()) saved.push_back(&state);
  std::vector<Callback*> stateful;
  for (const CallbackRef& ref : callbacks) {
    const CallbackState state = ref.get().state();
    if (!state.scalars.empty() || !state.tensors.empty()) stateful.push_back(&ref.get());
  }
  PLEXUS_CHECK(saved.size() == stateful.size(), "fit: the checkpoint was made with ", saved.size(),
               " callbacks that keep state (early stopping, schedules), this run has ",
               stateful.size(), "; resume with the callbacks it was made with");
  model.load_state_dict(checkpoint.model);
  optimizer.load_state_dict(checkpoint.optimizer);
  for (size_t i = 0; i < stateful.size(); ++i) stateful[i]->load_state(*saved[i]);
  set_generator_states(model, checkpoint.generators);
}

[[noreturn]] void throw_interrupted(const FitOptions& options,
                                    const std::optional<Checkpoint>& last, size_t epoch,
                                    size_t steps) {
  // Data-parallel training keeps `last` on rank 0 only: the others write nothing.
  std::filesystem::path dir;
  if (options.interrupt_checkpoint_dir)
    dir = *options.interrupt_checkpoint_dir;
  else if (options.checkpoint_dir)
    dir = *options.checkpoint_dir;
  std::string where = "no checkpoint was asked for";
  if (!dir.empty() && last) {
    save_checkpoint(dir, *last);
    where = "checkpoint of " + std::to_string(last->epochs_done) + " finished epochs in " +
            dir.string();
  }
  throw Interrupted("fit: interrupted in epoch " + std::to_string(epoch + 1) + " after " +
                        std::to_string(steps) + " steps; " + where,
                    epoch, steps, last && !dir.empty() ? dir : std::filesystem::path());
}

}  // namespace plexus::train
