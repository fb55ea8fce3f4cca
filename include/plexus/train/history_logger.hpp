// HistoryLogger: write each epoch's logged values to a CSV or JSON-lines file as training goes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <optional>

#include "plexus/train/callback.hpp"

namespace plexus::train {

enum class LogFormat { csv, json_lines };

/// HistoryLogger's settings, usable directly in fit's callbacks:
///   .callbacks = {px::train::HistoryLogger{.path = "history.csv"}}
struct HistoryLogger {
  std::filesystem::path path;
  /// Default: JSON lines for a ".jsonl" or ".json" path, CSV otherwise.
  std::optional<LogFormat> format;
  /// Add to an existing file instead of starting a new one (a CSV header is then not repeated).
  bool append = false;
};

/// Writes each epoch's values as one CSV row (header: epoch,loss,<metrics>,val_loss,...,lr,seconds)
/// or one JSON object per line, flushed at every epoch so a crash loses at most the current one.
class HistoryLoggerCallback : public Callback {
 public:
  using Options = HistoryLogger;
  explicit HistoryLoggerCallback(Options options);

  void on_train_begin() override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;
  void on_train_end(const History& history) override;

 private:
  Options options_;
  LogFormat format_;
  std::ofstream out_;
  bool header_written_ = false;
};

}  // namespace plexus::train
