// LRSchedule: steps a learning-rate schedule per epoch or per batch.
#include "plexus/train/lr_schedule.hpp"

#include <utility>

#include "base/check.hpp"
#include "plexus/optim/schedule.hpp"

namespace plexus::train {

LRScheduleCallback::LRScheduleCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(options_.scheduler != nullptr, "LRSchedule: scheduler is null");
  PLEXUS_CHECK(!(options_.per_batch && options_.scheduler->needs_metric()),
               "LRSchedule: a schedule that watches a metric steps per epoch, not per batch");
}

LRScheduleCallback::LRScheduleCallback(optim::LRScheduler& scheduler, Options options)
    : LRScheduleCallback([&] {
        options.scheduler = &scheduler;
        return std::move(options);
      }()) {}

void LRScheduleCallback::on_batch_end(size_t /*step*/, const BatchLog& /*log*/) {
  if (options_.per_batch) options_.scheduler->step();
}

void LRScheduleCallback::on_epoch_end(size_t /*epoch*/, const EpochLog& logs) {
  if (options_.per_batch) return;
  if (options_.scheduler->needs_metric()) {
    options_.scheduler->step(logs.get(options_.monitor));
  } else {
    options_.scheduler->step();
  }
}

CallbackState LRScheduleCallback::state() const { return {options_.scheduler->state_dict(), {}}; }

void LRScheduleCallback::load_state(const CallbackState& state) {
  options_.scheduler->load_state_dict(state.scalars);
}

}  // namespace plexus::train
