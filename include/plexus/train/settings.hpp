// The settings of a training run from a table (plexus train's flags, its --config keys and
// --dump-config, one entry each): the data and its columns, the recipe, the outputs. The table
// says each setting's key, help, kind, bounds and where its value lives; reading a value from
// text or JSON, writing JSON and validating all go through it, so one bound holds everywhere:
//
//   px::train::TrainSettings settings;
//   px::train::apply_json(settings, R"({"data": "houses.csv", "target": "price"})", "run.json");
//   px::train::set_from_text(settings, "hidden", "64,32");  // as --hidden 64,32
//   px::train::resolve_defaults(settings, {"hidden"});  // the keys set: the others may follow the
//   data px::train::validate(settings); auto recipe = px::train::recipe_of(settings);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plexus/data/prepare.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/error.hpp"
#include "plexus/train/ensemble.hpp"
#include "plexus/train/recipe.hpp"

namespace plexus::train {

/// Everything a training run can be told; the defaults are plexus train's.
struct TrainSettings {
  // data
  std::string data, labels, test, test_labels;
  std::string target;
  std::vector<std::string> features, ignore, categorical;
  std::string impute = "auto";
  std::string scaling = "robust";
  std::optional<bool> header;
  std::string delimiter;
  std::string task;            ///< "" = inferred
  std::string weight_column;   ///< CSV column of each row's sample weight; "" = none
  std::optional<bool> stream;  ///< unset: streams when the data would not fit (--memory)
  std::string memory;          ///< "1G", "512M"; "" = half of the memory available
  int64_t shuffle_buffer = 0;  ///< streaming: rows in the shuffle buffer; 0 = from --memory
  /// categorical columns with more categories are embedded (data::TabularOptions); 0 = never
  int64_t embed_categories_above = 100;
  // network
  std::vector<int64_t> hidden = {256, 128};
  std::string activation = "relu";
  double dropout = 0.1;
  bool batch_norm = false;
  std::string embedding = "none";     ///< "none" or "periodic"
  std::optional<bool> feature_scale;  ///< unset: the task's default, on for a regression table
  std::string loss;                   ///< "" = cross_entropy (classification) or mse (regression)
  std::optional<double> label_smoothing;  ///< unset: the recipe's default
  std::string class_weight;  ///< "balanced", "name=weight,..." or "" (none): Recipe::class_weight
  std::string quantiles;     ///< "0.05,0.5,0.95" or "" (none): Recipe::quantiles (quantile_levels)
  // training
  std::string optimizer = "adam";
  double lr = 1e-3;
  std::optional<double> beta2;  ///< unset: the optimizer's own
  /// Unset: the default for the data (resolve_defaults), 1e-4 for tables, 0 for arrays.
  std::optional<double> weight_decay;
  std::string schedule = "none";
  double clip_grad = 0.0;
  int64_t batch_size = 128;
  int64_t epochs = 100;
  int64_t early_stopping = 10;
  double validation_split = 0.1;
  /// Members of the ensemble (train_ensemble); 1: one network.
  int64_t ensemble = 1;
  /// How the members train (train::EnsembleFit): "auto" (train::default_ensemble_fit), "bagging"
  /// or "refit".
  std::string ensemble_fit = "auto";
  /// After training, on the held-out rows (train::calibrate): "temperature" or "none".
  std::string calibration = "temperature";
  std::string threshold_for;  ///< a binary classifier's threshold rule (train::threshold_rule)
  std::string cost_matrix;    ///< or its cost matrix, "fp=1,fn=5" (train::cost_rule)
  uint64_t seed = 0;
  int threads = 0;  ///< 0 = the library's default
  // outputs
  std::string save, report;
  std::string checkpoint;  ///< folder of the checkpoint written after every epoch
};

/// A bad setting (an unknown key, a value of the wrong kind or out of bounds). The message names
/// the setting: `--dropout: "1.5" is not a number in [0, 1)`.
class SettingsError : public Error {
 public:
  using Error::Error;
};

enum class SettingKind {
  text,
  text_list,     ///< "a,b" or a JSON array of strings
  integer_list,  ///< "256,128" or a JSON array of integers
  integer,
  number,
  boolean,
  optional_number,   ///< JSON null: unset
  optional_boolean,  ///< JSON null: unset; a flag --key and a flag --no-key
  choice,            ///< one of `choices`
  character,         ///< one character, or \t (tab); "" = detected
};

/// Where a setting's value lives in TrainSettings.
using SettingField =
    std::variant<std::string TrainSettings::*, std::vector<std::string> TrainSettings::*,
                 std::vector<int64_t> TrainSettings::*, int64_t TrainSettings::*,
                 uint64_t TrainSettings::*, int TrainSettings::*, double TrainSettings::*,
                 bool TrainSettings::*, std::optional<double> TrainSettings::*,
                 std::optional<bool> TrainSettings::*>;

/// Allowed numbers (of a list: each item): min < value (min_open) or min <= value, and likewise
/// for max.
struct Bounds {
  std::optional<double> min, max;
  bool min_open = false, max_open = false;
};

struct Setting {
  std::string key;   ///< the JSON key; the flag is --key with '_' as '-'
  std::string help;  ///< the flag's help
  SettingKind kind = SettingKind::text;
  SettingField field;
  Bounds bounds;
  /// choice: the allowed names; "" is allowed too when `empty_allowed` (the default is chosen).
  std::vector<std::string> choices;
  bool empty_allowed = false;
  /// optional_boolean: the help of --no-key.
  std::string negative_help;

