// The page's JSON config read into a Config, strictly: an unknown key is an error, so a typo in a
// shared link is reported instead of silently ignored.
#include <nlohmann/json.hpp>

#include "engine.hpp"
#include "plexus/base/text.hpp"
#include "plexus/error.hpp"

namespace plexus::playground {
namespace {

using nlohmann::json;

// Custom rows: {"dims": k, "rows": [[f1, ..., fk, label], ...], "regression": false}.
Points read_custom(const json& data, bool& regression) {
  Points points;
  points.dims = data.at("dims").get<int64_t>();
  if (points.dims < 1 || points.dims > 64)
    throw Error("data.dims must be 1 .. 64, not " + std::to_string(points.dims));
  regression = data.value("regression", false);
  for (const json& row : data.at("rows")) {
    if (static_cast<int64_t>(row.size()) != points.dims + 1)
      throw Error("every data row needs " + std::to_string(points.dims) +
                  " features and a label, a row has " + std::to_string(row.size()) + " numbers");
    for (int64_t i = 0; i < points.dims; ++i) points.inputs.push_back(row[i].get<float>());
    points.labels.push_back(row[points.dims].get<float>());
  }
  if (points.rows() < 2) throw Error("data needs 2 rows or more");
  return points;
}

}  // namespace

Config parse_config(const std::string& text) {
  const json doc = json::parse(text);
  Config config;
  const std::vector<std::string> keys = {
      "dataset",   "noise",      "points",   "train_ratio",  "classes",
      "seed",      "features",   "hidden",   "activation",   "loss",
      "optimizer", "lr",         "momentum", "weight_decay", "schedule",
      "epochs",    "batch_size", "dropout",  "batch_norm",   "init",
      "init_std",  "l1",         "l2",       "clip_norm",    "data"};
  for (const auto& [key, value] : doc.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      throw Error(unknown_name_message("setting", key, keys));
  }
  try {
    config.dataset = doc.value("dataset", config.dataset);
    config.noise = doc.value("noise", config.noise);
    config.points = doc.value("points", config.points);
    config.train_ratio = doc.value("train_ratio", config.train_ratio);
    config.classes = doc.value("classes", config.classes);
    config.seed = doc.value("seed", config.seed);
    config.features = doc.value("features", config.features);
    config.hidden = doc.value("hidden", config.hidden);
    config.activation = doc.value("activation", config.activation);
    config.loss = doc.value("loss", config.loss);
    config.optimizer = doc.value("optimizer", config.optimizer);
    config.lr = doc.value("lr", config.lr);
    if (doc.contains("momentum")) config.momentum = doc.at("momentum").get<double>();
    config.weight_decay = doc.value("weight_decay", config.weight_decay);
    config.schedule = doc.value("schedule", config.schedule);
    config.epochs = doc.value("epochs", config.epochs);
    config.batch_size = doc.value("batch_size", config.batch_size);
    config.dropout = doc.value("dropout", config.dropout);
    config.batch_norm = doc.value("batch_norm", config.batch_norm);
    config.init = doc.value("init", config.init);
    config.init_std = doc.value("init_std", config.init_std);
    config.l1 = doc.value("l1", config.l1);
    config.l2 = doc.value("l2", config.l2);
    config.clip_norm = doc.value("clip_norm", config.clip_norm);
    if (doc.contains("data")) config.custom = read_custom(doc.at("data"), config.regression);
  } catch (const json::exception& e) {
    throw Error(std::string("bad playground config: ") + e.what());
  }
  if (config.train_ratio <= 0.0 || config.train_ratio >= 1.0)
    throw Error("train_ratio must be between 0 and 1, not " + number_text(config.train_ratio));
  if (config.batch_size < 1) throw Error("batch_size must be 1 or more");
  if (config.hidden.size() > 8) throw Error("at most 8 hidden layers");
  for (int64_t width : config.hidden)
    if (width < 1 || width > 256) throw Error("a hidden layer has 1 .. 256 neurons");
  if (config.dropout < 0.0 || config.dropout >= 1.0) throw Error("dropout must be in [0, 1)");
  return config;
}

}  // namespace plexus::playground
