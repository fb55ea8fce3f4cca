// Tabular preprocessing and target encoding: fitting scans the training rows' cells once per
// column; transforming looks columns up by name and parses each cell with std::from_chars.
#include "plexus/data/tabular.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "base/check.hpp"
#include "data/cells.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;
using internal::parse_cell;
using nlohmann::json;

constexpr size_t kMaxClassesForIntegers = 20;

// "data.csv:12: column 'age' (3)": the 0-based index, as --target and --ignore accept it.
std::string where(const Table& table, size_t row, size_t col, const char* what = "column") {
  std::ostringstream text;
  text << table.where(row) << ": " << what << " '" << table.columns()[col] << "' (" << col << ")";
  return text.str();
}

// A feature cell that cannot be used: a CellError that names it.
template <typename... Parts>
[[noreturn]] void cell_error(const Table& table, size_t row, size_t col, const Parts&... parts) {
  std::ostringstream text;
  (text << where(table, row, col) << ... << parts);
  throw CellError(text.str(), row, table.line(row), col);
}

std::string quoted_list(const std::vector<std::string>& names) {
  constexpr size_t kListed = 20;
  std::ostringstream text;
  for (size_t i = 0; i < std::min(names.size(), kListed); ++i)
    text << (i ? ", '" : "'") << names[i] << "'";
  if (names.size() > kListed) text << " and " << names.size() - kListed << " more";
  return text.str();
}

// By exact name: a saved pipeline refers to its columns by name, whatever their order here.
size_t find_column(const Table& table, const std::string& name, const char* role) {
  const auto& names = table.columns();
  const auto it = std::find(names.begin(), names.end(), name);
  PLEXUS_CHECK(it != names.end(), table.source(), ": the ", role, " column '", name,
               "' is missing; the model was trained with it. This file has ", quoted_list(names));
  return static_cast<size_t>(it - names.begin());
}

void check_rows(const Table& table, std::span<const size_t> rows) {
  for (const size_t row : rows)
    PLEXUS_CHECK(row < table.rows(), table.source(), ": row ", row, " is out of range (",
                 table.rows(), " rows)");
}

size_t target_index(const Table& table, const TabularOptions& options) {
  PLEXUS_CHECK(table.cols() > 0, table.source(), ": no columns");
  if (options.target.empty()) return table.cols() - 1;
  return static_cast<size_t>(table.column_index(options.target));
}

std::string format_number(double value) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
  return std::string(buffer, end);
}

// Numeric order when every label is a number (so "2" comes before "10"), else lexicographic.
void sort_labels(std::vector<std::string>& labels) {
  const bool numbers = std::all_of(labels.begin(), labels.end(), [](const std::string& s) {
    return parse_cell(s).kind == CellKind::number;
  });
  if (numbers) {
    std::stable_sort(labels.begin(), labels.end(), [](const std::string& a, const std::string& b) {
      return parse_cell(a).value < parse_cell(b).value;
    });
  } else {
    std::sort(labels.begin(), labels.end());
  }
}

[[noreturn]] void missing_cell(const Table& table, size_t row, size_t col) {
  const std::string_view cell = table.cell(row, col);
  cell_error(table, row, col, ": ",
             internal::trim(cell).empty() ? std::string("empty cell")
                                          : "missing value '" + std::string(cell) + "'",
             "; fill it, drop the row, or pass --impute mean|median|most-frequent");
}

[[noreturn]] void not_a_number(const Table& table, size_t row, size_t col) {
  cell_error(table, row, col, ": '", table.cell(row, col),
             "' is not a number; hint: if the column holds categories, pass --categorical ",
             table.columns()[col]);
}

[[noreturn]] void not_finite(const Table& table, size_t row, size_t col) {
  cell_error(table, row, col, ": '", table.cell(row, col),
             "' is infinite or too large for a double; replace it, or leave the cell empty to "
             "mark it missing");
}

double median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return 0.5 *
         (*std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid)) +
          upper);
}

