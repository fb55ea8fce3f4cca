// Model files: the network's state_dict as safetensors tensors, and in the metadata (strings, as
// safetensors requires) the architecture, the input pipeline, the class and feature names and the
// training record, each JSON text. Reading checks each key before it is used and prefixes every
// error with the file's name.
#include "plexus/io/model_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/base/text.hpp"
#include "plexus/io/safetensors.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/ops/activation.hpp"
#include "plexus/ops/elementwise.hpp"
#include "plexus/ops/reduce.hpp"
#include "plexus/ops/shape_ops.hpp"

namespace plexus::io {

using nlohmann::json;

namespace {

constexpr const char* kVersionKey = "plexus.format_version";
constexpr const char* kArchitectureKey = "plexus.architecture";
constexpr const char* kPreprocessingKey = "plexus.preprocessing";
constexpr const char* kClassesKey = "plexus.classes";
constexpr const char* kFeaturesKey = "plexus.features";
constexpr const char* kTrainingKey = "plexus.training";
constexpr const char* kTaskKey = "plexus.task";
constexpr const char* kCalibrationKey = "plexus.calibration";
constexpr const char* kBaselineKey = "plexus.baseline";
constexpr const char* kQuantilesKey = "plexus.quantiles";

// PyTorch's types for the arguments LayerSpec keeps as numbers, so that the JSON reads as the
// torch.nn constructor call: bias=true, approximate="tanh", in_features=784, eps=1e-05.
constexpr std::string_view kFlagArgs[] = {"bias", "affine", "elementwise_affine"};

json arg_to_json(const std::string& name, double value) {
  if (std::find(std::begin(kFlagArgs), std::end(kFlagArgs), name) != std::end(kFlagArgs))
    return value != 0.0;
  if (name == "approximate") return value != 0.0 ? "tanh" : "none";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return static_cast<int64_t>(value);
  // Layers hold float32 settings: write the shortest decimal that reads back as that float.
  char text[32];
  const auto end = compat::to_chars(text, text + sizeof(text), static_cast<float>(value)).ptr;
  return std::stod(std::string(text, end));
}

double arg_from_json(const std::string& type, const std::string& name, const json& value,
                     std::string_view source) {
  if (value.is_boolean()) return value.get<bool>() ? 1.0 : 0.0;
  if (name == "approximate" && value.is_string()) {
    const std::string text = value;
    PLEXUS_CHECK(text == "none" || text == "tanh", source, ": architecture: ", type,
                 " approximate must be \"none\" or \"tanh\", got \"", text.substr(0, 40), "\"");
    return text == "tanh" ? 1.0 : 0.0;
  }
  PLEXUS_CHECK(value.is_number(), source, ": architecture: ", type, " argument \"", name,
               "\" must be a number, got ", value.dump().substr(0, 60));
  return value.get<double>();
}

// A list argument (PeriodicEmbedding's indices): whole numbers that fit an int64.
std::vector<int64_t> list_from_json(const std::string& type, const std::string& name,
                                    const json& value, std::string_view source) {
  std::vector<int64_t> out;
  for (const json& item : value) {
    const bool fits =
        item.is_number_integer() &&
        !(item.is_number_unsigned() && item.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX));
    PLEXUS_CHECK(fits, source, ": architecture: ", type, " argument \"", name,
                 "\" must be a list of whole numbers, got ", value.dump().substr(0, 60));
    out.push_back(item.get<int64_t>());
  }
  return out;
}

json spec_to_json(const nn::LayerSpec& spec) {
  json layer = {{"type", spec.type}};
  for (const auto& [name, value] : spec.args) layer[name] = arg_to_json(name, value);
  for (const auto& [name, values] : spec.lists) layer[name] = values;
  if (!spec.children.empty()) {
    json children = json::array();
    for (const auto& child : spec.children) children.push_back(spec_to_json(child));
    layer["children"] = children;
  }
  return layer;
}

nn::LayerSpec spec_from_json(const json& layer, std::string_view source) {
  PLEXUS_CHECK(layer.is_object() && layer.contains("type") && layer["type"].is_string(), source,
               ": architecture: each layer must be an object with a \"type\", got ",
               layer.dump().substr(0, 120));
  nn::LayerSpec spec{layer["type"].get<std::string>(), {}, {}};
  for (const auto& [name, value] : layer.items()) {
    if (name == "type") continue;
    if (name == "children") {
      PLEXUS_CHECK(value.is_array(), source, ": architecture: \"children\" of ", spec.type,
                   " must be a list");
      for (const auto& child : value) spec.children.push_back(spec_from_json(child, source));
      continue;
    }
    if (value.is_array()) {
      spec.lists.emplace_back(name, list_from_json(spec.type, name, value, source));
      continue;
    }
    spec.args.emplace_back(name, arg_from_json(spec.type, name, value, source));
  }
  return spec;
}

// Parses a metadata value as JSON; a missing key or bad JSON is an error naming both.
json metadata_json(const Metadata& metadata, const char* key, std::string_view source) {
  const auto found = metadata.find(key);
  PLEXUS_CHECK(found != metadata.end(), source, ": the model file has no ", key,
               " (written by another tool, or damaged)");
  try {
    return json::parse(found->second);
  } catch (const json::parse_error& e) {
    detail::throw_error(source, ": ", key, " is not valid JSON: ", e.what());
  }
}

std::vector<std::string> string_list(const json& value, const char* key, std::string_view source) {
  PLEXUS_CHECK(value.is_array(), source, ": ", key, " must be a JSON list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    PLEXUS_CHECK(item.is_string(), source, ": ", key, " must be a JSON list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

json pipeline_to_json(const InputPipeline& input) {
  if (input.tabular) {
    json pipeline = {{"kind", "tabular"}, {"features", json::parse(input.tabular->to_json())}};
    if (input.target) pipeline["target"] = json::parse(input.target->to_json());
    return pipeline;
  }
  return {{"kind", "scale"}, {"scale", input.scale}};
}

InputPipeline pipeline_from_json(const json& pipeline, std::string_view source) {
  PLEXUS_CHECK(pipeline.is_object() && pipeline.contains("kind") && pipeline["kind"].is_string(),
               source, ": ", kPreprocessingKey, " must be an object with a \"kind\"");
  InputPipeline input;
  const std::string kind = pipeline["kind"];
  if (kind == "tabular") {
    PLEXUS_CHECK(pipeline.contains("features"), source, ": ", kPreprocessingKey,
                 " of kind tabular has no \"features\"");
    input.tabular = data::Preprocessing::from_json(pipeline["features"].dump(), source);
    if (pipeline.contains("target"))
      input.target = data::Target::from_json(pipeline["target"].dump(), source);
    return input;
  }
  PLEXUS_CHECK(kind == "scale" && pipeline.contains("scale") && pipeline["scale"].is_number(),
               source, ": ", kPreprocessingKey, ": unknown kind \"", kind,
               "\" (this plexus reads \"tabular\" and \"scale\")");
  // Checked as a double: beyond float's range the scale would turn every input into infinity.
  const double scale = pipeline["scale"].get<double>();
  PLEXUS_CHECK(std::isfinite(scale) && std::fabs(scale) <= std::numeric_limits<float>::max(),
               source, ": ", kPreprocessingKey, ": the scale ", scale, " is not a finite float32");
  input.scale = static_cast<float>(scale);
  return input;
}

}  // namespace

std::string architecture_json(const nn::Sequential& model) {
  json layers = json::array();
  for (const auto& spec : nn::describe(model)) layers.push_back(spec_to_json(spec));
  return layers.dump();
}

nn::Sequential architecture_from_json(std::string_view text, std::string_view source,
                                      uint64_t max_numbers) {
  json layers;
  try {
    layers = json::parse(text);
  } catch (const json::parse_error& e) {
    detail::throw_error(source, ": ", kArchitectureKey, " is not valid JSON: ", e.what());
  }
  PLEXUS_CHECK(layers.is_array() && !layers.empty(), source, ": ", kArchitectureKey,
               " must be a non-empty list of layers");
  std::vector<nn::LayerSpec> specs;
  for (const auto& layer : layers) specs.push_back(spec_from_json(layer, source));
  try {
    return nn::build(specs, max_numbers);
  } catch (const Error& e) {
    detail::throw_error(source, ": architecture: ", e.what());
  }
}

void save_model(const nn::Sequential& model, const std::filesystem::path& path,
                const ModelInfo& info) {
  PLEXUS_CHECK(info.task == "classification" || info.task == "regression", "save_model: task \"",
               info.task, "\" must be classification or regression");
  json training;
  try {
    training = json::parse(info.training);
  } catch (const json::parse_error& e) {
    detail::throw_error("save_model: info.training is not valid JSON: ", e.what());
  }
  Metadata metadata{
      {kVersionKey, std::to_string(kModelFormatVersion)},
      {kArchitectureKey, architecture_json(model)},
      {kPreprocessingKey, pipeline_to_json(info.input).dump()},
      {kClassesKey, json(info.classes).dump()},
      {kFeaturesKey, json(info.features).dump()},
      {kTrainingKey, training.dump()},
      {kTaskKey, info.task},
  };
  if (!info.calibration.empty()) metadata.emplace(kCalibrationKey, info.calibration.to_json());
  if (!info.baseline.empty()) metadata[kBaselineKey] = json(info.baseline).dump();
  if (!info.quantiles.empty()) {
    PLEXUS_CHECK(info.task == "regression", "save_model: quantiles need a regression task");
    metadata[kQuantilesKey] = json(info.quantiles).dump();
  }
  save_safetensors(path, model.state_dict(), std::move(metadata));
}

Model load_model(const std::filesystem::path& path) {
  const std::string source = path.string();
  SafetensorsFile file = load_safetensors(path);
  const auto version = file.metadata.find(kVersionKey);
  PLEXUS_CHECK(version != file.metadata.end(), source, ": not a plexus model file (no ",
               kVersionKey, " in its metadata): a safetensors file from another tool?");
  PLEXUS_CHECK(version->second == std::to_string(kModelFormatVersion), source,
               ": model format version ", version->second.substr(0, 20),
               " is not one this plexus reads (version ", kModelFormatVersion,
               "); use the plexus that wrote it, or a newer one");
  Model model;
  const auto architecture = file.metadata.find(kArchitectureKey);
  PLEXUS_CHECK(architecture != file.metadata.end(), source, ": the model file has no ",
               kArchitectureKey);
  // Strict loading needs a number in the file for each the layers hold, so a layer bigger than
  // the file is damage; refusing it before it is built avoids allocating what the text asks.
  uint64_t numbers = 0;
  for (const auto& [name, tensor] : file.tensors) numbers += tensor.numel();
  model.network = architecture_from_json(architecture->second, source, numbers);
  try {
    model.network.load_state_dict(file.tensors, /*strict=*/true);
  } catch (const Error& e) {
    detail::throw_error(source, ": the weights do not fit the architecture: ", e.what());
  }
  model.network.eval();

  ModelInfo& info = model.info;
  const auto task = file.metadata.find(kTaskKey);
  PLEXUS_CHECK(task != file.metadata.end() &&
                   (task->second == "classification" || task->second == "regression"),
               source, ": ", kTaskKey, " must be classification or regression");
  info.task = task->second;
  info.classes =
      string_list(metadata_json(file.metadata, kClassesKey, source), kClassesKey, source);
  info.features =
      string_list(metadata_json(file.metadata, kFeaturesKey, source), kFeaturesKey, source);
  info.input = pipeline_from_json(metadata_json(file.metadata, kPreprocessingKey, source), source);
  info.training = metadata_json(file.metadata, kTrainingKey, source).dump();
  // Files written before calibration existed have no key: the network's own outputs.
  const auto calibration = file.metadata.find(kCalibrationKey);
  if (calibration != file.metadata.end())
    info.calibration = Calibration::from_json(calibration->second, source);
  // Optional: files written before the baseline was kept explain from all zeros.
  if (file.metadata.count(kBaselineKey)) {
    const json baseline = metadata_json(file.metadata, kBaselineKey, source);
    PLEXUS_CHECK(baseline.is_array(), source, ": ", kBaselineKey, " must be a list of numbers");
    for (const auto& value : baseline) {
      PLEXUS_CHECK(value.is_number(), source, ": ", kBaselineKey, " must be a list of numbers");
      info.baseline.push_back(value.get<float>());
    }
  }
  // Optional: only a quantile regressor has levels.
  if (file.metadata.count(kQuantilesKey)) {
    const json levels = metadata_json(file.metadata, kQuantilesKey, source);
    PLEXUS_CHECK(levels.is_array() && !levels.empty(), source, ": ", kQuantilesKey,
                 " must be a non-empty list of levels");
    for (const auto& level : levels) {
      PLEXUS_CHECK(level.is_number() && level.get<double>() > 0 && level.get<double>() < 1 &&
                       (info.quantiles.empty() || level.get<double>() > info.quantiles.back()),
                   source, ": ", kQuantilesKey, " must be strictly increasing levels in (0, 1)");
      info.quantiles.push_back(level.get<double>());
    }
  }
  return model;
}

std::string quantile_column(double level) {
  std::string out = "q";
  out += number_text(level);
  return out;
}

std::string quantile_levels_text(const std::vector<double>& levels) {
  std::string out;
  for (const double level : levels) {
    if (!out.empty()) out += ',';
    out += number_text(level);
  }
  return out;
}

Tensor forward_in_batches(nn::Module& network, const Tensor& inputs) {
  constexpr int64_t kBatchRows = 1024;
  NoGradGuard no_grad;
  network.eval();
  const int64_t n = inputs.shape(0);
  if (n <= kBatchRows) return network.forward(inputs);
  std::vector<Tensor> batches;
  for (int64_t begin = 0; begin < n; begin += kBatchRows)
    batches.push_back(network.forward(inputs.slice_rows(begin, std::min(n, begin + kBatchRows))));
  return concat(batches, 0);
}

Tensor Model::forward(const Tensor& inputs) { return forward_in_batches(network, inputs); }

Tensor Model::predictions(const Tensor& outputs) const {
  if (task() == data::Task::regression) return outputs;
  const auto& threshold = info.calibration.threshold;
  if (!threshold || outputs.rank() != 2 || outputs.shape(1) != 2) return argmax(outputs, 1);
  const Tensor p = probabilities(outputs);
  Tensor classes = Tensor::empty({outputs.shape(0)});
  for (int64_t i = 0; i < outputs.shape(0); ++i)
    classes.data()[i] = p.data()[2 * i + 1] >= *threshold ? 1.0f : 0.0f;
  return classes;
}

Tensor Model::probabilities(const Tensor& outputs) const {
  PLEXUS_CHECK(task() == data::Task::classification, "predict_proba: the model is a regressor");
  NoGradGuard no_grad;
  const double t = info.calibration.temperature;
  return softmax(t == 1.0 ? outputs : div(outputs, static_cast<float>(t)), 1);
}

Tensor Model::intervals(const Tensor& outputs, double level) const {
  PLEXUS_CHECK(task() == data::Task::regression,
               "intervals: the model is a classifier; intervals need a regressor");
  PLEXUS_CHECK(!quantile_regressor(), "intervals: the model gives the quantiles ",
               quantile_levels_text(info.quantiles),
               " of the target: its outermost columns are its interval; conformal intervals need "
               "a model trained without --quantiles");
  PLEXUS_CHECK(!info.calibration.residuals.empty(),
               "intervals: the model holds no held-out residuals (trained without validation "
               "rows, or by an older plexus); train it with --validation-split above 0");
  const double half = conformal_quantile(info.calibration.residuals, level);
  const int64_t n = outputs.shape(0);
  const int64_t stride = n == 0 ? 1 : outputs.numel() / n;
  Tensor out = Tensor::empty({n, 2});
  for (int64_t i = 0; i < n; ++i) {
    const double value = outputs.data()[i * stride];
    out.data()[2 * i] = static_cast<float>(value - half);
    out.data()[2 * i + 1] = static_cast<float>(value + half);
  }
  return out;
}

Tensor Model::predict(const Tensor& inputs) { return predictions(forward(inputs)); }

Tensor Model::predict(const data::Table& table, std::vector<std::string>* warnings) {
  return predict(preprocess(table, warnings));
}

Tensor Model::predict_proba(const Tensor& inputs) { return probabilities(forward(inputs)); }

Tensor Model::predict_proba(const data::Table& table, std::vector<std::string>* warnings) {
  return predict_proba(preprocess(table, warnings));
}

Tensor Model::preprocess(const data::Table& table, std::vector<std::string>* warnings) const {
  std::vector<size_t> rows(table.rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  if (info.input.tabular) return info.input.tabular->transform(table, rows, warnings);
  // Arrays and images: the model's feature columns, by name, as numbers times the scale.
  std::vector<int> columns;
  for (const auto& name : info.features) columns.push_back(table.column_index(name));
  Tensor x =
      Tensor::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(columns.size())});
  float* out = x.data();
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string_view cell = table.cell(r, static_cast<size_t>(columns[c]));
      float value = 0.0f;
      const auto [end, error] = compat::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value)) {
        std::ostringstream message;
        message << table.where(r) << ": column '" << info.features[c] << "': '"
                << cell.substr(0, 40) << "' is not a finite number";
        throw data::CellError(message.str(), r, table.line(r), static_cast<size_t>(columns[c]));
      }
      out[r * columns.size() + c] = value * info.input.scale;
    }
  return x;
}

