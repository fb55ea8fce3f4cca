// The accumulator keeps, per feature column, what Preprocessing::fit reads off the whole column
// (counts of missing, text and non-finite cells, the first text and non-finite ones as the errors
// they would raise, sums, a quantile sketch, the distinct cells while they are few) and, for the
// target, what Target::fit infers the task and classes from. preprocessing() and target() then
// apply fit's rules to those summaries.
#include "plexus/data/streaming_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <unordered_map>

#include "base/check.hpp"
#include "data/bytes.hpp"
#include "data/cells.hpp"
#include "data/tabular_detail.hpp"
#include "plexus/data/quantile_sketch.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;
using internal::Counts;
using internal::read_counts;
using internal::read_error;
using internal::write_counts;
using internal::write_error;

constexpr uint64_t kTag = 0x706c7870726570;  // "plxprep"
// 1024 values a level: exact quantiles for columns of fewer rows, and a guaranteed rank error
// of about log2(rows / 1024) / 1024 (1.5% at 50 million rows) in at most ~140 KB per column.
constexpr size_t kSketchSize = 1024;
constexpr size_t kMaxClassesForIntegers = 20;

// Misra-Gries: past `cap` distinct values, every count drops by the (cap + 1)-th largest, which
// keeps each value that fills more than 1 / (cap + 1) of the rows.
void shrink_to(std::map<double, uint64_t>& counts, size_t cap) {
  if (counts.size() <= cap) return;
  std::vector<uint64_t> values;
  for (const auto& [value, count] : counts) values.push_back(count);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(cap), values.end(),
                   std::greater<>());
  const uint64_t cut = values[cap];
  for (auto it = counts.begin(); it != counts.end();)
    it = (it->second -= std::min(it->second, cut)) == 0 ? counts.erase(it) : std::next(it);
}

}  // namespace

struct ColumnStats {
  size_t col = 0;
  bool forced = false;
  uint64_t missing = 0, texts = 0, numbers = 0;
  std::optional<CellError> first_non_finite;
  double sum = 0;                // in row order, as the in-memory mean sums
  double mean = 0, squares = 0;  // Welford's running mean and sum of squared deviations
  QuantileSketch sketch{kSketchSize};
  std::map<double, uint64_t> value_counts;  // Impute::most_frequent only
  Counts categories;
  bool too_many_categories = false;  // categories dropped: more than max_categories
};

struct TargetStats {
  size_t col = 0;
  bool text = false, integers = true;
  std::optional<std::string> first_text;  // the message regression would raise
  std::optional<CellError> first_non_finite;
  Counts classes;
  bool too_many_classes = false;
};

struct PreprocessingAccumulator::State {
  Table header;  // no rows: resolves names and indices as the in-memory fit does
  TabularOptions options;
  size_t max_categories;
  internal::FeatureColumns plan;
  uint64_t rows = 0;
  std::vector<ColumnStats> columns;  // the features that are not ignored, in feature order
  TargetStats target;

  void add_cell(ColumnStats& s, const Table& chunk, size_t row) const;
  void add_category(ColumnStats& s, std::string_view cell) const;
  void add_target(const Table& chunk, size_t row);
  [[noreturn]] void too_many(size_t col, const char* what) const {
    detail::throw_error(header.source(), ": column '", header.columns()[col], "' (", col,
                        ") has more than ", max_categories, " distinct ", what,
                        " in the training rows, more than streaming keeps; ignore the column "
                        "(--ignore) or raise the limit");
  }
  ColumnInfo fit_column(const ColumnStats& s) const;
};

void PreprocessingAccumulator::State::add_category(ColumnStats& s, std::string_view cell) const {
  if (s.too_many_categories) return;
  const auto it = s.categories.find(cell);
  if (it != s.categories.end()) {
    ++it->second;
  } else if (s.categories.size() < max_categories) {
    s.categories.emplace(cell, 1);
  } else {
    if (s.forced) too_many(s.col, "categories");
    s.too_many_categories = true;  // numeric after all, or an error when it turns out categorical
    Counts().swap(s.categories);
  }
}