ColumnInfo fit_column(const Table& table, std::span<const size_t> rows, size_t col, bool forced,
                      Impute impute) {
  ColumnInfo info{table.columns()[col], ColumnKind::numeric};
  bool categorical = forced;
  std::optional<size_t> first_missing, first_non_finite, first_text;
  size_t texts = 0;
  std::vector<double> values;
  values.reserve(rows.size());
  for (const size_t row : rows) {
    const internal::Cell cell = parse_cell(table.cell(row, col));
    if (cell.kind == CellKind::missing) {
      if (!first_missing) first_missing = row;
    } else if (cell.kind == CellKind::text) {
      if (!first_text) first_text = row;
      ++texts;
    } else if (cell.kind == CellKind::non_finite) {
      if (!first_non_finite) first_non_finite = row;
    } else {
      values.push_back(cell.value);
    }
  }
  if (first_missing && impute == Impute::none) missing_cell(table, *first_missing, col);
  // A column of numbers with a few words in it is more likely a typo than categories: saying so
  // beats one-hot encoding every number as a category of its own.
  if (!forced && texts > 0 && values.size() > texts) not_a_number(table, *first_text, col);
  categorical = categorical || texts > 0;
  if (!categorical) {
    if (first_non_finite) not_finite(table, *first_non_finite, col);
    PLEXUS_CHECK(!values.empty(), table.source(), ": column '", info.name, "' (", col,
                 ") has no values in the training rows");
    double fill = 0;
    if (impute == Impute::median) {
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
    if (impute != Impute::none) {
      info.fill = format_number(fill);
      values.insert(values.end(), rows.size() - values.size(), fill);
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
    return info;
  }
  info.kind = ColumnKind::categorical;
  std::unordered_map<std::string_view, size_t> counts;
  for (const size_t row : rows) {
    const std::string_view cell = table.cell(row, col);
    if (!internal::is_missing(cell)) ++counts[cell];
  }
  PLEXUS_CHECK(!counts.empty(), table.source(), ": column '", info.name, "' (", col,
               ") has no values in the training rows");
  for (const auto& [category, count] : counts) info.categories.emplace_back(category);
  sort_labels(info.categories);
  if (impute != Impute::none) {
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

const char* kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::numeric:
      return "numeric";
    case ColumnKind::categorical:
      return "categorical";
    case ColumnKind::ignored:
      return "ignored";
  }
  return "";
}

const char* task_name(Task task) {
  return task == Task::classification ? "classification" : "regression";
}

}  // namespace

Preprocessing Preprocessing::fit(const Table& table, std::span<const size_t> rows,
                                 const TabularOptions& options) {
  PLEXUS_CHECK(!rows.empty(), table.source(), ": no training rows to fit the preprocessing on");
  check_rows(table, rows);
  const size_t target = target_index(table, options);
  const std::vector<size_t> ignored = indices_of(table, options.ignore);
  const std::vector<size_t> forced = indices_of(table, options.categorical);
  auto contains = [](const std::vector<size_t>& v, size_t i) {
    return std::find(v.begin(), v.end(), i) != v.end();
  };
  const std::string& target_name = table.columns()[target];
  PLEXUS_CHECK(!contains(ignored, target), table.source(), ": column '", target_name,
               "' is the target; it cannot also be ignored");
  PLEXUS_CHECK(!contains(forced, target), table.source(), ": column '", target_name,
               "' is the target; the task, not --categorical, decides how it is encoded");

  std::vector<size_t> features;
  if (options.features.empty()) {
    for (size_t c = 0; c < table.cols(); ++c)
      if (c != target) features.push_back(c);
  } else {
    features = indices_of(table, options.features);
    for (size_t i = 0; i < features.size(); ++i) {
      const std::string& name = table.columns()[features[i]];
      PLEXUS_CHECK(features[i] != target, table.source(), ": column '", name,
                   "' is the target; it cannot also be a feature");
      PLEXUS_CHECK(!contains(ignored, features[i]), table.source(), ": column '", name,
                   "' is both a feature and ignored");
      PLEXUS_CHECK(std::find(features.begin(), features.begin() + static_cast<std::ptrdiff_t>(i),
                             features[i]) == features.begin() + static_cast<std::ptrdiff_t>(i),
                   table.source(), ": column '", name, "' is listed twice as a feature");
    }
    for (const size_t c : ignored)
      if (!contains(features, c)) features.push_back(c);
  }
  Preprocessing out;
  for (const size_t c : features) {
    if (contains(ignored, c)) {
      out.columns_.push_back(ColumnInfo{table.columns()[c], ColumnKind::ignored});
    } else {
      out.columns_.push_back(fit_column(table, rows, c, contains(forced, c), options.impute));
    }
  }
  PLEXUS_CHECK(out.output_features() > 0, table.source(),
               ": no feature columns are left (all are the target or ignored)");
  return out;
}

size_t Preprocessing::output_features() const {
  size_t n = 0;
  for (const ColumnInfo& column : columns_) {
    if (column.kind == ColumnKind::numeric) n += 1;
    if (column.kind == ColumnKind::categorical) n += column.categories.size();
  }
  return n;
}

Tensor Preprocessing::transform(const Table& table, std::span<const size_t> rows,
                                std::vector<std::string>* warnings) const {
  check_rows(table, rows);
  std::vector<size_t> indices;  // every column is looked up first, so a missing one fails fast
  for (const ColumnInfo& column : columns_)
    if (column.kind != ColumnKind::ignored)
      indices.push_back(find_column(table, column.name, "feature"));
  const size_t width = output_features();
  Tensor out = Tensor::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
  float* x = out.data();
  size_t offset = 0, next = 0;
  for (const ColumnInfo& column : columns_) {
    if (column.kind == ColumnKind::ignored) continue;
    const size_t col = indices[next++];
    if (column.kind == ColumnKind::numeric) {
      const std::optional<double> fill =
          column.fill ? std::optional<double>(parse_cell(*column.fill).value) : std::nullopt;
      for (size_t i = 0; i < rows.size(); ++i) {
        const internal::Cell cell = parse_cell(table.cell(rows[i], col));
        double value = cell.value;
        if (cell.kind == CellKind::missing) {
          if (!fill) missing_cell(table, rows[i], col);
          value = *fill;
        } else if (cell.kind == CellKind::text) {
          not_a_number(table, rows[i], col);
        } else if (cell.kind == CellKind::non_finite) {
          not_finite(table, rows[i], col);
        }
        const double standard = (value - column.mean) / column.std;
        // A value far from the training ones can leave float's range: an error, not infinity.
        if (!(std::fabs(standard) <= std::numeric_limits<float>::max()))
          cell_error(table, rows[i], col, ": '", table.cell(rows[i], col),
                     "' is too far from the training values (mean ", column.mean, ", std ",
                     column.std, ") to standardise as a float32");
        x[i * width + offset] = static_cast<float>(standard);
      }
      offset += 1;
      continue;
    }
    std::unordered_map<std::string_view, size_t> lookup;
    for (size_t k = 0; k < column.categories.size(); ++k) lookup.emplace(column.categories[k], k);
    size_t unseen = 0;
    std::optional<size_t> first_unseen;
    for (size_t i = 0; i < rows.size(); ++i) {
      std::string_view cell = table.cell(rows[i], col);
      if (internal::is_missing(cell)) {
        if (!column.fill) missing_cell(table, rows[i], col);
        cell = *column.fill;
      }
      const auto it = lookup.find(cell);
      if (it == lookup.end()) {
        if (unseen++ == 0) first_unseen = i;
        continue;
      }
      x[i * width + offset + it->second] = 1.0f;
    }
    if (unseen > 0 && warnings) {
      std::ostringstream text;
      text << where(table, rows[*first_unseen], col) << ": category '"
           << table.cell(rows[*first_unseen], col) << "' was not in the training data; " << unseen
           << (unseen == 1 ? " cell" : " cells")
           << " of this column with unseen categories are encoded as all zeros";
      warnings->push_back(text.str());
    }
    offset += column.categories.size();
  }
  return out;
}

std::string Preprocessing::to_json() const {
  json columns = json::array();
  for (const ColumnInfo& column : columns_) {
    json c = {{"name", column.name}, {"kind", kind_name(column.kind)}};
    if (column.kind == ColumnKind::numeric) {
      c["mean"] = column.mean;
      c["std"] = column.std;
    }
    if (column.kind == ColumnKind::categorical) c["categories"] = column.categories;
    if (column.kind != ColumnKind::ignored) c["fill"] = column.fill ? json(*column.fill) : json();
    columns.push_back(std::move(c));
  }
  try {
    return json{{"version", 1}, {"columns", std::move(columns)}}.dump();
  } catch (const json::exception& e) {
    detail::throw_error("preprocessing: a column name or category is not valid UTF-8 (", e.what(),
                        "); save the CSV file as UTF-8");
  }
}

Preprocessing Preprocessing::from_json(std::string_view text, std::string_view source) {
  Preprocessing out;
  try {
    const json doc = json::parse(text);
    // Compared as a JSON number: get<int>() of a double beyond int's range is undefined.
    PLEXUS_CHECK(doc.at("version") == 1, source, ": preprocessing: version ",
                 doc.at("version").dump(), " is not supported");
    std::set<std::string> names;
    for (const json& c : doc.at("columns")) {
      ColumnInfo info{c.at("name").get<std::string>(), ColumnKind::ignored};
      PLEXUS_CHECK(names.insert(info.name).second, source, ": preprocessing: column '", info.name,
                   "' appears twice");
      const std::string kind = c.at("kind").get<std::string>();
      if (kind == "numeric") {
        info.kind = ColumnKind::numeric;
        info.mean = c.at("mean").get<double>();
        info.std = c.at("std").get<double>();
        PLEXUS_CHECK(std::isfinite(info.mean) && std::isfinite(info.std) && info.std > 0, source,
                     ": preprocessing: column '", info.name, "' has mean ", info.mean, " and std ",
                     info.std, "; the std must be finite and positive");
      } else if (kind == "categorical") {
        info.kind = ColumnKind::categorical;
        info.categories = c.at("categories").get<std::vector<std::string>>();
        PLEXUS_CHECK(!info.categories.empty(), source, ": preprocessing: column '", info.name,
                     "' has no categories");
      } else {
        PLEXUS_CHECK(kind == "ignored", source, ": preprocessing: column '", info.name,
                     "' has kind '", kind, "' (numeric, categorical or ignored)");
      }
      if (info.kind != ColumnKind::ignored && !c.at("fill").is_null())
        info.fill = c.at("fill").get<std::string>();
      PLEXUS_CHECK(!info.fill || info.kind != ColumnKind::numeric ||
                       parse_cell(*info.fill).kind == CellKind::number,
                   source, ": preprocessing: column '", info.name, "' has fill '",
                   info.fill.value_or(""), "', which is not a number");
      out.columns_.push_back(std::move(info));
    }
  } catch (const json::exception& e) {
    detail::throw_error(source, ": preprocessing does not parse: ", e.what());
  }
  PLEXUS_CHECK(out.output_features() > 0, source, ": preprocessing has no feature columns");
  return out;
}

Target Target::fit(const Table& table, std::span<const size_t> rows,
                   const TabularOptions& options) {
  PLEXUS_CHECK(!rows.empty(), table.source(), ": no training rows to fit the target on");
  check_rows(table, rows);
  const size_t col = target_index(table, options);
  Target out;
  out.column = table.columns()[col];
  bool text = false, integers = true;
  std::optional<size_t> first_text, first_non_finite;
  std::unordered_map<std::string_view, size_t> distinct;
  for (const size_t row : rows) {
    const std::string_view cell = table.cell(row, col);
    const internal::Cell parsed = parse_cell(cell);
    if (parsed.kind == CellKind::missing) {
      detail::throw_error(where(table, row, col, "target column"),
                          ": missing target; targets are not imputed: fill it or drop the row");
    }
    if (parsed.kind == CellKind::text && !first_text) first_text = row;
    if (parsed.kind == CellKind::non_finite && !first_non_finite) first_non_finite = row;
    text = text || parsed.kind == CellKind::text;
    integers =
        integers && parsed.kind == CellKind::number && parsed.value == std::floor(parsed.value);
    // Only whether there are more than 20 matters here; the classes are collected below.
    if (distinct.size() <= kMaxClassesForIntegers) distinct.emplace(cell, row);
  }
  if (options.task) {
    out.task = *options.task;
  } else {
    out.task = text || (integers && distinct.size() <= kMaxClassesForIntegers)
                   ? Task::classification
                   : Task::regression;
  }
  if (out.task == Task::regression) {
    if (first_text) {
      detail::throw_error(where(table, *first_text, col, "target column"), ": '",
                          table.cell(*first_text, col),
                          "' is not a number, but regression needs numeric targets; hint: pass "
                          "--task classification");
    }
    if (first_non_finite) not_finite(table, *first_non_finite, col);
    return out;
  }
  for (const size_t row : rows) distinct.emplace(table.cell(row, col), row);
  for (const auto& [label, row] : distinct) out.classes.emplace_back(label);
  sort_labels(out.classes);
  return out;
}

Tensor Target::encode(const Table& table, std::span<const size_t> rows) const {
  check_rows(table, rows);
  const size_t col = find_column(table, column, "target");
  const auto n = static_cast<int64_t>(rows.size());
  if (task == Task::regression) {
    Tensor out = Tensor::empty({n, 1});
    float* y = out.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      const internal::Cell cell = parse_cell(table.cell(rows[i], col));
      if (cell.kind == CellKind::missing) {
        detail::throw_error(where(table, rows[i], col, "target column"),
                            ": missing target; fill it or drop the row");
      }
      if (cell.kind == CellKind::text) {
        detail::throw_error(where(table, rows[i], col, "target column"), ": '",
                            table.cell(rows[i], col), "' is not a number");
      }
      if (cell.kind == CellKind::non_finite) not_finite(table, rows[i], col);
      // Finite as a double, but a float32 target beyond float's range would be infinity.
      PLEXUS_CHECK(std::fabs(cell.value) <= std::numeric_limits<float>::max(),
                   where(table, rows[i], col, "target column"), ": '", table.cell(rows[i], col),
                   "' is beyond float32's range");
      y[i] = static_cast<float>(cell.value);
    }
    return out;
  }
  std::unordered_map<std::string_view, size_t> lookup;
  for (size_t k = 0; k < classes.size(); ++k) lookup.emplace(classes[k], k);
  Tensor out = Tensor::empty({n});
  float* y = out.data();
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string_view cell = table.cell(rows[i], col);
    const auto it = lookup.find(cell);
    if (it == lookup.end()) {
      detail::throw_error(where(table, rows[i], col, "target column"), ": class '", cell,
                          "' is not one of the ", classes.size(),
                          " classes of the training data (a class seen only in the test "
                          "file?): ",
                          quoted_list(classes));
    }
    y[i] = static_cast<float>(it->second);
  }
  return out;
}

std::string Target::to_json() const {
  try {
    return json{{"version", 1}, {"task", task_name(task)}, {"column", column}, {"classes", classes}}
        .dump();
  } catch (const json::exception& e) {
    detail::throw_error("target: the column name or a class is not valid UTF-8 (", e.what(),
                        "); save the CSV file as UTF-8");
  }
}

Target Target::from_json(std::string_view text, std::string_view source) {
  Target out;
  try {
    const json doc = json::parse(text);
    // Compared as a JSON number: get<int>() of a double beyond int's range is undefined.
    PLEXUS_CHECK(doc.at("version") == 1, source, ": target: version ", doc.at("version").dump(),
                 " is not supported");
    const std::string task = doc.at("task").get<std::string>();
    PLEXUS_CHECK(task == "classification" || task == "regression", source, ": target: task '", task,
                 "' (classification or regression)");
    out.task = task == "classification" ? Task::classification : Task::regression;
    out.column = doc.at("column").get<std::string>();
    out.classes = doc.at("classes").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    detail::throw_error(source, ": target does not parse: ", e.what());
  }
  PLEXUS_CHECK(out.task == Task::regression || !out.classes.empty(), source,
               ": target: a classification target with no classes");
  return out;
}

}  // namespace plexus::data