std::string model_json(const Model& model, const std::string& path) {
  const auto& info = model.info;
  json training = json::parse(info.training, nullptr, false);
  if (training.is_discarded()) training = info.training;
  json preprocessing = json::object();
  if (info.input.tabular)
    preprocessing["tabular"] = json::parse(info.input.tabular->to_json(), nullptr, false);
  if (info.input.target)
    preprocessing["target"] = json::parse(info.input.target->to_json(), nullptr, false);
  preprocessing["scale"] = info.input.scale;
  json out;
  out["model"] = path;
  out["format_version"] = model.format_version;
  out["task"] = info.task;
  out["classes"] = info.classes;
  out["features"] = info.features;
  uint64_t parameters = 0;
  for (const auto& p : model.network.parameters()) parameters += p.numel();
  out["parameters"] = parameters;
  out["architecture"] = json::parse(architecture_json(model.network), nullptr, false);
  out["preprocessing"] = preprocessing;
  out["training"] = training;
  if (!info.calibration.empty()) out["calibration"] = json::parse(info.calibration.to_json());
  if (!info.quantiles.empty()) out["quantiles"] = info.quantiles;
  return out.dump(-1, ' ', false, json::error_handler_t::replace);  // names may not be UTF-8
}

}  // namespace plexus::io
