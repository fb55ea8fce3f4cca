// StreamingTable: the fitting pass. Each process reads the units of its lanes, one
// PreprocessingAccumulator (a .npy: one ArrayStats) and one row count per part, one running mean
// of the target per lane; the lanes' results travel as bytes (StreamShare::all_gather) and every
// process merges all of them in lane order, so the pipeline is the same bits however many processes
// read. The batches are in stream_batches.cpp.
#include "plexus/data/streaming.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <set>
#include <string_view>
#include <utility>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "data/tabular_detail.hpp"
#include "plexus/base/text.hpp"
#include "plexus/data/streaming_fit.hpp"

namespace plexus::data {

namespace {

// A regression target's count, mean and squared deviations over training rows (Welford), merged
// by Chan's formula.
struct Moments {
  double count = 0, mean = 0, m2 = 0;
  void add(double value) {
    count += 1;
    const double delta = value - mean;
    mean += delta / count;
    m2 += delta * (value - mean);
  }
  void merge(const Moments& other) {
    if (other.count == 0) return;
    const double total = count + other.count;
    const double delta = other.mean - mean;
    mean += delta * other.count / total;
    m2 += other.m2 + delta * delta * count * other.count / total;
    count = total;
  }
};

// What one lane fitted, as it travels between processes.
struct LaneFit {
  std::array<uint64_t, 3> rows{};
  Moments target;
  std::vector<uint8_t> accumulator;
};

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
template <typename T>
T take(std::string_view& in) {
  PLEXUS_CHECK(in.size() >= sizeof(T), "stream: a lane's fit arrived cut short");
  T value;
  std::memcpy(&value, in.data(), sizeof value);
  in.remove_prefix(sizeof value);
  return value;
}

void write_lane(std::string& out, size_t lane, const LaneFit& fit) {
  put(out, static_cast<uint64_t>(lane));
  for (const uint64_t n : fit.rows) put(out, n);
  put(out, fit.target.count);
  put(out, fit.target.mean);
  put(out, fit.target.m2);
  put(out, static_cast<uint64_t>(fit.accumulator.size()));
  out.append(reinterpret_cast<const char*>(fit.accumulator.data()), fit.accumulator.size());
}

// A process's lanes: 'L' and its lanes, or 'E' and the error that stopped it.
void read_lanes(std::string_view in, std::vector<std::optional<LaneFit>>& lanes) {
  PLEXUS_CHECK(!in.empty(), "stream: a process sent no fit");
  const char kind = in.front();
  in.remove_prefix(1);
  if (kind == 'E') detail::throw_error(std::string(in));
  while (!in.empty()) {
    const auto lane = static_cast<size_t>(take<uint64_t>(in));
    LaneFit fit;
    for (uint64_t& n : fit.rows) n = take<uint64_t>(in);
    fit.target.count = take<double>(in);
    fit.target.mean = take<double>(in);
    fit.target.m2 = take<double>(in);
    const auto size = static_cast<size_t>(take<uint64_t>(in));
    PLEXUS_CHECK(in.size() >= size && lane < lanes.size(), "stream: a lane's fit is malformed");
    fit.accumulator.assign(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(size));
    in.remove_prefix(size);
    lanes[lane] = std::move(fit);
  }
}

// What prepare_arrays reads off every row of a .npy, gathered per lane and merged: whether every
// feature value is a byte (an integer in [0, 255]) and the largest, whether every label is an
// integer, and the distinct labels while there are few enough to be classes.
constexpr size_t kMaxClassesForIntegers = 20;  // as prepare_arrays

struct ArrayStats {
  bool bytes = true, integral = true;
  float max = 0;
  std::set<float> labels;

