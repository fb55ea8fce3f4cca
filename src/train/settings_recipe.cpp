// From settings to the library's objects: the defaults that depend on the data and the task, the
// recipe, the tabular options and the split.
#include <algorithm>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

#include "plexus/train/recipe_defaults.hpp"
#include "plexus/train/settings.hpp"

#include "plexus/base/text.hpp"
#include "plexus/data/source.hpp"
#include "plexus/data/stream_plan.hpp"
#include "plexus/optim/registry.hpp"

namespace plexus::train {

namespace {

bool has_beta2(const std::string& optimizer) {
  for (const auto& info : optim::optimizers())
    if (info.name == optimizer) return info.has_beta2;
  return false;
}

// The formats the command reads as arrays: fashion-mnist, an IDX folder (not one of CSV shards),
// a .npy file.
bool is_images(const std::string& data) {
  std::error_code ec;
  return data == "fashion-mnist" ||
         (std::filesystem::is_directory(data, ec) && !data::streamable(data));
}

bool is_arrays(const std::string& data) { return is_images(data) || data::is_npy_path(data); }

// The settings default_recipe(regression) changes from Recipe{}.
constexpr std::string_view kRegressionKeys[] = {
    "embedding", "feature_scale", "dropout", "batch_size", "lr", "weight_decay"};

}  // namespace

void resolve_task_defaults(TrainSettings& s, const std::vector<std::string>& chosen,
                           data::Task task) {
  if (task != data::Task::regression) return;
  const Recipe recipe = default_recipe(task);
  const auto unchosen = [&](std::string_view key) {
    return std::find(chosen.begin(), chosen.end(), key) == chosen.end();
  };
  if (unchosen("embedding")) s.embedding = recipe.embedding;
  if (unchosen("feature_scale")) s.feature_scale = recipe.feature_scale;
  if (unchosen("dropout")) s.dropout = recipe.dropout;
  if (unchosen("batch_size")) s.batch_size = recipe.batch_size;
  if (unchosen("lr")) s.lr = recipe.lr;
  if (unchosen("weight_decay")) s.weight_decay = recipe.weight_decay;
}

std::string task_defaults_text(const TrainSettings& s, const std::vector<std::string>& chosen,
                               data::Task task) {
  if (task != data::Task::regression) return "";
  std::string text;
  for (const std::string_view key : kRegressionKeys) {
    if (std::find(chosen.begin(), chosen.end(), key) != chosen.end()) continue;
    if (!text.empty()) text += ' ';
    text += find_setting(key).flag();
    if (key == "embedding") text.append(" ").append(s.embedding);
    if (key == "dropout") text.append(" ").append(number_text(s.dropout));
    if (key == "batch_size") text.append(" ").append(std::to_string(s.batch_size));
    if (key == "lr") text.append(" ").append(number_text(s.lr));
    if (key == "weight_decay") text.append(" ").append(number_text(s.weight_decay.value_or(0)));
  }
  return text;
}

bool resolve_width_defaults(TrainSettings& s, const std::vector<std::string>& chosen,
                            const data::PreparedData& data) {
  if (std::find(chosen.begin(), chosen.end(), "embedding") != chosen.end() ||
      s.embedding != "periodic" || embeddable_inputs(data) <= kMostEmbeddedInputs)
    return false;
  s.embedding = "none";
  return true;
}

namespace {

// The settings default_recipe(classification, rows) changes from Recipe{} on a small table.
struct SizeSetting {
  std::string_view key;
  int64_t Recipe::*in_recipe;
  int64_t TrainSettings::*in_settings;
};
constexpr SizeSetting kSizeSettings[] = {
    {"batch_size", &Recipe::batch_size, &TrainSettings::batch_size},
    {"epochs", &Recipe::epochs, &TrainSettings::epochs},
    {"early_stopping", &Recipe::early_stopping, &TrainSettings::early_stopping}};

// The size rule's settings that differ from a table's plain defaults, with their values, for the
// keys no flag chose; none where the rule is not the table's (regression has its recipe, arrays
// were not measured).
std::vector<std::pair<const SizeSetting*, int64_t>> size_defaults(
    const TrainSettings& s, const std::vector<std::string>& chosen, data::Task task,
    int64_t training_rows) {
  std::vector<std::pair<const SizeSetting*, int64_t>> values;
  if (task != data::Task::classification || is_arrays(s.data)) return values;
  const auto unchosen = [&](std::string_view key) {
    return std::find(chosen.begin(), chosen.end(), key) == chosen.end();
  };
  const Recipe sized = default_recipe(task, training_rows), plain;
  for (const SizeSetting& setting : kSizeSettings)
    // The longer run belongs to the longer patience: `--early-stopping 0` keeps 100 epochs.
    if (unchosen(setting.key) && (setting.key != "epochs" || unchosen("early_stopping")) &&
        sized.*setting.in_recipe != plain.*setting.in_recipe)
      values.emplace_back(&setting, sized.*setting.in_recipe);
  return values;
}

}  // namespace

void resolve_size_defaults(TrainSettings& s, const std::vector<std::string>& chosen,
                           data::Task task, int64_t training_rows) {
  for (const auto& [setting, value] : size_defaults(s, chosen, task, training_rows))
    s.*setting->in_settings = value;
}

std::string size_defaults_text(const TrainSettings& s, const std::vector<std::string>& chosen,
                               data::Task task, int64_t training_rows) {
  std::string text;
  for (const auto& [setting, value] : size_defaults(s, chosen, task, training_rows)) {
    if (!text.empty()) text += ' ';
    text += find_setting(setting->key).flag() + " " + std::to_string(value);
  }
  return text;
}

std::string default_recipe_name(const TrainSettings& s, data::Task task) {
  if (is_images(s.data)) return "images";
  if (is_arrays(s.data)) return "arrays";
  return task == data::Task::regression ? "regression" : "classification";
}

void resolve_defaults(TrainSettings& s, const std::vector<std::string>& chosen) {
  if (s.data.empty()) return;
  const bool images = is_images(s.data);
  const bool arrays = is_arrays(s.data);
  if (!s.weight_decay) s.weight_decay = arrays ? 0.0 : kTabularWeightDecay;
  if (!arrays && s.task == "regression") resolve_task_defaults(s, chosen, data::Task::regression);
  if (!images) return;
  // Measured on Fashion-MNIST (bench/TABULAR.md): about half a point of test accuracy over a
  // constant learning rate with early stopping, for 30 epochs.
  const auto unchosen = [&](std::string_view key) {
    return std::find(chosen.begin(), chosen.end(), key) == chosen.end();
  };
  if (unchosen("schedule")) s.schedule = "coslog4";
  if (unchosen("epochs")) s.epochs = 30;
  if (unchosen("early_stopping")) s.early_stopping = s.epochs;
  if (!s.beta2 && has_beta2(s.optimizer)) s.beta2 = 0.95;
}

std::vector<double> quantile_levels(const std::string& text) {
  std::vector<double> levels;
  for (const std::string& item : split_list(text)) {
    size_t used = 0;
    double level = 0;
    try {
      level = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(level > 0 && level < 1))
      throw SettingsError("--quantiles: \"" + item + "\" is not a level in (0, 1)");
    if (!levels.empty() && level <= levels.back())
      throw SettingsError("--quantiles: " + item + " does not come after " +
                          number_text(levels.back()) +
                          "; give the levels in increasing order, each once");
    levels.push_back(level);
  }
  if (levels.empty() && text.find_first_not_of(" ,") != std::string::npos)
    throw SettingsError("--quantiles: \"" + text + "\" holds no level");
  return levels;
}

std::optional<EnsembleFit> given_ensemble_fit(const TrainSettings& s) {
  if (s.ensemble_fit == "bagging") return EnsembleFit::bagging;
  if (s.ensemble_fit == "refit") return EnsembleFit::refit;
  return std::nullopt;
}

EnsembleFit ensemble_fit_of(const TrainSettings& s, data::Task task) {
  return given_ensemble_fit(s).value_or(default_ensemble_fit(task));
}

Recipe recipe_of(const TrainSettings& s) {
  return {.hidden = s.hidden,
          .activation = s.activation,
          .dropout = s.dropout,
          .batch_norm = s.batch_norm,
          .embedding = s.embedding,
          .feature_scale = s.feature_scale.value_or(false),
          .loss = s.loss,
          .label_smoothing = s.label_smoothing,
          .class_weight = s.class_weight,
          .quantiles = quantile_levels(s.quantiles),
          .optimizer = s.optimizer,
          .lr = s.lr,
          .beta2 = s.beta2,
          .weight_decay = s.weight_decay.value_or(0.0),
          .schedule = s.schedule,
          .clip_grad = s.clip_grad,
          .batch_size = s.batch_size,
          .epochs = s.epochs,
          .early_stopping = s.early_stopping,
          .seed = s.seed};
}

data::TabularOptions tabular_options(const TrainSettings& s) {
  data::Impute impute = data::Impute::automatic;
  if (s.impute == "none") impute = data::Impute::none;
  if (s.impute == "mean") impute = data::Impute::mean;
  if (s.impute == "median") impute = data::Impute::median;
  if (s.impute == "most-frequent") impute = data::Impute::most_frequent;
  std::optional<data::Task> task;
  if (!s.task.empty())
    task = s.task == "regression" ? data::Task::regression : data::Task::classification;
  return {.target = s.target,
          .features = s.features,
          .ignore = s.ignore,
          .categorical = s.categorical,
          .impute = impute,
          .scaling = s.scaling == "robust" ? data::Scaling::robust : data::Scaling::standard,
          .task = task,
          .embed_categories_above = static_cast<size_t>(s.embed_categories_above)};
}

data::PrepareOptions prepare_options(const TrainSettings& s) {
  return {.test_fraction = 0.2,
          .validation_fraction = s.ensemble > 1 ? 0.0 : s.validation_split,
          .seed = s.seed,
          .weight_column = s.weight_column};
}

}  // namespace plexus::train
