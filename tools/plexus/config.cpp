// --config and --dump-config: the training settings as a JSON object, read back key by key.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.hpp"
#include "plexus/base/text.hpp"
#include "plexus/loss/registry.hpp"
#include "plexus/nn/registry.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/train/checkpoint.hpp"

namespace plexus::cli {
namespace {

void check_member(const std::string& what, const std::string& value,
                  const std::vector<std::string>& names) {
  for (const auto& name : names)
    if (name == value) return;
  throw UsageError(unknown_name_message(what, value, names));
}

template <typename T>
T get(const json& value, const std::string& key, const std::string& source) {
  try {
    return value.get<T>();
  } catch (const json::exception&) {
    throw UsageError(source + ": bad value for \"" + key + "\": " + value.dump());
  }
}

std::vector<std::string> string_list(const json& value, const std::string& key,
                                     const std::string& source) {
  if (value.is_string()) return split_list(value.get<std::string>());
  return get<std::vector<std::string>>(value, key, source);
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    auto begin = item.find_first_not_of(" \t");
    auto end = item.find_last_not_of(" \t");
    if (begin != std::string::npos) out.push_back(item.substr(begin, end - begin + 1));
  }
  return out;
}

std::vector<int64_t> parse_hidden(const std::string& text) {
  std::vector<int64_t> out;
  for (const auto& item : split_list(text)) {
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || value < 1)
      throw UsageError("--hidden: \"" + item +
                       "\" is not a layer width; give positive integers, e.g. --hidden 256,128");
    out.push_back(value);
  }
  return out;
}

json settings_to_json(const Settings& s) {
  json out;
  out["data"] = s.data;
  out["labels"] = s.labels;
  out["test"] = s.test;
  out["test_labels"] = s.test_labels;
  out["target"] = s.target;
  out["features"] = s.features;
  out["ignore"] = s.ignore;
  out["categorical"] = s.categorical;
  out["impute"] = s.impute;
  out["header"] = s.header ? json(*s.header) : json(nullptr);
  out["delimiter"] = s.delimiter;
  out["task"] = s.task;
  out["hidden"] = s.hidden;
  out["activation"] = s.activation;
  out["dropout"] = s.dropout;
  out["batch_norm"] = s.batch_norm;
  out["loss"] = s.loss;
  out["optimizer"] = s.optimizer;
  out["lr"] = s.lr;
  out["weight_decay"] = s.weight_decay ? json(*s.weight_decay) : json(nullptr);
  out["schedule"] = s.schedule;
  out["clip_grad"] = s.clip_grad;
  out["batch_size"] = s.batch_size;
  out["epochs"] = s.epochs;
  out["early_stopping"] = s.early_stopping;
  out["validation_split"] = s.validation_split;
  out["seed"] = s.seed;
  out["threads"] = s.threads;
  out["save"] = s.save;
  out["report"] = s.report;
  out["checkpoint"] = s.checkpoint;
  return out;
}

void apply_config(const json& config, Settings& s, const std::string& source) {
  if (!config.is_object()) throw UsageError(source + ": the configuration must be a JSON object");
  for (const auto& [key, value] : config.items()) {
    if (key == "data")
      s.data = get<std::string>(value, key, source);
    else if (key == "labels")
      s.labels = get<std::string>(value, key, source);
    else if (key == "test")
      s.test = get<std::string>(value, key, source);
    else if (key == "test_labels")
      s.test_labels = get<std::string>(value, key, source);
    else if (key == "target") {
      s.target = value.is_number_integer() ? std::to_string(value.get<int64_t>())
                                           : get<std::string>(value, key, source);
    } else if (key == "features")
      s.features = string_list(value, key, source);
    else if (key == "ignore")
      s.ignore = string_list(value, key, source);
    else if (key == "categorical")
      s.categorical = string_list(value, key, source);
    else if (key == "impute")
      s.impute = get<std::string>(value, key, source);
    else if (key == "header") {
      if (value.is_null())
        s.header.reset();
      else
        s.header = get<bool>(value, key, source);
    } else if (key == "delimiter")
      s.delimiter = get<std::string>(value, key, source);
    else if (key == "task")
      s.task = get<std::string>(value, key, source);
    else if (key == "hidden" || key == "layers") {
      if (value.is_string())
        s.hidden = parse_hidden(value.get<std::string>());
      else
        s.hidden = get<std::vector<int64_t>>(value, key, source);
    } else if (key == "activation")
      s.activation = get<std::string>(value, key, source);
    else if (key == "dropout")
      s.dropout = get<double>(value, key, source);
    else if (key == "batch_norm")
      s.batch_norm = get<bool>(value, key, source);
    else if (key == "loss")
      s.loss = get<std::string>(value, key, source);
    else if (key == "optimizer")
      s.optimizer = get<std::string>(value, key, source);
    else if (key == "lr")
      s.lr = get<double>(value, key, source);
    else if (key == "weight_decay") {
      if (value.is_null())
        s.weight_decay.reset();
      else
        s.weight_decay = get<double>(value, key, source);
    } else if (key == "schedule")
      s.schedule = get<std::string>(value, key, source);
    else if (key == "clip_grad")
      s.clip_grad = get<double>(value, key, source);
    else if (key == "batch_size")
      s.batch_size = get<int64_t>(value, key, source);
    else if (key == "epochs")
      s.epochs = get<int64_t>(value, key, source);
    else if (key == "early_stopping")
      s.early_stopping = get<int64_t>(value, key, source);
    else if (key == "validation_split")
      s.validation_split = get<double>(value, key, source);
    else if (key == "seed")
      s.seed = get<uint64_t>(value, key, source);
    else if (key == "threads")
      s.threads = get<int>(value, key, source);
    else if (key == "save")
      s.save = get<std::string>(value, key, source);
    else if (key == "report")
      s.report = get<std::string>(value, key, source);
    else if (key == "checkpoint")
      s.checkpoint = get<std::string>(value, key, source);
    else
      throw UsageError(source + ": " + unknown_name_message("key", key, [] {
                         std::vector<std::string> keys;
                         const json defaults = settings_to_json(Settings{});
                         for (const auto& [k, v] : defaults.items()) keys.push_back(k);
                         keys.push_back("layers");
                         return keys;
                       }()));
  }
}

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("--config: cannot open \"" + path + "\"");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw UsageError("--config: \"" + path + "\" is not valid JSON: " + e.what());
  }
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& info : nn::activations()) names.push_back(info.name);
  return names;
}
std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const auto& info : optim::optimizers()) names.push_back(info.name);
  return names;
}
std::vector<std::string> schedule_names() {
  std::vector<std::string> names = {"none"};
  for (const auto& info : optim::schedules()) names.push_back(info.name);
  return names;
}

