// The streaming decision and sizes; see stream_plan.hpp.
#include "plexus/data/stream_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/data/memory.hpp"
#include "plexus/data/source.hpp"

namespace plexus::data {

namespace fs = std::filesystem;

namespace {

bool has_suffix(const std::string& text, std::string_view end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

bool csv_name(const std::string& name) {
  for (const char* end : {".csv", ".tsv", ".csv.gz", ".tsv.gz"})
    if (has_suffix(name, end)) return true;
  return false;
}

bool is_pattern(const std::string& spec) {
  return spec.find_first_of("*?[") != std::string::npos && spec != "-";
}

}  // namespace

uint64_t parse_memory_size(std::string_view text) {
  double value = 0;
  const auto [end, error] = compat::from_chars(text.data(), text.data() + text.size(), value);
  std::string unit(end, text.data() + text.size());
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (!unit.empty() && (unit.back() == 'i')) unit.pop_back();
  double scale = 0;
  if (unit.empty()) scale = 1;
  if (unit == "k" || unit == "K") scale = 1024.0;
  if (unit == "m" || unit == "M") scale = 1024.0 * 1024;
  if (unit == "g" || unit == "G") scale = 1024.0 * 1024 * 1024;
  if (unit == "t" || unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  PLEXUS_CHECK(error == std::errc() && end != text.data() && scale > 0 && value > 0 &&
                   std::isfinite(value * scale),
               "--memory: \"", text, "\" is not a size; write e.g. 1G, 512M or 2.5G");
  return static_cast<uint64_t>(value * scale);
}

bool streamable(const std::string& spec) {
  std::error_code error;
  if (fs::is_directory(spec, error)) {
    for (const auto& entry : fs::directory_iterator(spec, error))
      if (csv_name(entry.path().filename().string())) return true;
    return false;
  }
  return csv_name(spec) || is_npy_path(spec) || is_pattern(spec);
}

StreamPlan plan_streaming(const std::string& spec, const std::string& labels,
                          std::optional<bool> forced, uint64_t budget) {
  StreamPlan plan;
  plan.budget = budget;
  std::error_code error;
  const bool one_file = fs::is_regular_file(spec, error);
  if (one_file) plan.file_bytes = fs::file_size(spec, error);
  const bool npy = one_file && is_npy_path(spec);
  if (npy && fs::is_regular_file(labels, error)) plan.file_bytes += fs::file_size(labels, error);
  const bool whole_readable = one_file && !has_suffix(spec, ".gz");
  if (whole_readable)
    plan.needed =
        npy ? memory_to_read_npy_whole(plan.file_bytes) : memory_to_read_whole(plan.file_bytes);
  if (forced) {
    plan.stream = *forced;
    plan.reason = *forced ? "--stream" : "--no-stream";
  } else if (!streamable(spec) || (!fs::exists(spec, error) && !is_pattern(spec))) {
    // A file that is not there is the reading-whole path's error to report, as before.
    plan.reason = "not data the stream reads";
  } else if (!whole_readable) {  // not one file, or a .gz
    plan.stream = true;
    plan.reason = "compressed or sharded data is only read by streaming";
  } else {
    plan.stream = plan.needed > budget;
    plan.reason = "reading it whole would take about " + format_bytes(plan.needed) +
                  (plan.stream ? ", more than" : ", within") + " the memory budget of " +
                  format_bytes(budget);
  }
  return plan;
}

uint64_t default_memory_budget() { return available_memory() / 2; }

size_t stream_chunk_bytes(uint64_t budget) {
  return static_cast<size_t>(
      std::clamp<uint64_t>(budget / 256, uint64_t{16} << 10, uint64_t{16} << 20));
}

size_t stream_shuffle_rows(uint64_t budget, size_t features) {
  const uint64_t row_bytes = (features + 1) * sizeof(float);
  return static_cast<size_t>(std::max<uint64_t>(budget / 4 / row_bytes, 1024));
}

}  // namespace plexus::data
