// px::train::ProgressBar: fit()'s report of training as it runs (verbose = 1). On a terminal it
// redraws one line in place with '\r' (bar, step, ETA, running loss); elsewhere (a log file, a
// pipe, CI) it prints one line per epoch. It only prints; it never changes training.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <optional>

#include "plexus/train/callbacks.hpp"

namespace plexus::train {

struct ProgressBarOptions {
  /// Where to print; nullptr means std::cout.
  std::ostream* out = nullptr;
  /// Redraw in place; default: whether standard output is a terminal (isatty).
  std::optional<bool> redraw;
  size_t width = 30;  ///< characters of the bar itself
};

class ProgressBar : public Callback {
 public:
  using Options = ProgressBarOptions;
  explicit ProgressBar(Options options = {});

  void on_train_begin() override;
  void on_epoch_begin(size_t epoch) override;
  void on_batch_end(size_t step, const BatchLog& log) override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out() const;
  void draw(size_t steps_done, double mean_loss, double elapsed);

  Options options_;
  bool redraw_ = false;
  size_t epoch_ = 0;
  Clock::time_point epoch_start_;
  Clock::time_point last_draw_;
};

}  // namespace plexus::train