void resolve_defaults(Settings& s) {
  if (s.weight_decay || s.data.empty()) return;
  // The formats load_source reads as arrays: fashion-mnist, an IDX folder, a .npy file.
  std::error_code ec;
  const bool arrays = s.data == "fashion-mnist" || std::filesystem::is_directory(s.data, ec) ||
                      (s.data.size() >= 4 && s.data.compare(s.data.size() - 4, 4, ".npy") == 0);
  s.weight_decay = arrays ? 0.0 : kTabularWeightDecay;
}

void validate_settings(const Settings& s) {
  check_member("activation", s.activation, activation_names());
  check_member("optimizer", s.optimizer, optimizer_names());
  check_member("schedule", s.schedule, schedule_names());
  if (!s.loss.empty()) check_member("loss", s.loss, loss::names());
  check_member("impute", s.impute, {"none", "mean", "median", "most-frequent"});
  if (!s.task.empty()) check_member("task", s.task, {"classification", "regression"});
  if (s.dropout < 0 || s.dropout >= 1) throw UsageError("dropout must be in [0, 1)");
  if (s.lr <= 0) throw UsageError("lr must be positive");
  if (s.weight_decay && *s.weight_decay < 0) throw UsageError("weight_decay must be >= 0");
  if (s.clip_grad < 0) throw UsageError("clip_grad must be >= 0");
  if (s.batch_size < 1) throw UsageError("batch_size must be at least 1");
  if (s.epochs < 1) throw UsageError("epochs must be at least 1");
  if (s.early_stopping < 0) throw UsageError("early_stopping must be >= 0 (0 turns it off)");
  if (s.validation_split < 0 || s.validation_split >= 1)
    throw UsageError("validation_split must be in [0, 1)");
  if (s.threads < 0) throw UsageError("threads must be >= 0");
  if (s.delimiter.size() > 1 && s.delimiter != "\\t" && s.delimiter != "tab")
    throw UsageError("delimiter must be one character (or \\t)");
  for (auto width : s.hidden)
    if (width < 1) throw UsageError("hidden layer widths must be positive");
}

namespace {

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

train::Checkpoint read_checkpoint(const std::string& arg) {
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::is_directory(arg, ec)
                                         ? train::checkpoint_file(arg)
                                         : std::filesystem::path(arg);
  if (!std::filesystem::is_regular_file(file, ec))
    throw Error("--resume " + arg + ": no checkpoint there (" + file.string() +
                " does not exist); plexus train --checkpoint DIR writes one after every epoch, "
                "and Ctrl-C leaves one");
  return train::load_checkpoint(arg);
}

}  // namespace

Settings resolve_settings(const TrainFlags& flags, const std::vector<std::string>& given,
                          std::optional<train::Checkpoint>& checkpoint, json& saved_run) {
  Settings s;
  // --resume: the checkpoint's settings; flags (and --config) may only repeat them, except
  // where the outputs go and the number of epochs.
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
  const json from_flags = settings_to_json(flags.settings);
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
  return s;
}

}  // namespace plexus::cli