void PreprocessingAccumulator::State::add_cell(ColumnStats& s, const Table& chunk,
                                               size_t row) const {
  const std::string_view text = chunk.cell(row, s.col);
  // A plain decimal needs none of parse_cell's other steps: the same value, read faster.
  internal::Cell cell{CellKind::number};
  if (s.forced) {
    cell = {internal::is_missing(text) ? CellKind::missing : CellKind::text};
  } else if (!internal::parse_plain_decimal(text, chunk.text().data() + chunk.text().size(),
                                            cell.value)) {
    cell = internal::parse_cell(text);
  }
  if (cell.kind == CellKind::missing) {
    if (options.impute == Impute::none) throw internal::missing_cell_error(chunk, row, s.col);
    ++s.missing;
    return;
  }
  add_category(s, text);
  if (s.forced) return;
  if (cell.kind == CellKind::text) {
    ++s.texts;
  } else if (cell.kind == CellKind::non_finite) {
    if (!s.first_non_finite) s.first_non_finite = internal::not_finite_error(chunk, row, s.col);
  } else {
    const double v = cell.value;
    s.sum += v;
    ++s.numbers;
    const double delta = v - s.mean;
    s.mean += delta / static_cast<double>(s.numbers);
    s.squares += delta * (v - s.mean);
    s.sketch.add(v);
    if (options.impute == Impute::most_frequent) {
      ++s.value_counts[v];
      shrink_to(s.value_counts, max_categories);
    }
  }
}

void PreprocessingAccumulator::State::add_target(const Table& chunk, size_t row) {
  TargetStats& t = target;
  const std::string_view text = chunk.cell(row, t.col);
  const internal::Cell cell = internal::parse_cell(text);
  if (cell.kind == CellKind::missing) {
    detail::throw_error(internal::where(chunk, row, t.col, "target column"),
                        ": missing target; targets are not imputed: fill it or drop the row");
  }
  if (cell.kind == CellKind::text && !t.first_text) {
    t.first_text = internal::where(chunk, row, t.col, "target column") + ": '" + std::string(text) +
                   "' is not a number, but regression needs numeric targets; hint: pass "
                   "--task classification";
  }
  if (cell.kind == CellKind::non_finite && !t.first_non_finite)
    t.first_non_finite = internal::not_finite_error(chunk, row, t.col);
  t.text = t.text || cell.kind == CellKind::text;
  t.integers = t.integers && cell.kind == CellKind::number && cell.value == std::floor(cell.value);
  if (t.too_many_classes) return;
  const auto it = t.classes.find(text);
  if (it != t.classes.end()) {
    ++it->second;
  } else if (t.classes.size() < max_categories) {
    t.classes.emplace(text, 1);
  } else {
    t.too_many_classes = true;
    Counts().swap(t.classes);
  }
}

PreprocessingAccumulator::PreprocessingAccumulator(std::vector<std::string> columns,
                                                   const TabularOptions& options,
                                                   std::string source, size_t max_categories)
    : state_(std::make_unique<State>()) {
  PLEXUS_CHECK(max_categories > kMaxClassesForIntegers, source, ": the limit on categories (",
               max_categories, ") must be above ", kMaxClassesForIntegers);
  State& s = *state_;
  s.header = Table(std::move(source), std::move(columns), {});
  s.options = options;
  s.max_categories = max_categories;
  s.plan = internal::feature_columns(s.header, options);
  for (const size_t c : s.plan.features)
    if (!s.plan.is_ignored(c)) s.columns.push_back({.col = c, .forced = s.plan.is_forced(c)});
  s.target.col = s.plan.target;
}

PreprocessingAccumulator::~PreprocessingAccumulator() = default;
PreprocessingAccumulator::PreprocessingAccumulator(PreprocessingAccumulator&&) noexcept = default;
PreprocessingAccumulator& PreprocessingAccumulator::operator=(PreprocessingAccumulator&&) noexcept =
    default;
PreprocessingAccumulator::PreprocessingAccumulator(const PreprocessingAccumulator& other)
    : state_(std::make_unique<State>(*other.state_)) {}
