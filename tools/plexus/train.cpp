// `plexus train`: load, split (test, then validation) by row index, fit the preprocessing on the
// training rows only, train with early stopping, score on the test rows, save, report.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string_view>

#include "cli.hpp"
#include "plexus/cpu/threads.hpp"
#include "plexus/data/dataset.hpp"
#include "plexus/data/fashion_mnist.hpp"
#include "plexus/distributed/distributed.hpp"
#include "plexus/error.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/tensor/random.hpp"
#include "plexus/train/callbacks.hpp"
#include "plexus/train/checkpoint.hpp"
#include "plexus/train/diagnostics.hpp"
#include "plexus/train/fit.hpp"

namespace plexus::cli {
namespace {

using Rows = std::vector<size_t>;

/// Splits `rows` into (kept, held out): round(fraction * n) held out, per stratum when `strata`
/// (one value per row of `rows`) is given; both parts keep the original order.
std::pair<Rows, Rows> split_rows(const Rows& rows, const std::vector<int>* strata, double fraction,
                                 uint64_t seed) {
  std::map<int, Rows> groups;
  for (size_t i = 0; i < rows.size(); ++i) groups[strata ? (*strata)[i] : 0].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<bool> held(rows.size(), false);
  for (auto& [key, members] : groups) {
    std::shuffle(members.begin(), members.end(), rng);
    auto take = static_cast<size_t>(std::llround(fraction * static_cast<double>(members.size())));
    for (size_t i = 0; i < take && i < members.size(); ++i) held[members[i]] = true;
  }
  Rows kept, out;
  for (size_t i = 0; i < rows.size(); ++i) (held[i] ? out : kept).push_back(rows[i]);
  return {kept, out};
}

std::vector<int> pick(const std::vector<int>& values, const Rows& positions) {
  std::vector<int> out;
  for (size_t p : positions) out.push_back(values[p]);
  return out;
}

Tensor take_rows(const Tensor& x, const Rows& rows) {
  const int64_t width = x.rank() == 1 ? 1 : x.shape(1);
  Tensor out = x.rank() == 1 ? Tensor::empty({static_cast<int64_t>(rows.size())})
                             : Tensor::empty({static_cast<int64_t>(rows.size()), width});
  const float* src = x.data();
  float* dst = out.data();
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(src + rows[i] * width, width, dst + i * width);
  return out;
}

namespace fs = std::filesystem;

/// Settings a resumed run may change: where its outputs go, how many epochs in all, threads.
bool may_differ_on_resume(const std::string& key) {
  return key == "epochs" || key == "save" || key == "report" || key == "checkpoint" ||
         key == "threads";
}

std::string shown(const json& value) {
  if (value.is_string())
    return value.get<std::string>().empty() ? "\"\"" : value.get<std::string>();
  return value.dump();
}

/// `text` as one shell word.
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_-./+,:=@").find(c) != std::string_view::npos;
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The folder of a --resume argument (a checkpoint folder, or the checkpoint file in it).
fs::path resume_folder(const std::string& arg) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) return arg;
  const fs::path parent = fs::path(arg).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

train::Checkpoint read_checkpoint(const std::string& arg) {
  std::error_code ec;
  const fs::path file = fs::is_directory(arg, ec) ? train::checkpoint_file(arg) : fs::path(arg);
  if (!fs::is_regular_file(file, ec))
    throw Error("--resume " + arg + ": no checkpoint there (" + file.string() +
                " does not exist); plexus train --checkpoint DIR writes one after every epoch, "
                "and Ctrl-C leaves one");
  return train::load_checkpoint(arg);
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

std::string kind_name(data::ColumnKind kind) {
  switch (kind) {
    case data::ColumnKind::numeric:
      return "numeric";
    case data::ColumnKind::categorical:
      return "categorical";
    default:
      return "ignored";
  }
}

std::string join(const std::vector<std::string>& items, size_t limit = 20) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

data::Impute impute_of(const std::string& name) {
  if (name == "mean") return data::Impute::mean;
  if (name == "median") return data::Impute::median;
  if (name == "most-frequent") return data::Impute::most_frequent;
  return data::Impute::none;
}

/// Everything a run prepares before training, whatever the input format.
struct Prepared {
  bool classification = true;
  std::vector<std::string> classes, features;
  Tensor x_fit, y_fit, x_val, y_val, x_test, y_test;
  io::InputPipeline pipeline;
  std::vector<std::pair<std::string, std::string>> column_rows;  // for the report
  std::string test_note;
  // two-feature decision regions
  std::vector<std::string> axis_names;
  std::vector<double> px, py;
  std::vector<int> pcls;
};

void prepare_tabular(const Settings& s, const Source& train_src, const Source* test_src,
                     Prepared& p, bool verbose_out) {
  const data::Table& table = *train_src.table;
  if (table.rows() == 0) throw Error(table.source() + ": no data rows");
  data::TabularOptions opt{.target = s.target,
                           .features = s.features,
                           .ignore = s.ignore,
                           .categorical = s.categorical,
                           .impute = impute_of(s.impute),
                           .task = std::nullopt};
  if (!s.task.empty())
    opt.task = s.task == "regression" ? data::Task::regression : data::Task::classification;
  Rows all(table.rows());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  data::Target inferred = data::Target::fit(table, all, opt);
  opt.task = inferred.task;
  p.classification = inferred.task == data::Task::classification;
  int target_col = table.column_index(inferred.column);
  std::vector<int> strata;
  if (p.classification) {
    std::map<std::string, int> ids;
    for (size_t r = 0; r < table.rows(); ++r)
      strata.push_back(
          ids.emplace(std::string(table.cell(r, target_col)), ids.size()).first->second);
  }
  Rows train_rows = all, test_rows;
  if (!test_src) {
    std::tie(train_rows, test_rows) =
        split_rows(all, p.classification ? &strata : nullptr, 0.2, s.seed);
    p.test_note = "test set: " + std::to_string(test_rows.size()) + " rows (20% of " +
                  train_src.name + ", seeded" + (p.classification ? ", stratified" : "") +
                  ", held out before fitting anything)";
  }
  auto train_strata = p.classification ? pick(strata, train_rows) : std::vector<int>{};
  Rows fit_rows = train_rows, val_rows;
  if (s.validation_split > 0)
    std::tie(fit_rows, val_rows) = split_rows(
        train_rows, p.classification ? &train_strata : nullptr, s.validation_split, s.seed + 1);
  if (fit_rows.empty()) throw Error(table.source() + ": too few rows to train on");
  data::Preprocessing pre = data::Preprocessing::fit(table, fit_rows, opt);
  data::Target target = data::Target::fit(table, train_rows, opt);
  p.x_fit = pre.transform(table, fit_rows);
  p.y_fit = target.encode(table, fit_rows);
  if (!val_rows.empty()) {
    p.x_val = pre.transform(table, val_rows);
    p.y_val = target.encode(table, val_rows);
  }
  const data::Table& test_table = test_src ? *test_src->table : table;
  if (test_src) {
    if (!test_src->is_table()) throw Error(test_src->name + ": --test must be a CSV like --data");
    test_rows.resize(test_table.rows());
    for (size_t i = 0; i < test_rows.size(); ++i) test_rows[i] = i;
    p.test_note =
        "test set: " + test_src->name + " (" + std::to_string(test_rows.size()) + " rows)";
  }
  std::vector<std::string> warnings;
  if (!test_rows.empty()) {
    p.x_test = pre.transform(test_table, test_rows, &warnings);
    p.y_test = target.encode(test_table, test_rows);
  }
  for (const auto& w : warnings) warn(w);
  p.classes = target.classes;
  std::vector<int> numeric_cols;
  for (const auto& column : pre.columns()) {
    std::string what = kind_name(column.kind);
    if (column.kind == data::ColumnKind::numeric) {
      std::ostringstream d;
      d << what << " (mean " << format_value(column.mean) << ", std " << format_value(column.std)
        << ")";
      what = d.str();
      numeric_cols.push_back(table.column_index(column.name));
    } else if (column.kind == data::ColumnKind::categorical) {
      what += " (" + std::to_string(column.categories.size()) +
              " categories: " + join(column.categories, 8) + ")";
    }
    if (column.fill) what += ", missing -> " + *column.fill;
    p.column_rows.emplace_back(column.name, what);
    if (column.kind != data::ColumnKind::ignored) p.features.push_back(column.name);
  }
  p.column_rows.emplace_back(
      target.column,
      "target (" + std::string(p.classification ? "classification" : "regression") + ")");
  p.pipeline.tabular = pre;
  p.pipeline.target = target;
  // Decision regions: exactly two features, both numeric.
  if (p.classification && p.features.size() == 2 && numeric_cols.size() == 2) {
    p.axis_names = p.features;
    int tcol = test_table.column_index(target.column);
    for (size_t r : test_rows) {
      int ax = test_table.column_index(p.features[0]), ay = test_table.column_index(p.features[1]);
      p.px.push_back(std::strtod(std::string(test_table.cell(r, ax)).c_str(), nullptr));
      p.py.push_back(std::strtod(std::string(test_table.cell(r, ay)).c_str(), nullptr));
      auto it =
          std::find(p.classes.begin(), p.classes.end(), std::string(test_table.cell(r, tcol)));
      p.pcls.push_back(static_cast<int>(it - p.classes.begin()));
    }
  }
  (void)verbose_out;
}

void prepare_arrays(const Settings& s, const Source& train_src, const Source* test_src,
                    Prepared& p) {
  if (!train_src.labels.defined())
    throw UsageError("--data " + train_src.name + ": give the targets with --labels FILE.npy");
  const int64_t n = train_src.features.shape(0);
  const int64_t width = train_src.features.shape(1);
  if (n == 0) throw Error(train_src.name + ": no rows");
  // Task: classification for integer labels with at most 20 distinct values.
  const float* y = train_src.labels.data();
  std::set<float> distinct;
  bool integral = true;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(y[i]))
      throw Error(train_src.name + ": label " + std::to_string(i) + " is not finite");
    integral = integral && y[i] == std::round(y[i]);
    if (distinct.size() <= 21) distinct.insert(y[i]);
  }
  p.classification =
      s.task.empty() ? (integral && distinct.size() <= 20) : s.task == "classification";
  if (p.classification && !integral)
    throw Error(train_src.name + ": classification needs integer labels");
  // Scale: IDX images come in [0, 1] (the pipeline applies 1/255 to raw pixels); .npy arrays of
  // 8-bit values are scaled by 1/255 as well.
  Tensor x = train_src.features;
  float scale = train_src.prescaled;
  if (train_src.prescaled == 1.0f) {
    const float* v = x.data();
    bool bytes = true;
    float max = 0;
    for (size_t i = 0; i < x.numel() && bytes; ++i) {
      bytes = v[i] >= 0 && v[i] <= 255 && v[i] == std::round(v[i]);
      max = std::max(max, v[i]);
    }
    if (bytes && max > 1) {
      scale = 1.0f / 255.0f;
      x = x.clone();
      float* w = x.data();
      for (size_t i = 0; i < x.numel(); ++i) w[i] *= scale;
    }
  }
  p.pipeline.scale = scale;
  p.features = array_feature_names(train_src, width);
  // Class indices: Fashion-MNIST's labels index its names; other labels name classes by value.
  std::vector<float> values(distinct.begin(), distinct.end());
  auto index_of = [&](float v) -> int {
    if (!train_src.class_names.empty())
      return v >= 0 && v == std::round(v) && static_cast<size_t>(v) < p.classes.size()
                 ? static_cast<int>(v)
                 : -1;
    auto it = std::find(values.begin(), values.end(), v);
    return it == values.end() ? -1 : static_cast<int>(it - values.begin());
  };
  std::vector<int> labels(static_cast<size_t>(n));
  Tensor y_index = train_src.labels;
  if (p.classification) {
    if (distinct.size() > 20 && train_src.class_names.empty())
      throw Error(train_src.name + ": more than 20 classes; pass --task regression for values");
    if (!train_src.class_names.empty()) {
      p.classes = train_src.class_names;
    } else {
      for (float v : values) p.classes.push_back(format_value(v));
    }
    y_index = Tensor::empty({n});
    for (int64_t i = 0; i < n; ++i) {
      labels[i] = index_of(y[i]);
      if (labels[i] < 0)
        throw Error(train_src.name + ": label " + format_value(y[i]) + " out of range");
      y_index.data()[i] = static_cast<float>(labels[i]);
    }
  }
  Rows all(static_cast<size_t>(n));
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  Rows train_rows = all, test_rows;
  Tensor test_x, test_y;
  Source fallback_test;
  const Source* test = test_src;
  if (!test && train_src.prescaled != 1.0f) {
    // An IDX folder (or fashion-mnist) has its own test split.
    try {
      SourceOptions options;
      options.train = false;
      fallback_test = load_source(train_src.name, options);
      test = &fallback_test;
    } catch (const Error&) {
      test = nullptr;
    }
  }
  if (!test) {
    std::tie(train_rows, test_rows) =
        split_rows(all, p.classification ? &labels : nullptr, 0.2, s.seed);
    p.test_note = "test set: " + std::to_string(test_rows.size()) + " rows (20% of " +
                  train_src.name + ", seeded" + (p.classification ? ", stratified" : "") + ")";
    test_x = take_rows(x, test_rows);
    test_y = take_rows(y_index, test_rows);
  } else {
    if (test->is_table() || !test->labels.defined())
      throw Error(test->name + ": the test set must be labelled arrays like --data");
    if (test->features.shape(1) != width)
      throw Error(test->name + ": " + std::to_string(test->features.shape(1)) +
                  " features per row, --data has " + std::to_string(width));
    test_x = test->features.clone();
    float factor = scale / test->prescaled;
    if (factor != 1.0f)
      for (size_t i = 0; i < test_x.numel(); ++i) test_x.data()[i] *= factor;
    test_y = test->labels.clone();
    if (p.classification)
      for (size_t i = 0; i < test_y.numel(); ++i) {
        float v = test_y.data()[i];
        int c = index_of(v);
        if (c < 0)
          throw Error(test->name + ": label " + format_value(v) +
                      " is a class the training data lacks (classes: " + join(p.classes) + ")");
        test_y.data()[i] = static_cast<float>(c);
      }
    p.test_note = "test set: " + test->name +
                  (test == &fallback_test ? " (its test split, " : " (") +
                  std::to_string(test_y.numel()) + " rows)";
  }
  auto train_labels = p.classification ? pick(labels, train_rows) : std::vector<int>{};
  Rows fit_rows = train_rows, val_rows;
  if (s.validation_split > 0)
    std::tie(fit_rows, val_rows) = split_rows(
        train_rows, p.classification ? &train_labels : nullptr, s.validation_split, s.seed + 1);
  Tensor y_all = p.classification ? y_index : train_src.labels.reshape({n, 1});
  p.x_fit = take_rows(x, fit_rows);
  p.y_fit = take_rows(y_all, fit_rows);
  if (!val_rows.empty()) {
    p.x_val = take_rows(x, val_rows);
    p.y_val = take_rows(y_all, val_rows);
  }
  p.x_test = test_x;
  if (p.classification) {
    for (size_t i = 0; i < test_y.numel(); ++i) {
      float v = test_y.data()[i];
      if (v < 0 || v != std::round(v) || static_cast<size_t>(v) >= p.classes.size())
        throw Error(p.test_note + ": label " + format_value(v) +
                    " is a class the training data lacks");
    }
    p.y_test = test_y;
  } else {
    p.y_test = test_y.reshape({static_cast<int64_t>(test_y.numel()), 1});
  }
  p.column_rows.emplace_back(
      "inputs", std::to_string(width) + " numeric values, scaled by " + format_value(scale));
}

