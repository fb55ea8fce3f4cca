// HistoryLogger: one CSV row or JSON line per epoch, flushed as training goes.
#include "plexus/train/history_logger.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/check.hpp"
#include "train/json_text.hpp"

namespace plexus::train {

HistoryLoggerCallback::HistoryLoggerCallback(Options options) : options_(std::move(options)) {
  PLEXUS_CHECK(!options_.path.empty(), "HistoryLogger: path is empty");
  const auto extension = options_.path.extension();
  format_ = options_.format.value_or(
      extension == ".jsonl" || extension == ".json" ? LogFormat::json_lines : LogFormat::csv);
}

void HistoryLoggerCallback::on_train_begin() {
  namespace fs = std::filesystem;
  std::error_code error;
  header_written_ = options_.append && fs::exists(options_.path, error) &&
                    fs::file_size(options_.path, error) > 0;
  out_.close();
  out_.open(options_.path, options_.append ? std::ios::app : std::ios::trunc);
  PLEXUS_CHECK(out_.is_open(), "HistoryLogger: cannot open ", options_.path.string(), ": ",
               std::strerror(errno));
}

void HistoryLoggerCallback::on_epoch_end(size_t epoch, const EpochLog& logs) {
  if (format_ == LogFormat::csv) {
    const auto values = logs.values();
    if (!header_written_) {
      out_ << "epoch";
      for (const auto& [name, value] : values) out_ << ',' << name;
      out_ << '\n';
      header_written_ = true;
    }
    out_ << epoch;
    for (const auto& [name, value] : values) out_ << ',' << shortest_text(value);
    out_ << '\n';
  } else {
    std::vector<std::pair<std::string, double>> values{{"epoch", static_cast<double>(epoch)}};
    for (auto& entry : logs.values()) values.push_back(std::move(entry));
    out_ << json_object(values) << '\n';
  }
  out_.flush();
  PLEXUS_CHECK(out_.good(), "HistoryLogger: cannot write ", options_.path.string());
}

void HistoryLoggerCallback::on_train_end(const History& /*history*/) { out_.close(); }

}  // namespace plexus::train