PreprocessingAccumulator& PreprocessingAccumulator::operator=(
    const PreprocessingAccumulator& other) {
  if (this != &other) state_ = std::make_unique<State>(*other.state_);
  return *this;
}

void PreprocessingAccumulator::add(const Table& chunk, std::span<const size_t> rows) {
  State& s = *state_;
  PLEXUS_CHECK(chunk.columns() == s.header.columns(), chunk.source(),
               ": the columns differ from the first header's (",
               internal::quoted_list(s.header.columns()), ")");
  internal::check_rows(chunk, rows);
  // Column by column, as the in-memory fit scans, so that a chunk reports the same first error.
  for (ColumnStats& column : s.columns)
    for (const size_t row : rows) s.add_cell(column, chunk, row);
  for (const size_t row : rows) s.add_target(chunk, row);
  s.rows += rows.size();
}

void PreprocessingAccumulator::add(const Table& chunk) {
  std::vector<size_t> rows(chunk.rows());
  std::iota(rows.begin(), rows.end(), size_t{0});
  add(chunk, rows);
}

void PreprocessingAccumulator::merge(const PreprocessingAccumulator& other) {
  State& s = *state_;
  const State& o = *other.state_;
  PLEXUS_CHECK(o.header.columns() == s.header.columns() && o.columns.size() == s.columns.size(),
               o.header.source(), ": cannot merge the preprocessing of other columns");
  s.rows += o.rows;
  for (size_t i = 0; i < s.columns.size(); ++i) {
    ColumnStats& a = s.columns[i];
    const ColumnStats& b = o.columns[i];
    if (!a.first_non_finite) a.first_non_finite = b.first_non_finite;
    a.missing += b.missing;
    a.texts += b.texts;
    a.sum += b.sum;
    if (b.numbers > 0) {  // Chan et al.'s pairwise update of the mean and squared deviations
      const auto na = static_cast<double>(a.numbers), nb = static_cast<double>(b.numbers);
      const double delta = b.mean - a.mean;
      a.mean += delta * nb / (na + nb);
      a.squares += b.squares + delta * delta * na * nb / (na + nb);
      a.numbers += b.numbers;
    }
    a.sketch.merge(b.sketch);
    for (const auto& [value, count] : b.value_counts) a.value_counts[value] += count;
    shrink_to(a.value_counts, s.max_categories);
    if (b.too_many_categories) {
      a.too_many_categories = true;
      Counts().swap(a.categories);
    }
    for (const auto& [text, count] : b.categories) {
      if (a.too_many_categories) break;
      const auto it = a.categories.find(text);
      if (it != a.categories.end()) {
        it->second += count;
      } else if (a.categories.size() < s.max_categories) {
        a.categories.emplace(text, count);
      } else {
        a.too_many_categories = true;
        Counts().swap(a.categories);
      }
    }
    if (a.forced && a.too_many_categories) s.too_many(a.col, "categories");
  }
  TargetStats& t = s.target;
  const TargetStats& u = o.target;
  t.text = t.text || u.text;
  t.integers = t.integers && u.integers;
  if (!t.first_text) t.first_text = u.first_text;
  if (!t.first_non_finite) t.first_non_finite = u.first_non_finite;
  t.too_many_classes = t.too_many_classes || u.too_many_classes;
  for (const auto& [text, count] : u.classes) t.classes[text] += count;
  if (t.too_many_classes || t.classes.size() > s.max_categories) {
    t.too_many_classes = true;
    Counts().swap(t.classes);
  }
}

