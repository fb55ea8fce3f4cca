// A model's inputs and targets from a data::Source: a table through the model's preprocessing
// (or, for a model trained on arrays, its columns as numbers), arrays scaled as in training, and
// labels mapped onto the model's classes by name; and which columns of a table it leaves unread.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/check.hpp"
#include "plexus/io/model_file.hpp"

namespace plexus::io {
namespace {

/// The columns of `table` an array model reads: those named in `features`, else the first
/// features.size() columns.
std::vector<int> array_columns(const std::vector<std::string>& features, const data::Table& table) {
  std::vector<int> cols;
  for (const auto& name : features) {
    auto it = std::find(table.columns().begin(), table.columns().end(), name);
    if (it == table.columns().end()) break;
    cols.push_back(static_cast<int>(it - table.columns().begin()));
  }
  if (cols.size() == features.size()) return cols;
  PLEXUS_CHECK(table.cols() >= features.size(), table.source(), ": the model takes ",
               features.size(), " columns (", features.front(), " ...), the file has ",
               table.cols());
  cols.clear();
  for (size_t i = 0; i < features.size(); ++i) cols.push_back(static_cast<int>(i));
  return cols;
}

/// An array model's inputs from a table: the columns it reads, each cell a finite number.
Tensor table_as_array(const std::vector<std::string>& features, const data::Table& table) {
  const std::vector<int> cols = array_columns(features, table);
  Tensor out =
      Tensor::empty({static_cast<int64_t>(table.rows()), static_cast<int64_t>(cols.size())});
  float* p = out.data();
  for (size_t r = 0; r < table.rows(); ++r) {
    for (const int col : cols) {
      const std::string cell(table.cell(r, col));
      char* end = nullptr;
      const float v = std::strtof(cell.c_str(), &end);
      PLEXUS_CHECK(!cell.empty() && end == cell.c_str() + cell.size() && std::isfinite(v),
                   table.source(), ":", table.line(r), ": column \"", table.columns()[col],
                   "\": \"", cell, "\" is not a number");
      *p++ = v;
    }
  }
  return out;
}

/// The index of class `name` among `classes`; `where` names the row in the error.
float class_index(const std::vector<std::string>& classes, const std::string& name,
                  const std::string& where) {
  auto it = std::find(classes.begin(), classes.end(), name);
  PLEXUS_CHECK(it != classes.end(), where, ": class \"", name, "\" is not one of the model's");
  return static_cast<float>(it - classes.begin());
}

}  // namespace

Tensor Model::inputs(const data::Source& source, std::vector<std::string>* warnings) const {
  if (info.input.tabular) {
    PLEXUS_CHECK(source.is_table(), source.name,
                 ": this model takes a table (CSV) with the columns ",
                 info.features.empty() ? std::string("?") : info.features.front(), ", ...");
    return preprocess(*source.table, warnings);
  }
  const Tensor x =
      source.is_table() ? table_as_array(info.features, *source.table) : source.arrays.features;
  PLEXUS_CHECK(static_cast<size_t>(x.shape(1)) == info.features.size(), source.name, ": ",
               x.shape(1), " features per row, the model takes ", info.features.size());
  const float factor = info.input.scale / (source.is_table() ? 1.0f : source.arrays.prescaled);
  Tensor out = x.clone();
  if (factor != 1.0f) {
    float* p = out.data();
    for (size_t i = 0; i < out.numel(); ++i) p[i] *= factor;
  }
  return out;
}

Tensor Model::targets(const data::Source& source, const std::string& target_column) const {
  if (source.is_table()) {
    const data::Table& table = *source.table;
    if (info.input.target) {
      data::Target encoder = *info.input.target;
      if (!target_column.empty()) encoder.column = target_column;
      std::vector<size_t> rows(table.rows());
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
      return encoder.encode(table, rows);
    }
    // A model trained on arrays given a CSV: the target is the column named, else "label".
    const int col = table.column_index(target_column.empty() ? "label" : target_column);
    Tensor out = Tensor::empty({static_cast<int64_t>(table.rows())});
    for (size_t r = 0; r < table.rows(); ++r)
      out.data()[r] = class_index(info.classes, std::string(table.cell(r, col)),
                                  table.source() + ":" + std::to_string(table.line(r)));
    return out;
  }
  const Tensor& labels = source.arrays.labels;
  PLEXUS_CHECK(labels.defined(), source.name, ": no labels (give --labels FILE.npy)");
  if (task() == data::Task::regression) return labels.reshape({labels.shape(0), 1});
  // Labels are class values (or indices into the source's class names); map them by name.
  Tensor out = Tensor::empty({labels.shape(0)});
  for (int64_t i = 0; i < labels.shape(0); ++i)
    out.data()[i] = class_index(info.classes, source.arrays.class_name(labels.data()[i]),
                                source.name + ": row " + std::to_string(i));
  return out;
}

std::vector<std::string> Model::unused_columns(const data::Table& table) const {
  const auto& features = info.features;
  const std::string target = info.input.target ? info.input.target->column : "";
  auto ignored = [&](const std::string& column) {
    if (!info.input.tabular) return false;
    const auto& columns = info.input.tabular->columns();
    return std::any_of(columns.begin(), columns.end(), [&](const data::ColumnInfo& c) {
      return c.name == column && c.kind == data::ColumnKind::ignored;
    });
  };
  std::vector<std::string> unused;
  for (const auto& column : table.columns())
    if (std::find(features.begin(), features.end(), column) == features.end() && !ignored(column) &&
        column != target)
      unused.push_back(column);
  return unused;
}

}  // namespace plexus::io
