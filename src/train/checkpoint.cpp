// Checkpoints on disk: the tensors (model, optimizer buffers, callback tensors) as safetensors
// entries under prefixed names, and everything else in one JSON metadata entry. Numbers are kept
// as the bits of their doubles, so learning rates, losses and infinities (early stopping's start)
// come back exactly.
#include "plexus/train/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/base/named_scalars.hpp"
#include "plexus/io/safetensors.hpp"
#include "plexus/nn/module.hpp"

namespace plexus::train {

using nlohmann::json;

namespace {

constexpr const char* kKey = "plexus.checkpoint";
constexpr int kVersion = 1;

json bits(double value) { return compat::bit_cast<uint64_t>(value); }
double from_bits(const json& value) { return compat::bit_cast<double>(value.get<uint64_t>()); }

json scalars_to_json(const NamedScalars& scalars) {
  json out = json::array();
  for (const auto& [name, value] : scalars) out.push_back({name, bits(value)});
  return out;
}

NamedScalars scalars_from_json(const json& in) {
  NamedScalars out;
  for (const auto& entry : in)
    out.emplace_back(entry.at(0).get<std::string>(), from_bits(entry.at(1)));
  return out;
}

json log_to_json(const EpochLog& log) {
  json out = {{"epoch", log.epoch},     {"steps", log.steps},
              {"loss", bits(log.loss)}, {"metrics", scalars_to_json(log.metrics)},
              {"lr", bits(log.lr)},     {"seconds", bits(log.seconds)}};
  if (log.val_loss) out["val_loss"] = bits(*log.val_loss);
  return out;
}

EpochLog log_from_json(const json& in) {
  EpochLog log;
  log.epoch = in.at("epoch").get<size_t>();
  log.steps = in.at("steps").get<size_t>();
  log.loss = from_bits(in.at("loss"));
  log.metrics = scalars_from_json(in.at("metrics"));
  log.lr = from_bits(in.at("lr"));
  log.seconds = from_bits(in.at("seconds"));
  if (in.contains("val_loss")) log.val_loss = from_bits(in.at("val_loss"));
  return log;
}

void add_prefixed(NamedTensors& out, const std::string& prefix, const NamedTensors& tensors) {
  for (const auto& [name, tensor] : tensors) out.emplace_back(prefix + name, tensor);
}

NamedTensors take_prefixed(const NamedTensors& tensors, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [name, tensor] : tensors)
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), tensor);
  return out;
}

void collect_generators(nn::Module& module, const std::string& name,
                        std::vector<std::pair<std::string, std::vector<uint64_t>>>& out) {
  if (Generator* generator = module.generator()) out.emplace_back(name, generator->get_state());
  for (const auto& [child_name, child] : module.children())
    collect_generators(*child, name.empty() ? child_name : name + "." + child_name, out);
}

nn::Module* find_module(nn::Module& module, const std::string& name) {
  if (name.empty()) return &module;
  const size_t dot = name.find('.');
  const std::string head = name.substr(0, dot);
  for (const auto& [child_name, child] : module.children())
    if (child_name == head)
      return find_module(*child, dot == std::string::npos ? "" : name.substr(dot + 1));
  return nullptr;
}

}  // namespace

std::filesystem::path checkpoint_file(const std::filesystem::path& dir) {
  return dir / "checkpoint.plx";
}

std::vector<std::pair<std::string, std::vector<uint64_t>>> generator_states(nn::Module& model) {
  std::vector<std::pair<std::string, std::vector<uint64_t>>> out;
  collect_generators(model, "", out);
  return out;
}

void set_generator_states(
    nn::Module& model, const std::vector<std::pair<std::string, std::vector<uint64_t>>>& states) {
  for (const auto& [name, state] : states) {
    nn::Module* module = find_module(model, name);
    PLEXUS_CHECK(module != nullptr && module->generator() != nullptr,
                 "checkpoint: the model has no ", "module \"", name,
                 "\" that draws random numbers (a checkpoint of another model?)");
    module->generator()->set_state(state);
  }
}