// Preprocessing::fit's fit_column, on the summaries.
ColumnInfo PreprocessingAccumulator::State::fit_column(const ColumnStats& s) const {
  const Impute impute = options.impute;
  const std::string& name = header.columns()[s.col];
  ColumnInfo info{name, ColumnKind::numeric};
  if (!s.forced && s.texts == 0) {
    if (s.first_non_finite) throw *s.first_non_finite;
    if (s.numbers == 0) return ColumnInfo{name, ColumnKind::ignored};  // as fit does
    double fill = 0;
    if (impute == Impute::median || impute == Impute::automatic) {
      fill = s.sketch.median();
    } else if (impute == Impute::most_frequent && s.value_counts.empty()) {
      // The summary dropped every value, so none is frequent: as on a column of distinct values,
      // where fit's tie rule picks the smallest.
      fill = s.sketch.min();
    } else if (impute == Impute::most_frequent) {
      // Ordered, so ties go to the smallest value.
      fill = std::max_element(s.value_counts.begin(), s.value_counts.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; })
                 ->first;
    } else if (impute == Impute::mean) {
      fill = s.sum / static_cast<double>(s.numbers);
    }
    if (impute != Impute::none) info.fill = internal::format_number(fill);
    // As fit: under automatic the statistics are of the present values; otherwise the filled
    // cells count too, appended after the present ones.
    uint64_t n = s.numbers;
    double sum = s.sum, mean = s.mean, squares = s.squares;
    QuantileSketch sketch = s.sketch;
    if (impute == Impute::automatic) {
      info.missing_indicator = s.missing > 0;
    } else if (impute != Impute::none && s.missing > 0) {
      for (uint64_t i = 0; i < s.missing; ++i) sum += fill;
      const auto na = static_cast<double>(n), nb = static_cast<double>(s.missing);
      const double delta = fill - mean;
      mean += delta * nb / (na + nb);
      squares += delta * delta * na * nb / (na + nb);
      n += s.missing;
      sketch.add(fill, s.missing);
    }
    if (options.scaling == Scaling::robust) {
      info.median = sketch.median();
      info.scale = sketch.quantile(0.75) - sketch.quantile(0.25);
      if (!(info.scale > 0)) info.scale = 0.5 * (sketch.max() - sketch.min());
      if (!(info.scale > 0) || !std::isfinite(info.scale)) info.scale = 1;
      return info;
    }
    info.mean = sum / static_cast<double>(n);
    PLEXUS_CHECK(std::isfinite(info.mean) && std::isfinite(squares), header.source(), ": column '",
                 name, "' (", s.col, ") has values too large to standardise (their ",
                 "sum overflows a double); rescale the column");
    info.std = std::sqrt(squares / static_cast<double>(n));
    if (!(info.std > 0) || !std::isfinite(info.std)) info.std = 1;
    return info;
  }
  info.kind = ColumnKind::categorical;
  if (s.too_many_categories) too_many(s.col, "categories");
  if (s.categories.empty()) return ColumnInfo{name, ColumnKind::ignored};
  for (const auto& [category, count] : s.categories) info.categories.push_back(category);
  internal::sort_labels(info.categories);
  if (impute == Impute::automatic && s.missing > 0) {
    info.missing_category = true;
  } else if (impute != Impute::none) {
    // The first most frequent in sorted order, as fit chooses.
    size_t best = 0;
    for (size_t i = 1; i < info.categories.size(); ++i)
      if (s.categories.find(info.categories[i])->second >
          s.categories.find(info.categories[best])->second)
        best = i;
    info.fill = info.categories[best];
  }
  return info;
}

Preprocessing PreprocessingAccumulator::preprocessing() const {
  const State& s = *state_;
  PLEXUS_CHECK(s.rows > 0, s.header.source(), ": no training rows to fit the preprocessing on");
  std::vector<ColumnInfo> columns;
  auto next = s.columns.begin();
  for (const size_t c : s.plan.features) {
    if (s.plan.is_ignored(c)) {
      columns.push_back(ColumnInfo{s.header.columns()[c], ColumnKind::ignored});
    } else {
      columns.push_back(s.fit_column(*next++));
    }
  }
  Preprocessing out(std::move(columns), s.options.scaling);
  PLEXUS_CHECK(out.output_features() > 0, s.header.source(),
               ": no feature columns are left (all are the target or ignored)");
  return out;
}

