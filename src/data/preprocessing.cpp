// The feature pipeline's fit: it scans the training rows' cells once per column (kind, fill,
// scaling statistics, categories). Transforming is in transform.cpp.
#include "plexus/data/tabular.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "data/tabular_detail.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;
using internal::check_rows;
using internal::format_number;
using internal::missing_cell_error;
using internal::not_finite;
using internal::parse_cell;
using internal::sort_labels;
using internal::target_index;

double median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return 0.5 *
         (*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid)) +
          upper);
}

// numpy's default quantile of sorted values: linear between the two nearest ranks.
double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(position);
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

// The statistics of `values` that Scaling needs.
void fit_scaling(ColumnInfo& info, std::vector<double> values, Scaling scaling, const Table& table,
                 size_t col) {
  if (scaling == Scaling::robust) {
    // RealMLP's rule: the interquartile range; half the range where the quartiles coincide (a
    // column of mostly one value); 1 for a constant column.
    info.median = median(values);
    std::sort(values.begin(), values.end());
    info.scale = quantile(values, 0.75) - quantile(values, 0.25);
    if (!(info.scale > 0)) info.scale = 0.5 * (values.back() - values.front());
    if (!(info.scale > 0) || !std::isfinite(info.scale)) info.scale = 1;
    return;
  }
  // Two passes: a mean first, then squared deviations, which keeps the std accurate for
  // columns with a large offset (e.g. years).
  double sum = 0;
  for (const double v : values) sum += v;
  info.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (const double v : values) squares += (v - info.mean) * (v - info.mean);
  // Finite cells can still overflow a double's sum (1e308 + 1e308); an infinite mean or std
  // would standardise every value to NaN or infinity.
  PLEXUS_CHECK(std::isfinite(info.mean) && std::isfinite(squares), table.source(), ": column '",
               info.name, "' (", col, ") has values too large to standardise (their sum ",
               "overflows a double); rescale the column");
  info.std = std::sqrt(squares / static_cast<double>(values.size()));
  if (!(info.std > 0) || !std::isfinite(info.std)) info.std = 1;
}

ColumnInfo fit_column(const Table& table, std::span<const size_t> rows, size_t col, bool forced,
                      const TabularOptions& options) {
  const Impute impute = options.impute;
  ColumnInfo info{table.columns()[col], ColumnKind::numeric};
  bool categorical = forced;
  std::optional<size_t> first_missing, first_non_finite;
  size_t texts = 0;
  std::vector<double> values;
  values.reserve(rows.size());
  for (const size_t row : rows) {
    const internal::Cell cell = parse_cell(table.cell(row, col));
    if (cell.kind == CellKind::missing) {
      if (!first_missing) first_missing = row;
    } else if (cell.kind == CellKind::text) {
      ++texts;
    } else if (cell.kind == CellKind::non_finite) {
      if (!first_non_finite) first_non_finite = row;
    } else {
      values.push_back(cell.value);
    }
  }
  if (first_missing && impute == Impute::none) throw missing_cell_error(table, *first_missing, col);
  // A word among numbers makes the column categories, as a data frame library reads it (the
  // number "4" one category, "rotary" another); prepare_table warns where numbers are among them.
  categorical = categorical || texts > 0;
  if (!categorical) {
    if (first_non_finite) not_finite(table, *first_non_finite, col);
    // Nothing to learn from, and no value to fill with: the column is left out, as --ignore
    // would, rather than failing the whole table (prepare_table says so).
    if (values.empty()) return ColumnInfo{info.name, ColumnKind::ignored};
    double fill = 0;
    if (impute == Impute::median || impute == Impute::automatic) {
      fill = median(values);
    } else if (impute == Impute::most_frequent) {
      std::map<double, size_t> counts;  // ordered, so ties go to the smallest value
      for (const double v : values) ++counts[v];
      fill = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
               return a.second < b.second;
             })->first;
    } else if (impute == Impute::mean) {
      double sum = 0;
      for (const double v : values) sum += v;
      fill = sum / static_cast<double>(values.size());
    }
    if (impute != Impute::none) info.fill = format_number(fill);
    // Under automatic the indicator marks the filled cells, and the scaling comes from the
    // present values: filling first would shrink the spread of a column with many gaps.
    if (impute == Impute::automatic) {
      info.missing_indicator = first_missing.has_value();
    } else if (impute != Impute::none) {
      values.insert(values.end(), rows.size() - values.size(), fill);
    }
    fit_scaling(info, std::move(values), options.scaling, table, col);
    return info;
  }
  info.kind = ColumnKind::categorical;
  std::unordered_map<std::string_view, size_t> counts;
  for (const size_t row : rows) {
    const std::string_view cell = table.cell(row, col);
    if (!internal::is_missing(cell)) ++counts[cell];
  }
  if (counts.empty()) return ColumnInfo{info.name, ColumnKind::ignored};
  for (const auto& [category, count] : counts) info.categories.emplace_back(category);
  sort_labels(info.categories);
  info.embedded =
      options.embed_categories_above > 0 && info.categories.size() > options.embed_categories_above;
  if (impute == Impute::automatic && first_missing) {
    info.missing_category = true;  // a flag, not a name: no real category can clash with it
  } else if (impute != Impute::none) {
    // The first most frequent in sorted order, so the choice does not depend on hashing.
    size_t best = 0;
    for (size_t i = 1; i < info.categories.size(); ++i)
      if (counts[info.categories[i]] > counts[info.categories[best]]) best = i;
    info.fill = info.categories[best];
  }
  return info;
}

