// ProgressBar: formats steps, times and logged values; redraws at most ten times a second so that
// printing never slows a fast loop.
#include "plexus/train/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

namespace plexus::train {

namespace {

// Keras' style: 4 decimals, or scientific notation for tiny values.
std::string format_value(double value) {
  std::ostringstream text;
  if (value != 0 && std::abs(value) < 1e-3 && std::isfinite(value)) {
    text << std::scientific << std::setprecision(3) << value;
  } else {
    text << std::fixed << std::setprecision(4) << value;
  }
  return text.str();
}

// "0:07", "12:05", "1:02:09"
std::string format_clock(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof(text), "%lld:%02lld:%02lld", total / 3600, total / 60 % 60,
                  total % 60);
  } else {
    std::snprintf(text, sizeof(text), "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

// "0.31ms", "840ms", "12.3s", "2:05" (m:ss) for an epoch's duration
std::string format_duration(double seconds) {
  if (seconds >= 60) return format_clock(seconds);
  std::ostringstream text;
  if (seconds < 1) {
    text << std::setprecision(seconds < 1e-3 ? 2 : 3) << seconds * 1e3 << "ms";
  } else {
    text << std::setprecision(3) << seconds << 's';
  }
  return text.str();
}

}  // namespace

ProgressBar::ProgressBar(Options options) : options_(options) {}

std::ostream& ProgressBar::out() const { return options_.out ? *options_.out : std::cout; }

void ProgressBar::on_train_begin() {
  redraw_ = options_.redraw.value_or(::isatty(STDOUT_FILENO) == 1);
}

void ProgressBar::on_epoch_begin(size_t epoch) {
  epoch_ = epoch;
  epoch_start_ = Clock::now();
  last_draw_ = epoch_start_;
}

void ProgressBar::draw(size_t steps_done, double mean_loss, double elapsed) {
  const size_t steps = context().steps_per_epoch;
  const size_t filled = steps == 0 ? 0 : options_.width * steps_done / steps;
  std::string bar(options_.width, '.');
  for (size_t i = 0; i < filled; ++i) bar[i] = '=';
  if (filled < options_.width) bar[filled] = '>';
  const double eta = steps_done == 0 ? 0
                                     : elapsed * static_cast<double>(steps - steps_done) /
                                           static_cast<double>(steps_done);
  out() << "\rEpoch " << epoch_ + 1 << '/' << context().epochs << " [" << bar << "] " << steps_done
        << '/' << steps << " - ETA " << format_clock(eta) << " - loss " << format_value(mean_loss)
        << "\033[K" << std::flush;
}

void ProgressBar::on_batch_end(size_t step, const BatchLog& log) {
  if (!redraw_) return;
  const auto now = Clock::now();
  if (step > 0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(step + 1, log.mean_loss, std::chrono::duration<double>(now - epoch_start_).count());
}

void ProgressBar::on_epoch_end(size_t epoch, const EpochLog& logs) {
  std::ostream& o = out();
  if (redraw_) o << '\r';
  o << "Epoch " << epoch + 1 << '/' << context().epochs;
  if (redraw_) o << " [" << std::string(options_.width, '=') << ']';
  o << ' ' << logs.steps << '/' << context().steps_per_epoch << " - "
    << format_duration(logs.seconds);
  for (const auto& [name, value] : logs.values()) {
    if (name == "seconds") continue;
    o << " - " << name << ' ';
    if (name == "lr") {
      o << value;  // as set: 0.001, 1e-05
    } else {
      o << format_value(value);
    }
  }
  if (redraw_) o << "\033[K";
  o << std::endl;
}

}  // namespace plexus::train
