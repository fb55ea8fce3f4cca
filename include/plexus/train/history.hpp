// px::train::History: what fit() returns, one EpochLog per epoch (losses, metrics, learning rate,
// time). Callbacks receive each EpochLog as it is made. It stores numbers only, no weights.
// history_to_json is the one way the history is written as JSON (model files, the command).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plexus::train {

/// One epoch's record. Names of the logged values: "loss", the metric names ("accuracy"),
/// "val_loss", "val_<metric>", "lr", "seconds".
struct EpochLog {
  size_t epoch = 0;                ///< counted from 0 (printed from 1)
  size_t steps = 0;                ///< optimizer steps taken in this epoch
  double loss = 0;                 ///< mean training loss per sample over the epoch
  std::optional<double> val_loss;  ///< with validation data only
  /// Training metrics, then validation metrics ("val_" prefix), in the order they were given.
  std::vector<std::pair<std::string, double>> metrics;
  double lr = 0;       ///< the learning rate of the epoch (first parameter group)
  double seconds = 0;  ///< wall time of the epoch, validation included

  /// A logged value by name, or nullopt.
  std::optional<double> find(std::string_view name) const;
  /// A logged value by name; throws naming the values that are logged.
  double get(std::string_view name) const;
  /// Every logged value by name: loss, metrics, val_loss, val metrics, lr, seconds.
  std::vector<std::pair<std::string, double>> values() const;
};

class History {
 public:
  size_t epochs() const { return logs_.size(); }
  bool empty() const { return logs_.empty(); }
  const EpochLog& operator[](size_t epoch) const { return logs_.at(epoch); }
  /// The last epoch's record; throws if there is none.
  const EpochLog& last() const;
  /// One value per epoch, e.g. history.series("val_loss") for a learning curve.
  std::vector<double> series(std::string_view name) const;
  /// The epoch with the best value of `name`: lowest for losses and errors, highest for
  /// accuracy-like metrics (see metrics::higher_is_better); the first one on ties.
  size_t best_epoch(std::string_view name = "val_loss") const;
  auto begin() const { return logs_.begin(); }
  auto end() const { return logs_.end(); }

  void append(EpochLog log) { logs_.push_back(std::move(log)); }

 private:
  std::vector<EpochLog> logs_;
};

/// An epoch's logged values as one JSON object, in values() order but without the wall time
/// ("seconds"), so that the same run always gives the same text:
///   {"loss": 0.25, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.88, "lr": 0.001}
/// Numbers are the shortest text that reads back as the same double; NaN and Inf are null.
std::string epoch_to_json(const EpochLog& log);
/// The epochs as a JSON array of epoch_to_json objects.
std::string history_to_json(const History& history);

}  // namespace plexus::train