  /// "--key-name".
  std::string flag() const;
};

/// What a value of the setting may be: "a number in [0, 1)", "a positive integer", "a string".
std::string allowed_values(const Setting& setting);
/// Every setting, in the order of plexus train --help.
const std::vector<Setting>& settings_table();
/// The setting of `key` (or of its alias, "layers" for "hidden"); SettingsError lists the keys.
const Setting& find_setting(std::string_view key);

/// Sets `key` from a flag's text ("0.1", "32,16", "true"); checks its kind, choices and bounds.
void set_from_text(TrainSettings& settings, std::string_view key, const std::string& text);
/// The settings as a JSON object (keys sorted), indented by `indent` spaces (-1: one line).
std::string to_json(const TrainSettings& settings, int indent = -1);
/// Applies the keys of a JSON object; `source` (a file name) starts the message of a bad key.
void apply_json(TrainSettings& settings, const std::string& json_text, const std::string& source);
/// Checks every setting's kind, choices and bounds.
void validate(const TrainSettings& settings);

/// Whether a resumed run may change `key`: where its outputs go, the epochs in all, the threads,
/// the calibration fitted after training.
bool may_differ_on_resume(std::string_view key);
/// apply_json on settings resumed from `checkpoint` (its folder, for messages): a key that may not
/// differ on resume must repeat the settings' value, else a SettingsError naming the flag (with
/// `from_flags`) or the source's key, both values, and the way out.
void apply_json_on_resume(TrainSettings& settings, const std::string& json_text,
                          const std::string& source, const std::string& checkpoint,
                          bool from_flags);

/// The default weight decay of tabular (CSV) data; arrays (images, .npy) get 0.
inline constexpr double kTabularWeightDecay = 1e-4;
/// Fills the settings whose defaults depend on the data; needs `data`. Weight decay, unless set:
/// 1e-4 for tables, 0 for arrays (images, .npy). Images (fashion-mnist, an IDX folder) get their
/// own recipe in every setting not in `chosen` (the keys flags, --config or a checkpoint gave):
/// the coslog4 schedule over 30 epochs with the best epoch restored (early stopping 30, so it
/// never stops early), and, unset, Adam's beta2 0.95. A table with task "regression" gets the
/// regression recipe (resolve_task_defaults, plexus/train/recipe_defaults.hpp).
void resolve_defaults(TrainSettings& settings, const std::vector<std::string>& chosen);

/// --quantiles' levels: "0.05,0.5,0.95" -> {0.05, 0.5, 0.95}; "" -> none. Each must be a number
/// in (0, 1), each above the one before; else a SettingsError naming --quantiles and the value.
std::vector<double> quantile_levels(const std::string& text);
/// The settings as the library's options.
Recipe recipe_of(const TrainSettings& settings);
/// --ensemble-fit as given: bagging or refit; unset for auto.
std::optional<EnsembleFit> given_ensemble_fit(const TrainSettings& settings);
/// --ensemble-fit, auto as default_ensemble_fit of `task`.
EnsembleFit ensemble_fit_of(const TrainSettings& settings, data::Task task);
data::TabularOptions tabular_options(const TrainSettings& settings);
/// The test fraction (0.2), the validation fraction and the seed; an ensemble's members validate
/// on folds of the training rows instead, so with ensemble > 1 no validation rows are held out.
data::PrepareOptions prepare_options(const TrainSettings& settings);

/// "a, b,,c" -> {"a", "b", "c"}: items trimmed, empty ones dropped.
std::vector<std::string> split_list(const std::string& text);

}  // namespace plexus::train