  void add_labels(const std::vector<float>& y) {
    for (const float label : y) {
      integral = integral && label == std::round(label);
      if (labels.size() <= kMaxClassesForIntegers + 1) labels.insert(label);
    }
  }
  void add_features(const std::vector<float>& x) {
    for (size_t i = 0; i < x.size() && bytes; ++i) {
      bytes = x[i] >= 0 && x[i] <= 255 && x[i] == std::round(x[i]);
      max = std::max(max, x[i]);
    }
  }
  void merge(const ArrayStats& other) {
    bytes = bytes && other.bytes;
    integral = integral && other.integral;
    max = std::max(max, other.max);
    for (const float label : other.labels)
      if (labels.size() <= kMaxClassesForIntegers + 1) labels.insert(label);
  }
  std::vector<uint8_t> to_bytes() const {
    std::string out;
    put(out, static_cast<uint8_t>(bytes));
    put(out, static_cast<uint8_t>(integral));
    put(out, max);
    put(out, static_cast<uint64_t>(labels.size()));
    for (const float label : labels) put(out, label);
    return {out.begin(), out.end()};
  }
  static ArrayStats from_bytes(const std::vector<uint8_t>& bytes) {
    std::string_view in(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    ArrayStats stats;
    stats.bytes = take<uint8_t>(in) != 0;
    stats.integral = take<uint8_t>(in) != 0;
    stats.max = take<float>(in);
    for (auto n = take<uint64_t>(in); n > 0; --n) stats.labels.insert(take<float>(in));
    return stats;
  }
};

}  // namespace

uint64_t stream_row_key(size_t unit, uint64_t row_in_unit) {
  return (static_cast<uint64_t>(unit) << 40) ^ row_in_unit;
}

StreamingTable::StreamingTable(CsvStream stream, const StreamingOptions& options)
    : stream_(std::make_unique<CsvStream>(std::move(stream))), options_(options) {
  share_lanes();
  units_ = stream_->units();
  unit_count_ = units_.size();
  fit_lanes();
}

StreamingTable::StreamingTable(NpyStream stream, const StreamingOptions& options)
    : npy_(std::make_unique<NpyStream>(std::move(stream))), options_(options) {
  share_lanes();
  unit_count_ = npy_->units();
  fit_lanes();
}

void StreamingTable::share_lanes() {
  const StreamingOptions& options = options_;
  PLEXUS_CHECK(options.test_fraction >= 0 && options.validation_fraction >= 0 &&
                   options.test_fraction + options.validation_fraction < 1,
               "stream: the test and validation fractions must leave rows to train on");
  const StreamShare& share = options.share;
  PLEXUS_CHECK(options.lanes >= 1, "stream: lanes must be at least 1");
  PLEXUS_CHECK(share.processes >= 1 && share.rank < share.processes, "stream: process ", share.rank,
               " of ", share.processes, " does not exist");
  PLEXUS_CHECK(share.processes <= options.lanes, "stream: ", share.processes,
               " processes cannot share a stream of ", options.lanes,
               " lanes (each reads whole lanes); use at most ", options.lanes, " processes");
  PLEXUS_CHECK(share.processes == 1 || share.all_gather,
               "stream: processes sharing a stream need all_gather");
  own_lanes_ = {share.rank * options.lanes / share.processes,
                (share.rank + 1) * options.lanes / share.processes};
}

const std::string& StreamingTable::name() const { return npy_ ? npy_->name() : stream_->name(); }

std::vector<std::string> StreamingTable::files() const {
  if (npy_) return npy_->files();
  std::vector<std::string> files;
  for (const std::filesystem::path& file : stream_->files()) files.push_back(file.string());
  return files;
}

uint64_t StreamingTable::file_bytes() const {
  return npy_ ? npy_->file_bytes() : stream_->file_bytes();
}

std::string StreamingTable::located(const std::exception& error) const {
  return stream_ ? stream_->true_lines(error.what()) : std::string(error.what());
}

void StreamingTable::fit_csv_lanes(std::string& mine) {
  const std::vector<std::string>& columns = stream_->columns();
  const TabularOptions& tabular = options_.columns;
  const auto named = std::find(columns.begin(), columns.end(), tabular.target);
  const size_t target_column =
      named != columns.end() ? static_cast<size_t>(named - columns.begin()) : columns.size() - 1;
  // This process's lanes, each fed its units in grid order.
  std::vector<PreprocessingAccumulator> accumulators;
  std::vector<LaneFit> fits(own_lanes_.second - own_lanes_.first);
  for (size_t lane = own_lanes_.first; lane < own_lanes_.second; ++lane)
    accumulators.emplace_back(columns, tabular, stream_->name());
  for (size_t unit = 0; unit < units_.size(); ++unit) {
    const size_t lane = unit % options_.lanes;
    if (lane < own_lanes_.first || lane >= own_lanes_.second) continue;
    LaneFit& fit = fits[lane - own_lanes_.first];
    bytes_read_ += stream_->read_unit(units_[unit], [&](const Table& table, uint64_t first) {
      std::vector<size_t> train_rows;
      for (size_t i = 0; i < table.rows(); ++i) {
        const Part part = assign_part(stream_row_key(unit, first + i), options_.seed,
                                      options_.test_fraction, options_.validation_fraction);
        ++fit.rows[static_cast<size_t>(part)];
        if (part != Part::train) continue;
        train_rows.push_back(i);
        const internal::Cell cell = internal::parse_cell(table.cell(i, target_column));
        if (cell.kind == internal::CellKind::number) fit.target.add(static_cast<float>(cell.value));
      }
      accumulators[lane - own_lanes_.first].add(table, train_rows);
      unit_rows_[unit] += table.rows();
    });
  }
  for (size_t i = 0; i < fits.size(); ++i) {
    fits[i].accumulator = accumulators[i].to_bytes();
    write_lane(mine, own_lanes_.first + i, fits[i]);
  }
}

void StreamingTable::fit_lanes() {
  const size_t lanes = options_.lanes;
  // Resolves a CSV's columns with Preprocessing::fit's errors (a target that is not there).
  if (stream_) PreprocessingAccumulator(stream_->columns(), options_.columns, stream_->name());
  std::string mine = "L";
  unit_rows_.assign(unit_count_, 0);
  try {
    if (npy_)
      fit_npy_lanes(mine);
    else
      fit_csv_lanes(mine);
  } catch (const std::exception& e) {
    mine = "E" + located(e);
  }
  // Every lane's fit, merged in lane order.
  const std::vector<std::string> pieces =
      options_.share.processes > 1 ? options_.share.all_gather(mine) : std::vector{mine};
  std::vector<std::optional<LaneFit>> fits(lanes);
  for (const std::string& piece : pieces) read_lanes(piece, fits);
  lane_rows_.assign(lanes, {});
  Moments target;
  std::vector<std::vector<uint8_t>> fitted;
  for (size_t lane = 0; lane < lanes; ++lane) {
    PLEXUS_CHECK(fits[lane].has_value(), "stream: no process read lane ", lane);
    lane_rows_[lane] = fits[lane]->rows;
    target.merge(fits[lane]->target);
    fitted.push_back(std::move(fits[lane]->accumulator));
  }
  PLEXUS_CHECK(rows() > 0, name(), ": the file is empty (no rows)");
  PLEXUS_CHECK(rows(Part::train) > 0, name(), ": no training rows among ", rows());
  if (npy_)
    finish_npy_fit(fitted);
  else
    finish_csv_fit(fitted);
  target_mean_ = target.mean;
  target_std_ = target.count > 0 ? std::sqrt(target.m2 / target.count) : 1.0;
  if (!(target_std_ > 0)) target_std_ = 1;
}

void StreamingTable::finish_csv_fit(const std::vector<std::vector<uint8_t>>& fitted) {
  std::optional<PreprocessingAccumulator> fitting;
  for (const std::vector<uint8_t>& bytes : fitted) {
    PreprocessingAccumulator accumulator = PreprocessingAccumulator::from_bytes(
        bytes, stream_->columns(), options_.columns, stream_->name());
    if (fitting)
      fitting->merge(accumulator);
    else
      fitting = std::move(accumulator);
  }
  try {
    target_ = fitting->target();
    preprocessing_ = fitting->preprocessing();
  } catch (const Error& e) {
    detail::throw_error(stream_->true_lines(e.what()));
  }
  missing_ = fitting->missing_cells();
  prepared_.warnings = internal::column_notes(preprocessing_, options_.columns, stream_->name());
  prepared_.task = target_.task;
  prepared_.classes = target_.classes;
  for (const ColumnInfo& column : preprocessing_.columns())
    if (column.kind != ColumnKind::ignored) prepared_.features.push_back(column.name);
  // No rows in memory: the width alone, which is what a network is built from.
  prepared_.x_train = Tensor::empty({0, static_cast<int64_t>(preprocessing_.output_features())});
  prepared_.preprocessing = preprocessing_;
  prepared_.target = target_;
}

void StreamingTable::fit_npy_lanes(std::string& mine) {
  const std::string labels = npy_->files()[1];
  std::vector<ArrayStats> stats(own_lanes_.second - own_lanes_.first);
  std::vector<LaneFit> fits(stats.size());
  std::vector<float> x, y;
  for (size_t unit = 0; unit < unit_count_; ++unit) {
    const size_t lane = unit % options_.lanes;
    if (lane < own_lanes_.first || lane >= own_lanes_.second) continue;
    LaneFit& fit = fits[lane - own_lanes_.first];
    bytes_read_ += npy_->read_unit(unit, x, y);
    const uint64_t first = npy_->unit_range(unit).first;
    for (size_t i = 0; i < y.size(); ++i) {
      PLEXUS_CHECK(std::isfinite(y[i]), labels, ": label ", first + i, " is not finite");
      const Part part = assign_part(stream_row_key(unit, i), options_.seed, options_.test_fraction,
                                    options_.validation_fraction);
      ++fit.rows[static_cast<size_t>(part)];
      if (part == Part::train) fit.target.add(y[i]);
    }
    stats[lane - own_lanes_.first].add_labels(y);
    stats[lane - own_lanes_.first].add_features(x);
    unit_rows_[unit] = y.size();
  }
  for (size_t i = 0; i < fits.size(); ++i) {
    fits[i].accumulator = stats[i].to_bytes();
    write_lane(mine, own_lanes_.first + i, fits[i]);
  }
}

// prepare_arrays' decisions, from every row's statistics.
void StreamingTable::finish_npy_fit(const std::vector<std::vector<uint8_t>>& fitted) {
  ArrayStats stats;
  for (const std::vector<uint8_t>& bytes : fitted) stats.merge(ArrayStats::from_bytes(bytes));
  const std::string labels = npy_->files()[1];
  const bool few = stats.labels.size() <= kMaxClassesForIntegers;
  prepared_.task = options_.columns.task.value_or(stats.integral && few ? Task::classification
                                                                        : Task::regression);
  if (prepared_.classification()) {
    PLEXUS_CHECK(stats.integral, labels, ": classification needs integer labels");
    PLEXUS_CHECK(few, labels, ": more than 20 classes; pass --task regression for values");
    label_values_.assign(stats.labels.begin(), stats.labels.end());
    for (const float value : label_values_) prepared_.classes.push_back(number_text(value));
  }
  prepared_.scale = stats.bytes && stats.max > 1 ? 1.0f / 255.0f : 1.0f;
  for (size_t i = 0; i < npy_->cols(); ++i)
    prepared_.features.push_back(std::string("x").append(std::to_string(i)));
  prepared_.x_train = Tensor::empty({0, static_cast<int64_t>(npy_->cols())});
  target_.task = prepared_.task;
  target_.classes = prepared_.classes;
}

StreamingTable::~StreamingTable() = default;

uint64_t StreamingTable::rows(Part part) const {
  uint64_t total = 0;
  for (const auto& lane : lane_rows_) total += lane[static_cast<size_t>(part)];
  return total;
}

uint64_t StreamingTable::rows(Part part, size_t lane) const {
  return lane_rows_.at(lane)[static_cast<size_t>(part)];
}

}  // namespace plexus::data