std::vector<size_t> indices_of(const Table& table, const std::vector<std::string>& names) {
  std::vector<size_t> out;
  for (const std::string& name : names)
    out.push_back(static_cast<size_t>(table.column_index(name)));
  return out;
}

}  // namespace

namespace internal {

FeatureColumns feature_columns(const Table& table, const TabularOptions& options) {
  FeatureColumns out{target_index(table, options),
                     {},
                     indices_of(table, options.ignore),
                     indices_of(table, options.categorical)};
  const size_t target = out.target;
  const std::string& target_name = table.columns()[target];
  PLEXUS_CHECK(!out.is_ignored(target), table.source(), ": column '", target_name,
               "' is the target; it cannot also be ignored");
  PLEXUS_CHECK(!out.is_forced(target), table.source(), ": column '", target_name,
               "' is the target; the task, not --categorical, decides how it is encoded");
  std::vector<size_t>& features = out.features;
  if (options.features.empty()) {
    for (size_t c = 0; c < table.cols(); ++c)
      if (c != target) features.push_back(c);
    return out;
  }
  features = indices_of(table, options.features);
  for (size_t i = 0; i < features.size(); ++i) {
    const std::string& name = table.columns()[features[i]];
    PLEXUS_CHECK(features[i] != target, table.source(), ": column '", name,
                 "' is the target; it cannot also be a feature");
    PLEXUS_CHECK(!out.is_ignored(features[i]), table.source(), ": column '", name,
                 "' is both a feature and ignored");
    PLEXUS_CHECK(std::find(features.begin(), features.begin() + static_cast<std::ptrdiff_t>(i),
                           features[i]) == features.begin() + static_cast<std::ptrdiff_t>(i),
                 table.source(), ": column '", name, "' is listed twice as a feature");
  }
  for (const size_t c : out.ignored)
    if (std::find(features.begin(), features.end(), c) == features.end()) features.push_back(c);
  return out;
}

}  // namespace internal

Preprocessing Preprocessing::fit(const Table& table, std::span<const size_t> rows,
                                 const TabularOptions& options) {
  PLEXUS_CHECK(!rows.empty(), table.source(), ": no training rows to fit the preprocessing on");
  check_rows(table, rows);
  const internal::FeatureColumns columns = internal::feature_columns(table, options);
  Preprocessing out;
  out.scaling_ = options.scaling;
  for (const size_t c : columns.features) {
    if (columns.is_ignored(c)) {
      out.columns_.push_back(ColumnInfo{table.columns()[c], ColumnKind::ignored});
    } else {
      out.columns_.push_back(fit_column(table, rows, c, columns.is_forced(c), options));
    }
  }
  PLEXUS_CHECK(out.output_features() > 0, table.source(),
               ": no feature columns are left (all are the target or ignored)");
  return out;
}

size_t ColumnInfo::outputs() const {
  if (kind == ColumnKind::numeric) return 1 + missing_indicator;
  if (kind == ColumnKind::categorical) return embedded ? 1 : categories.size() + missing_category;
  return 0;
}

size_t Preprocessing::output_features() const {
  size_t n = 0;
  for (const ColumnInfo& column : columns_) n += column.outputs();
  return n;
}

std::vector<int64_t> Preprocessing::numeric_value_outputs() const {
  std::vector<int64_t> out;
  size_t offset = 0;
  for (const ColumnInfo& column : columns_) {
    if (column.kind == ColumnKind::numeric) out.push_back(static_cast<int64_t>(offset));
    offset += column.outputs();
  }
  return out;
}

std::vector<int64_t> Preprocessing::embedded_category_outputs() const {
  std::vector<int64_t> out;
  size_t offset = 0;
  for (const ColumnInfo& column : columns_) {
    if (column.embedded) out.push_back(static_cast<int64_t>(offset));
    offset += column.outputs();
  }
  return out;
}

std::vector<int64_t> Preprocessing::embedded_category_counts() const {
  std::vector<int64_t> out;
  for (const ColumnInfo& column : columns_)
    if (column.embedded)
      out.push_back(static_cast<int64_t>(column.categories.size() + column.missing_category + 1));
  return out;
}

}  // namespace plexus::data