Target PreprocessingAccumulator::target() const {
  const State& s = *state_;
  const TargetStats& t = s.target;
  PLEXUS_CHECK(s.rows > 0, s.header.source(), ": no training rows to fit the target on");
  Target out;
  out.column = s.header.columns()[t.col];
  const bool few = !t.too_many_classes && t.classes.size() <= kMaxClassesForIntegers;
  out.task = s.options.task                  ? *s.options.task
             : t.text || (t.integers && few) ? Task::classification
                                             : Task::regression;
  if (out.task == Task::regression) {
    if (t.first_text) throw Error(*t.first_text);
    if (t.first_non_finite) throw *t.first_non_finite;
    return out;
  }
  if (t.too_many_classes) s.too_many(t.col, "classes");
  for (const auto& [label, count] : t.classes) out.classes.push_back(label);
  internal::sort_labels(out.classes);
  return out;
}

uint64_t PreprocessingAccumulator::rows() const { return state_->rows; }

std::vector<uint64_t> PreprocessingAccumulator::missing_cells() const {
  std::vector<uint64_t> out(state_->header.cols(), 0);
  for (const ColumnStats& column : state_->columns) out[column.col] = column.missing;
  return out;
}

const std::vector<std::string>& PreprocessingAccumulator::columns() const {
  return state_->header.columns();
}

std::vector<uint8_t> PreprocessingAccumulator::to_bytes() const {
  const State& s = *state_;
  internal::ByteWriter out;
  out.u64(kTag);
  out.u64(s.rows);
  out.u64(s.columns.size());
  for (const ColumnStats& c : s.columns) {
    out.u64(c.col);
    out.u64(c.missing);
    out.u64(c.texts);
    out.u64(c.numbers);
    write_error(out, c.first_non_finite);
    out.f64(c.sum);
    out.f64(c.mean);
    out.f64(c.squares);
    out.bytes(c.sketch.to_bytes());
    out.u64(c.value_counts.size());
    for (const auto& [value, count] : c.value_counts) {
      out.f64(value);
      out.u64(count);
    }
    out.u64(c.too_many_categories);
    write_counts(out, c.categories);
  }
  const TargetStats& t = s.target;
  out.u64(t.text);
  out.u64(t.integers);
  out.u64(t.first_text.has_value());
  if (t.first_text) out.text(*t.first_text);
  write_error(out, t.first_non_finite);
  out.u64(t.too_many_classes);
  write_counts(out, t.classes);
  return out.take();
}

PreprocessingAccumulator PreprocessingAccumulator::from_bytes(std::span<const uint8_t> bytes,
                                                              std::vector<std::string> columns,
                                                              const TabularOptions& options,
                                                              std::string source,
                                                              size_t max_categories) {
  PreprocessingAccumulator out(std::move(columns), options, std::move(source), max_categories);
  State& s = *out.state_;
  internal::ByteReader in(bytes, s.header.source());
  in.expect(kTag, "preprocessing accumulator");
  s.rows = in.u64();
  PLEXUS_CHECK(in.u64() == s.columns.size(), s.header.source(),
               ": the preprocessing state is of other feature columns");
  for (ColumnStats& c : s.columns) {
    PLEXUS_CHECK(in.u64() == c.col, s.header.source(),
                 ": the preprocessing state is of other feature columns");
    c.missing = in.u64();
    c.texts = in.u64();
    c.numbers = in.u64();
    c.first_non_finite = read_error(in);
    c.sum = in.f64();
    c.mean = in.f64();
    c.squares = in.f64();
    c.sketch = QuantileSketch::from_bytes(in.bytes(), s.header.source());
    for (uint64_t n = in.length(); n > 0; --n) {
      const double value = in.f64();
      c.value_counts[value] = in.u64();
    }
    c.too_many_categories = in.u64() != 0;
    c.categories = read_counts(in);
  }
  TargetStats& t = s.target;
  t.text = in.u64() != 0;
  t.integers = in.u64() != 0;
  if (in.u64() != 0) t.first_text = in.text();
  t.first_non_finite = read_error(in);
  t.too_many_classes = in.u64() != 0;
  t.classes = read_counts(in);
  in.finish();
  return out;
}

}  // namespace plexus::data