/// Under --distributed: every process must train on the same rows (each reads the whole file, see
/// docs/DISTRIBUTED.md); a process that read other data would silently train another model.
void check_same_data(const Prepared& p) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the training tensors' bytes
  for (const Tensor* t : {&p.x_fit, &p.y_fit}) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(t->data());
    for (size_t i = 0; i < t->numel() * sizeof(float); ++i)
      hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  const std::string mine =
      std::to_string(p.x_fit.shape(0)) + " training rows, hash " + std::to_string(hash);
  const std::vector<std::string> all = distributed::all_gather(mine);
  std::optional<std::string> error;
  if (mine != all[0])
    error = "its training data (" + mine + ") differ from rank 0's (" + all[0] +
            "); give every process the same --data";
  distributed::agree_on_errors(error, "checking the data");
}

int train_process(const TrainFlags& flags, const std::vector<std::string>& given) {
  Settings s;
  // --resume: the checkpoint's settings; flags (and --config) may only repeat them, except
  // where the outputs go and the number of epochs.
  std::optional<train::Checkpoint> checkpoint;
  json saved_run;
  if (!flags.resume.empty()) {
    checkpoint = read_checkpoint(flags.resume);
    saved_run = json::parse(checkpoint->config, nullptr, false);
    if (!saved_run.is_object() || !saved_run.contains("settings"))
      throw Error("--resume " + flags.resume +
                  ": the checkpoint holds no plexus train settings (it was not written by "
                  "plexus train)");
    apply_config(saved_run["settings"], s, "the checkpoint in " + flags.resume);
  }
  const auto apply_stage = [&](const json& stage, const std::string& source, bool from_flags) {
    if (!checkpoint) return apply_config(stage, s, source);
    if (!stage.is_object()) throw UsageError(source + ": the configuration must be a JSON object");
    const json current = settings_to_json(s);
    json changes = json::object();
    for (const auto& [key, value] : stage.items()) {
      if (may_differ_on_resume(key)) {
        changes[key] = value;
        continue;
      }
      Settings probe = s;
      json one = json::object();
      one[key] = value;
      apply_config(one, probe, source);
      resolve_defaults(probe);
      const std::string name = key == "layers" ? "hidden" : key;
      const json wanted = settings_to_json(probe)[name];
      if (wanted == current[name]) continue;
      std::string flag = name;
      std::replace(flag.begin(), flag.end(), '_', '-');
      throw UsageError((from_flags ? "--" + flag + " " + shown(wanted)
                                   : source + ": \"" + name + "\": " + shown(wanted)) +
                       " contradicts the checkpoint in " + flags.resume + ", which has " + name +
                       " " + shown(current[name]) +
                       "; leave it out to resume with the checkpoint's settings, or train afresh "
                       "without --resume");
    }
    apply_config(changes, s, source);
  };
  if (!flags.config.empty()) apply_stage(read_json_file(flags.config), flags.config, false);
  json from_flags = settings_to_json(flags.settings);
  json overrides = json::object();
  for (const auto& key : given)
    if (from_flags.contains(key)) overrides[key] = from_flags[key];
  apply_stage(overrides, "command line", true);
  resolve_defaults(s);
  validate_settings(s);
  if (checkpoint && checkpoint->epochs_done > static_cast<size_t>(s.epochs))
    throw UsageError("--epochs " + std::to_string(s.epochs) + ": the checkpoint in " +
                     flags.resume + " has run " + std::to_string(checkpoint->epochs_done) +
                     " epochs already (--epochs counts all epochs, those done included)");
  if (flags.dump_config) {
    std::cout << settings_to_json(s).dump(2) << "\n";
    return kExitOk;
  }
  if (s.data.empty()) throw UsageError("--data is required (see plexus train --help)");
  if (s.threads > 0) set_num_threads(s.threads);
  manual_seed(s.seed);
  std::ostream& out = std::cout;

  SourceOptions options{
      .header = s.header, .delimiter = s.delimiter, .labels = s.labels, .train = true};
  Source train_src;
  std::optional<Source> test_src;
  Prepared p;
  // Under --distributed every process reads and prepares the data itself (the same preprocessing
  // and splits everywhere, from the seed); one that fails makes all fail, rank 0 saying which.
  std::optional<std::string> read_error;
  try {
    train_src = load_source(s.data, options);
    if (!s.test.empty()) {
      SourceOptions test_options = options;
      test_options.labels = s.test_labels;
      test_options.train = false;
      test_src = load_source(s.test, test_options);
    }
    if (train_src.is_table()) {
      if (test_src && !test_src->is_table())
        throw Error(test_src->name + ": --test must be a CSV like --data");
      prepare_tabular(s, train_src, test_src ? &*test_src : nullptr, p, !flags.quiet);
    } else {
      prepare_arrays(s, train_src, test_src ? &*test_src : nullptr, p);
    }
  } catch (const std::exception& e) {
    if (!flags.distributed) throw;
    read_error = e.what();
  }
  if (flags.distributed) {
    distributed::agree_on_errors(read_error, "reading the data");
    check_same_data(p);
  }
  const bool lead = distributed::rank() == 0;
  const int processes = distributed::world_size();
  const bool classification = p.classification;
  if (classification && p.classes.size() < 2)
    throw Error(s.data + ": the target has one class only (" + join(p.classes) +
                "); classification needs at least two");

  // What was inferred.
  out << "data: " << train_src.name << " (" << train_src.rows() << " rows)\n";
  out << "task: " << (classification ? "classification" : "regression")
      << (s.task.empty() ? " (inferred)" : " (--task)");
  if (classification) out << ", " << p.classes.size() << " classes: " << join(p.classes);
  out << "\ncolumns:\n";
  for (const auto& [name, kind] : p.column_rows) out << "  " << name << ": " << kind << "\n";
  out << p.test_note << "\n";
  const bool has_val = p.x_val.defined() && p.x_val.shape(0) > 0;
  out << "validation: "
      << (has_val ? std::to_string(p.x_val.shape(0)) + " rows (" +
                        format_value(s.validation_split * 100) + "% of the training rows)"
                  : std::string("none (--validation-split 0)"))
      << "\n";
  const bool early = has_val && s.early_stopping > 0;
  out << "early stopping: "
      << (early ? "on val_loss, patience " + std::to_string(s.early_stopping) +
                      ", best weights restored"
                : std::string(has_val ? "off (--early-stopping 0)" : "off (no validation set)"))
      << "\n";

  // Target scaling for regression.
  double y_mean = 0, y_std = 1;
  if (!classification) {
    const float* y = p.y_fit.data();
    size_t n = p.y_fit.numel();
    for (size_t i = 0; i < n; ++i) y_mean += y[i];
    y_mean /= static_cast<double>(std::max<size_t>(1, n));
    double var = 0;
    for (size_t i = 0; i < n; ++i) var += (y[i] - y_mean) * (y[i] - y_mean);
    y_std = std::sqrt(var / static_cast<double>(std::max<size_t>(1, n)));
    if (!(y_std > 0)) y_std = 1;
    auto standardise = [&](Tensor& t) {
      if (!t.defined()) return;
      t = t.clone();
      for (size_t i = 0; i < t.numel(); ++i)
        t.data()[i] = static_cast<float>((t.data()[i] - y_mean) / y_std);
    };
    standardise(p.y_fit);
    standardise(p.y_val);
  }

  // Loss, network, optimizer, schedule.
  std::string loss_name = s.loss.empty() ? (classification ? "cross_entropy" : "mse") : s.loss;
  for (const auto& info : loss::registry()) {
    if (info.name != loss_name) continue;
    bool wants_classes = info.target == loss::TargetKind::class_indices;
    if (wants_classes != classification)
      throw UsageError(
          "--loss " + loss_name + " does not fit a " +
          (classification ? "classification" : "regression") + " task; use " +
          (classification ? "cross_entropy, nll or multi_margin" : "mse, mae, huber or log_cosh"));
  }
  const int64_t outputs = classification ? static_cast<int64_t>(p.classes.size()) : 1;
  nn::Sequential network = build_network(s, p.x_fit.shape(1), outputs);
  if (loss_name == "nll") network.push_back(nn::make_activation("log_softmax"));
  optim::OptimizerSettings opt_settings{
      .lr = s.lr, .weight_decay = s.weight_decay.value_or(0.0), .momentum = std::nullopt};
  auto optimizer = optim::make_optimizer(s.optimizer, network.parameters(), opt_settings);
  const size_t fit_rows = static_cast<size_t>(p.x_fit.shape(0));
  const size_t batch = std::min<size_t>(static_cast<size_t>(s.batch_size), fit_rows);
  const size_t steps = (fit_rows + batch - 1) / batch;
  std::unique_ptr<optim::LRScheduler> schedule;
  train::FitOptions fit;
  fit.epochs = static_cast<size_t>(s.epochs);
  fit.batch_size = batch;
  fit.seed = s.seed;
  fit.clip_grad_norm = s.clip_grad;
  fit.verbose = flags.quiet ? 0 : 1;
  fit.metrics = {classification ? "accuracy" : "r2"};
  fit.distributed = flags.distributed;
  fit.sync_batch_norm = !flags.local_batch_norm;
  if (has_val) fit.validation = data::Dataset(p.x_val, p.y_val);
  if (s.schedule != "none") {
    schedule = optim::make_schedule(
        s.schedule, *optimizer,
        {.epochs = fit.epochs, .steps_per_epoch = steps, .gamma = std::nullopt, .eta_min = 0.0});
    bool per_batch = false;
    for (const auto& info : optim::schedules())
      if (info.name == s.schedule) per_batch = info.per_batch;
    fit.callbacks.push_back(train::LRSchedule{.scheduler = schedule.get(),
                                              .monitor = has_val ? "val_loss" : "loss",
                                              .per_batch = per_batch});
  }
  train::EarlyStoppingCallback stopper({.monitor = "val_loss",
                                        .patience = static_cast<size_t>(s.early_stopping),
                                        .min_delta = 0.0,
                                        .mode = train::Mode::automatic,
                                        .restore_best_weights = true});
  if (early) fit.callbacks.push_back(stopper);
  // Diagnostics print after each epoch's progress line; the probe is the first training rows.
  std::optional<train::DiagnosticsCallback> diagnostics;
  struct DiagnosticsPrinter : train::Callback {
    const train::DiagnosticsCallback* source = nullptr;
    void on_epoch_end(size_t epoch, const train::EpochLog&) override {
      std::cout << "diagnostics, epoch " << epoch + 1 << ":\n"
                << train::DiagnosticsCallback::table(source->epochs().back()) << std::flush;
    }
  } printer;
  if (flags.diagnostics) {
    const int64_t probe_rows = std::min<int64_t>(p.x_fit.shape(0), 512);
    diagnostics.emplace(train::Diagnostics{.probe = p.x_fit.slice_rows(0, probe_rows)});
    fit.callbacks.push_back(*diagnostics);
    printer.source = &*diagnostics;
    if (!flags.quiet) fit.callbacks.push_back(printer);
  }

  // Checkpoints: the configuration travels with them, and what the data came to, to check that
  // a resumed run sees the same data.
  json run;
  run["settings"] = settings_to_json(s);
  run["data_rows"] = train_src.rows();
  run["training_rows"] = fit_rows;
  run["inputs"] = p.x_fit.shape(1);
  run["outputs"] = outputs;
  run["plexus_version"] = PLEXUS_CLI_VERSION;
  if (checkpoint) {
    for (const char* key : {"data_rows", "training_rows", "inputs", "outputs"})
      if (saved_run.contains(key) && saved_run[key] != run[key])
        throw Error("--resume " + flags.resume + ": the data changed since the checkpoint (" + key +
                    ": " + saved_run[key].dump() + " then, " + run[key].dump() +
                    " now); resume with the data it was trained on");
    const json then = saved_run["settings"].value("epochs", json(nullptr));
    const bool planned = s.schedule == "none" || s.schedule == "exponential" ||
                         s.schedule == "plateau" || s.schedule == "step";
    if (!planned && then != json(s.epochs))
      warn("the " + s.schedule + " schedule was planned for " + shown(then) +
           " epochs and now runs to " + std::to_string(s.epochs) +
           "; the result differs from an uninterrupted run of " + std::to_string(s.epochs));
    fit.resume = &*checkpoint;
  }
  fit.checkpoint_config = run.dump();
  if (!s.checkpoint.empty()) fit.checkpoint_dir = s.checkpoint;
  fs::path interrupt_dir = !s.checkpoint.empty() ? fs::path(s.checkpoint)
                           : checkpoint          ? resume_folder(flags.resume)
                           : !s.save.empty()     ? fs::path(s.save + ".checkpoint")
                                                 : fs::path("plexus-checkpoint");
  fit.interrupt = &g_interrupted;
  fit.interrupt_checkpoint_dir = interrupt_dir;

  if (flags.distributed) {
    const size_t fewest = batch / processes, most = (batch + processes - 1) / processes;
    out << "distributed: " << processes << " processes, each " << fewest
        << (most > fewest ? "-" + std::to_string(most) : std::string())
        << " rows of every batch of " << batch << "\n";
  }
  out << "network: " << network.name() << " (" << parameter_count(network) << " parameters), "
      << s.optimizer << " lr " << format_value(s.lr) << ", batch " << batch << ", up to "
      << s.epochs << " epochs\n";
  if (checkpoint)
    out << "resumed: " << flags.resume << " (" << checkpoint->epochs_done << " epochs done"
        << (checkpoint->stopped ? ", early stopping had ended the run" : "") << ")\n";
  if (!s.checkpoint.empty()) out << "checkpoint: " << s.checkpoint << " (after every epoch)\n";
  out << std::flush;

  auto start = std::chrono::steady_clock::now();
  train::History history;
  try {
    history = train::fit(network, *optimizer, loss_name, data::Dataset(p.x_fit, p.y_fit), fit);
  } catch (const train::Interrupted& e) {
    if (!lead) return kExitInterrupted;  // every process stopped; rank 0 tells
    std::cerr << "\nplexus: interrupted in epoch " << e.epoch + 1 << " after " << e.step
              << " steps\n";
    if (e.checkpoint.empty()) {
      std::cerr << "plexus: nothing saved\n";
    } else {
      std::cerr << "plexus: the checkpoint in " << e.checkpoint.string() << " holds " << e.epoch
                << " finished epochs\n"
                << "plexus: to continue: plexus train --resume "
                << shell_word(e.checkpoint.string()) << "\n";
    }
    return kExitInterrupted;
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.find("hint: lower the learning rate") != std::string::npos)
      throw Error(what + " (plexus train: a smaller --lr than " + format_value(s.lr) +
                  ", or --clip-grad 1)");
    throw;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t epochs_run = history.epochs();
  const size_t epochs_now = epochs_run - (checkpoint ? checkpoint->epochs_done : 0);
  size_t best_epoch = epochs_run - 1;
  if (early && stopper.best_epoch())
    best_epoch = *stopper.best_epoch();
  else if (has_val)
    best_epoch = history.best_epoch("val_loss");
  if (!classification) fold_target_scaling(network, y_mean, y_std);
  network.eval();

  Scores scores;
  bool have_test = p.x_test.defined() && p.x_test.shape(0) > 0;
  if (have_test) {
    Tensor o = predict_outputs(network, p.x_test);
    scores = score(o, p.y_test, classification, p.classes.size());
  }
  json result;
  result["task"] = classification ? "classification" : "regression";
  if (have_test) add_scores(result, scores, p.classes, false);
  result["train_seconds"] = seconds;
  result["epochs_run"] = epochs_run;
  result["best_epoch"] = best_epoch + 1;
  result["samples_per_second"] =
      seconds > 0 ? static_cast<double>(fit_rows * epochs_now) / seconds : 0.0;
  result["test_rows"] = have_test ? p.x_test.shape(0) : 0;
  result["processes"] = processes;
  result["model"] = s.save.empty() ? json(nullptr) : json(s.save);
  if (classification) result["classes"] = p.classes;

  if (!s.save.empty() && lead) {
    io::ModelInfo info;
    info.task = result["task"];
    info.classes = p.classes;
    info.features = p.features;
    info.input = p.pipeline;
    json training;
    training["data"] = s.data;
    training["test"] = s.test.empty() ? json(p.test_note) : json(s.test);
    training["settings"] = settings_to_json(s);
    json metrics = json::object();
    if (have_test) add_scores(metrics, scores, p.classes, false);
    training["metrics"] = metrics;
    training["date"] = now_iso();
    training["epochs_run"] = epochs_run;
    json epochs = json::array();
    for (size_t e = 0; e < history.epochs(); ++e) {
      const train::EpochLog& log = history[e];
      json row;
      row["loss"] = log.loss;
      if (log.val_loss) row["val_loss"] = *log.val_loss;
      for (const auto& [name, value] : log.metrics) row[name] = value;
      row["lr"] = log.lr;
      epochs.push_back(row);
    }
    training["history"] = epochs;
    training["best_epoch"] = best_epoch + 1;
    training["train_seconds"] = seconds;
    training["plexus_version"] = PLEXUS_CLI_VERSION;
    info.training = training.dump();
    io::save_model(network, s.save, info);
  }

  if (!s.report.empty() && lead) {
    ReportInput r;
    r.title = "plexus train: " + s.data;
    const json effective = settings_to_json(s);
    for (const auto& [key, value] : effective.items())
      r.settings.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
    r.columns = p.column_rows;
    for (const auto& [key, value] : result.items())
      if (key != "classes")
        r.metrics.emplace_back(
            key, value.is_number() ? format_value(value.get<double>()) : value.dump());
    r.history = &history;
    if (diagnostics) r.diagnostics = diagnostics->epochs();
    r.best_epoch = best_epoch;
    r.scores = scores;
    r.classes = p.classes;
    if (!p.axis_names.empty() && p.pipeline.tabular) {
      r.axis_names = p.axis_names;
      r.point_x = p.px;
      r.point_y = p.py;
      r.point_class = p.pcls;
      const data::Preprocessing& pre = *p.pipeline.tabular;
      r.classify = [&](const std::vector<double>& gx, const std::vector<double>& gy) {
        std::ostringstream csv;
        csv << csv_field(p.axis_names[0]) << "," << csv_field(p.axis_names[1]) << "\n";
        for (size_t i = 0; i < gx.size(); ++i)
          csv << format_value(gx[i]) << "," << format_value(gy[i]) << "\n";
        std::istringstream in(csv.str());
        data::Table grid = data::read_csv(in, "<grid>", {.header = true, .delimiter = ','});
        Rows rows(grid.rows());
        for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
        Tensor o = predict_outputs(network, pre.transform(grid, rows));
        std::vector<int> cls;
        const int64_t k = o.shape(1);
        for (int64_t i = 0; i < o.shape(0); ++i) {
          int best = 0;
          for (int64_t j = 1; j < k; ++j)
            if (o.data()[i * k + j] > o.data()[i * k + best]) best = static_cast<int>(j);
          cls.push_back(best);
        }
        return cls;
      };
    }
    write_report(s.report, r);
  }

  out << "\n";
  if (have_test) {
    out << "test (" << p.x_test.shape(0) << " rows):\n" << format_scores(scores, p.classes, false);
  }
  out << "epochs run: " << epochs_run << ", best epoch " << best_epoch + 1
      << (early ? " (weights restored)" : "") << "\n";
  out << "time: " << std::fixed << std::setprecision(1) << seconds << " s (" << std::setprecision(0)
      << result["samples_per_second"].get<double>() << " samples/s"
      << (flags.distributed ? " in all, " + std::to_string(processes) + " processes" : "") << ")\n"
      << std::defaultfloat;
  out << "model: " << (s.save.empty() ? std::string("not saved (use --save model.plx)") : s.save)
      << "\n";
  if (!s.report.empty()) out << "report: " << s.report << "/index.html\n";
  if (flags.json) print_json_line(result);
  return kExitOk;
}

}  // namespace

int run_train(TrainFlags flags, const std::vector<std::string>& given) {
  if (!flags.distributed) {
    if (flags.local_batch_norm) throw UsageError("--local-batch-norm goes with --distributed");
    return train_process(flags, given);
  }
  distributed::init();
  const int rank = distributed::rank();
  if (rank != 0) std::cout.setstate(std::ios::badbit);  // only rank 0 prints
  int code = kExitFailure;
  try {
    code = train_process(flags, given);
  } catch (const distributed::JobError& e) {
    // Every process stopped at the same point: rank 0 reports, and all leave in order.
    if (rank == 0) std::cerr << "plexus: error: " << e.what() << "\n";
    distributed::finalize();
    return kExitFailure;
  } catch (const std::exception& e) {
    // This process may be alone in failing: the others would wait for it forever, so the whole
    // job ends here.
    std::cerr << "plexus: error: rank " << rank << ": " << e.what() << std::endl;
    distributed::abort(dynamic_cast<const UsageError*>(&e) ? kExitUsage : kExitFailure);
  }
  distributed::finalize();
  return code;
}

}  // namespace plexus::cli
