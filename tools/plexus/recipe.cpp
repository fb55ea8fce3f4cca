// The network a run's settings describe: per hidden layer Linear -> BatchNorm1d (--batch-norm) ->
// activation -> Dropout (--dropout), then one output per class (two for binary) or one value.
#include "cli.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/dropout.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/registry.hpp"

namespace plexus::cli {

nn::Sequential build_network(const Settings& settings, int64_t inputs, int64_t outputs) {
  nn::Sequential network;
  uint64_t seed = settings.seed * 1000003u + 17u;
  int64_t width = inputs;
  for (int64_t hidden : settings.hidden) {
    network.push_back(nn::Linear(width, hidden, true, seed++));
    if (settings.batch_norm) network.push_back(nn::BatchNorm1d(hidden));
    network.push_back(nn::make_activation(settings.activation));
    if (settings.dropout > 0)
      network.push_back(nn::Dropout(static_cast<float>(settings.dropout), seed++));
    width = hidden;
  }
  network.push_back(nn::Linear(width, outputs, true, seed++));
  return network;
}

void fold_target_scaling(nn::Sequential& network, double mean, double std) {
  for (size_t i = network.size(); i-- > 0;) {
    auto* linear = dynamic_cast<nn::Linear*>(&network[i]);
    if (linear == nullptr) continue;
    auto state = linear->state_dict();
    for (auto& [name, tensor] : state) {
      float* p = tensor.data();
      for (size_t k = 0; k < tensor.numel(); ++k) {
        p[k] = static_cast<float>(p[k] * std);
        if (name == "bias") p[k] = static_cast<float>(p[k] + mean);
      }
    }
    return;
  }
}

int64_t parameter_count(const nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += static_cast<int64_t>(p.numel());
  return count;
}

}  // namespace plexus::cli