void save_checkpoint(const std::filesystem::path& dir, const Checkpoint& checkpoint) {
  NamedTensors tensors;
  add_prefixed(tensors, "model.", checkpoint.model);
  add_prefixed(tensors, "optimizer.", checkpoint.optimizer.tensors);
  json callbacks = json::array();
  for (size_t i = 0; i < checkpoint.callbacks.size(); ++i) {
    add_prefixed(tensors, "callback." + std::to_string(i) + ".", checkpoint.callbacks[i].tensors);
    callbacks.push_back(scalars_to_json(checkpoint.callbacks[i].scalars));
  }
  json history = json::array();
  for (const EpochLog& log : checkpoint.history) history.push_back(log_to_json(log));
  json generators = json::array();
  for (const auto& [name, state] : checkpoint.generators) generators.push_back({name, state});
  const json meta = {{"version", kVersion},
                     {"epochs_done", checkpoint.epochs_done},
                     {"stopped", checkpoint.stopped},
                     {"optimizer", checkpoint.optimizer.optimizer},
                     {"optimizer_scalars", scalars_to_json(checkpoint.optimizer.scalars)},
                     {"callbacks", callbacks},
                     {"generators", generators},
                     {"history", history},
                     {"config", json::parse(checkpoint.config)}};
  std::filesystem::create_directories(dir);
  io::save_safetensors(checkpoint_file(dir), tensors, {{kKey, meta.dump()}});
}

Checkpoint load_checkpoint(const std::filesystem::path& dir) {
  const std::filesystem::path path =
      std::filesystem::is_directory(dir) ? checkpoint_file(dir) : dir;
  const std::string source = path.string();
  PLEXUS_CHECK(std::filesystem::exists(path), source, ": no checkpoint here (a folder written by ",
               "--checkpoint holds checkpoint.plx)");
  const io::SafetensorsFile file = io::load_safetensors(path);
  const auto found = file.metadata.find(kKey);
  PLEXUS_CHECK(found != file.metadata.end(), source, ": not a plexus checkpoint (no ", kKey,
               " in its metadata); a model file? --resume takes a --checkpoint folder");
  Checkpoint checkpoint;
  try {
    const json meta = json::parse(found->second);
    PLEXUS_CHECK(meta.at("version").get<int>() == kVersion, source, ": checkpoint version ",
                 meta.at("version").dump(), " is not one this plexus reads (", kVersion, ")");
    checkpoint.epochs_done = meta.at("epochs_done").get<size_t>();
    checkpoint.stopped = meta.at("stopped").get<bool>();
    checkpoint.optimizer.optimizer = meta.at("optimizer").get<std::string>();
    checkpoint.optimizer.scalars = scalars_from_json(meta.at("optimizer_scalars"));
    checkpoint.optimizer.tensors = take_prefixed(file.tensors, "optimizer.");
    checkpoint.model = take_prefixed(file.tensors, "model.");
    const json& callbacks = meta.at("callbacks");
    for (size_t i = 0; i < callbacks.size(); ++i)
      checkpoint.callbacks.push_back(
          {scalars_from_json(callbacks[i]),
           take_prefixed(file.tensors, "callback." + std::to_string(i) + ".")});
    for (const auto& entry : meta.at("generators"))
      checkpoint.generators.emplace_back(entry.at(0).get<std::string>(),
                                         entry.at(1).get<std::vector<uint64_t>>());
    for (const auto& log : meta.at("history")) checkpoint.history.append(log_from_json(log));
    checkpoint.config = meta.at("config").dump();
  } catch (const json::exception& e) {
    detail::throw_error(source, ": the checkpoint's ", kKey, " is damaged: ", e.what());
  }
  PLEXUS_CHECK(checkpoint.history.epochs() == checkpoint.epochs_done, source,
               ": the checkpoint's history has ", checkpoint.history.epochs(), " epochs, not ",
               checkpoint.epochs_done);
  return checkpoint;
}

}  // namespace plexus::train
