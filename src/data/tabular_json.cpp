// Preprocessing and Target as JSON text, kept inside model files: written with the fitted values,
// read back with every value checked, so a damaged file is an error that names it.
#include "plexus/data/tabular.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "base/check.hpp"
#include "data/cells.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;
using internal::parse_cell;
using nlohmann::json;

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

const char* scaling_name(Scaling scaling) {
  return scaling == Scaling::robust ? "robust" : "standard";
}

const char* task_name(Task task) {
  return task == Task::classification ? "classification" : "regression";
}

}  // namespace

std::string Preprocessing::to_json() const {
  json columns = json::array();
  for (const ColumnInfo& column : columns_) {
    json c = {{"name", column.name}, {"kind", kind_name(column.kind)}};
    if (column.kind == ColumnKind::numeric && scaling_ == Scaling::robust) {
      c["median"] = column.median;
      c["scale"] = column.scale;
    } else if (column.kind == ColumnKind::numeric) {
      c["mean"] = column.mean;
      c["std"] = column.std;
    }
    if (column.kind == ColumnKind::numeric) c["missing_indicator"] = column.missing_indicator;
    if (column.kind == ColumnKind::categorical) {
      c["categories"] = column.categories;
      c["missing_category"] = column.missing_category;
      if (column.embedded) c["embedded"] = true;  // only then: older readers one-hot the rest
    }
    if (column.kind != ColumnKind::ignored) c["fill"] = column.fill ? json(*column.fill) : json();
    columns.push_back(std::move(c));
  }
  try {
    return json{
        {"version", 1}, {"scaling", scaling_name(scaling_)}, {"columns", std::move(columns)}}
        .dump();
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
    // Files written before robust scaling have no "scaling": they standardise.
    const std::string scaling = doc.value("scaling", "standard");
    PLEXUS_CHECK(scaling == "standard" || scaling == "robust", source, ": preprocessing: scaling '",
                 scaling, "' (standard or robust)");
    out.scaling_ = scaling == "robust" ? Scaling::robust : Scaling::standard;
    std::set<std::string> names;
    for (const json& c : doc.at("columns")) {
      ColumnInfo info{c.at("name").get<std::string>(), ColumnKind::ignored};
      PLEXUS_CHECK(names.insert(info.name).second, source, ": preprocessing: column '", info.name,
                   "' appears twice");
      const std::string kind = c.at("kind").get<std::string>();
      // missing_indicator and missing_category came later: files without them have neither.
      if (kind == "numeric" && out.scaling_ == Scaling::robust) {
        info.kind = ColumnKind::numeric;
        info.median = c.at("median").get<double>();
        info.scale = c.at("scale").get<double>();
        PLEXUS_CHECK(std::isfinite(info.median) && std::isfinite(info.scale) && info.scale > 0,
                     source, ": preprocessing: column '", info.name, "' has median ", info.median,
                     " and scale ", info.scale, "; the scale must be finite and positive");
        info.missing_indicator = c.value("missing_indicator", false);
      } else if (kind == "numeric") {
        info.kind = ColumnKind::numeric;
        info.mean = c.at("mean").get<double>();
        info.std = c.at("std").get<double>();
        PLEXUS_CHECK(std::isfinite(info.mean) && std::isfinite(info.std) && info.std > 0, source,
                     ": preprocessing: column '", info.name, "' has mean ", info.mean, " and std ",
                     info.std, "; the std must be finite and positive");
        info.missing_indicator = c.value("missing_indicator", false);
      } else if (kind == "categorical") {
        info.kind = ColumnKind::categorical;
        info.categories = c.at("categories").get<std::vector<std::string>>();
        PLEXUS_CHECK(!info.categories.empty(), source, ": preprocessing: column '", info.name,
                     "' has no categories");
        info.missing_category = c.value("missing_category", false);
        info.embedded = c.value("embedded", false);
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
      // An indicator marks filled cells; a missing category replaces the fill.
      PLEXUS_CHECK(!info.missing_indicator || info.fill, source, ": preprocessing: column '",
                   info.name, "' has a missing indicator but no fill");
      PLEXUS_CHECK(!info.missing_category || !info.fill, source, ": preprocessing: column '",
                   info.name, "' has both a missing category and a fill");
      out.columns_.push_back(std::move(info));
    }
  } catch (const json::exception& e) {
    detail::throw_error(source, ": preprocessing does not parse: ", e.what());
  }
  PLEXUS_CHECK(out.output_features() > 0, source, ": preprocessing has no feature columns");
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
