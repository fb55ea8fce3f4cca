// Loading every input format the command reads into a table of cells or an array of numbers, and
// turning a source into a model's inputs and targets.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli.hpp"
#include "plexus/data/fashion_mnist.hpp"
#include "plexus/data/npy.hpp"
#include "plexus/error.hpp"

namespace plexus::cli {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  if (text.size() < suffix.size()) return false;
  std::string tail = text.substr(text.size() - suffix.size());
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == suffix;
}

data::CsvOptions csv_options(const SourceOptions& options) {
  data::CsvOptions csv;
  csv.header = options.header;
  if (options.delimiter == "\\t" || options.delimiter == "tab")
    csv.delimiter = '\t';
  else if (!options.delimiter.empty())
    csv.delimiter = options.delimiter[0];
  return csv;
}

Source from_images(const std::string& name, data::LabelledImages images, bool fashion) {
  Source source;
  source.name = name;
  source.features = images.images;
  source.labels = images.labels;
  source.prescaled = 1.0f / 255.0f;
  if (fashion) {
    for (const char* cls : data::kFashionMnistClasses) source.class_names.emplace_back(cls);
  }
  return source;
}

}  // namespace

size_t Source::rows() const {
  if (table) return table->rows();
  return features.defined() ? static_cast<size_t>(features.shape(0)) : 0;
}

Source load_source(const std::string& spec, const SourceOptions& options) {
  if (spec.empty())
    throw UsageError("--data is required (a .csv, a .npy, an IDX folder or fashion-mnist)");
  if (spec == "fashion-mnist")
    return from_images(spec, data::load_fashion_mnist(options.train, data::kFashionMnistDir), true);
  if (spec == "-") {
    Source source;
    source.name = "<stdin>";
    source.table = data::read_csv(std::cin, "<stdin>", csv_options(options));
    return source;
  }
  std::error_code ec;
  if (fs::is_directory(spec, ec))
    return from_images(spec, data::load_idx_dir(spec, options.train), false);
  if (!fs::exists(spec, ec)) throw Error(spec + ": no such file or folder");
  if (ends_with(spec, ".npy")) {
    Source source;
    source.name = spec;
    Tensor x = data::read_npy(spec);
    if (x.rank() == 1) x = x.reshape({x.shape(0), 1});
    if (x.rank() > 2) {
      int64_t rest = static_cast<int64_t>(x.numel()) / std::max<int64_t>(1, x.shape(0));
      x = x.reshape({x.shape(0), rest});
    }
    source.features = x;
    if (!options.labels.empty()) {
      Tensor y = data::read_npy(options.labels);
      if (y.numel() != static_cast<size_t>(x.shape(0)))
        throw Error(options.labels + ": " + std::to_string(y.numel()) + " labels for " +
                    std::to_string(x.shape(0)) + " rows of " + spec);
      source.labels = y.reshape({static_cast<int64_t>(y.numel())});
    }
    return source;
  }
  Source source;
  source.name = spec;
  source.table = data::read_csv(spec, csv_options(options));
  return source;
}

namespace {

/// An array model's inputs from a table: the columns named in the model's features, as numbers.
Tensor table_as_array(const io::Model& model, const data::Table& table) {
  const auto& names = model.info.features;
  std::vector<int> cols;
  bool by_name = true;
  for (const auto& name : names) {
    auto it = std::find(table.columns().begin(), table.columns().end(), name);
    if (it == table.columns().end()) {
      by_name = false;
      break;
    }
    cols.push_back(static_cast<int>(it - table.columns().begin()));
  }
  if (!by_name) {
    if (table.cols() < names.size())
      throw Error(table.source() + ": the model takes " + std::to_string(names.size()) +
                  " columns (" + names.front() + " ...), the file has " +
                  std::to_string(table.cols()));
    cols.clear();
    for (size_t i = 0; i < names.size(); ++i) cols.push_back(static_cast<int>(i));
  }
  Tensor out =
      Tensor::empty({static_cast<int64_t>(table.rows()), static_cast<int64_t>(cols.size())});
  float* p = out.data();
  for (size_t r = 0; r < table.rows(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string cell(table.cell(r, cols[c]));
      char* end = nullptr;
      float v = std::strtof(cell.c_str(), &end);
      if (cell.empty() || end != cell.c_str() + cell.size() || !std::isfinite(v))
        throw Error(table.source() + ":" + std::to_string(table.line(r)) + ": column \"" +
                    table.columns()[cols[c]] + "\": \"" + cell + "\" is not a number");
      *p++ = v;
    }
  }
  return out;
}

}  // namespace

Tensor model_inputs(const io::Model& model, const Source& source,
                    std::vector<std::string>* warnings) {
  const auto& input = model.info.input;
  if (input.tabular) {
    if (!source.is_table())
      throw Error(source.name + ": this model takes a table (CSV) with the columns " +
                  (model.info.features.empty() ? std::string("?") : model.info.features.front()) +
                  ", ...");
    return model.preprocess(*source.table, warnings);
  }
  Tensor x = source.is_table() ? table_as_array(model, *source.table) : source.features;
  if (static_cast<size_t>(x.shape(1)) != model.info.features.size())
    throw Error(source.name + ": " + std::to_string(x.shape(1)) +
                " features per row, the model takes " + std::to_string(model.info.features.size()));
  float factor = input.scale / (source.is_table() ? 1.0f : source.prescaled);
  Tensor out = x.clone();
  if (factor != 1.0f) {
    float* p = out.data();
    for (size_t i = 0; i < out.numel(); ++i) p[i] *= factor;
  }
  return out;
}

Tensor model_targets(const io::Model& model, const Source& source, const std::string& target) {
  const auto& input = model.info.input;
  if (source.is_table()) {
    if (!input.target) {
      // An array model given a CSV: the target is the column named, else "label".
      const auto& table = *source.table;
      std::string name = target.empty() ? "label" : target;
      int col = table.column_index(name);
      Tensor out = Tensor::empty({static_cast<int64_t>(table.rows())});
      for (size_t r = 0; r < table.rows(); ++r) {
        std::string cell(table.cell(r, col));
        auto it = std::find(model.info.classes.begin(), model.info.classes.end(), cell);
        if (it == model.info.classes.end())
          throw Error(table.source() + ":" + std::to_string(table.line(r)) + ": class \"" + cell +
                      "\" is not one of the model's");
        out.data()[r] = static_cast<float>(it - model.info.classes.begin());
      }
      return out;
    }
    data::Target encoder = *input.target;
    if (!target.empty()) encoder.column = target;
    std::vector<size_t> rows(source.table->rows());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    return encoder.encode(*source.table, rows);
  }
  if (!source.labels.defined()) throw Error(source.name + ": no labels (give --labels FILE.npy)");
  if (model.info.task == "regression") return source.labels.reshape({source.labels.shape(0), 1});
  // Labels are class values; map them onto the model's classes by name.
  Tensor out = Tensor::empty({source.labels.shape(0)});
  const float* y = source.labels.data();
  for (int64_t i = 0; i < source.labels.shape(0); ++i) {
    std::string name = source.class_names.empty()
                           ? format_value(y[i])
                           : source.class_names.at(static_cast<size_t>(y[i]));
    auto it = std::find(model.info.classes.begin(), model.info.classes.end(), name);
    if (it == model.info.classes.end())
      throw Error(source.name + ": row " + std::to_string(i) + ": class \"" + name +
                  "\" is not one of the model's");
    out.data()[i] = static_cast<float>(it - model.info.classes.begin());
  }
  return out;
}

}  // namespace plexus::cli
