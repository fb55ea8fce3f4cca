// px::nn::Module: registration of parameters, buffers and children, the dotted names that
// PyTorch's state_dict uses, and train/eval mode passed down the tree.
#include "plexus/nn/module.hpp"

#include <cstring>
#include <map>
#include <string_view>
#include "base/check.hpp"
#include "nn/module_detail.hpp"

namespace plexus::nn {

Tensor Module::register_parameter(std::string name, Tensor tensor) {
  PLEXUS_CHECK(tensor.defined(), this->name(), ": parameter '", name, "' is an empty tensor");
  tensor.requires_grad();
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
  PLEXUS_CHECK(tensor.defined(), this->name(), ": buffer '", name, "' is an empty tensor");
  buffers_.emplace_back(std::move(name), tensor);
  return tensor;
}

void Module::register_module(std::string name, std::shared_ptr<Module> module) {
  PLEXUS_CHECK(module != nullptr, this->name(), ": child module '", name, "' is null");
  children_.emplace_back(std::move(name), std::move(module));
}

// Pre-order, as PyTorch's named_modules(): this module's own tensors, then each child's.
void Module::collect(const std::string& prefix, bool buffers, NamedTensors& out) const {
  for (const auto& [name, tensor] : buffers ? buffers_ : parameters_)
    out.emplace_back(prefix + name, tensor);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(std::move(tensor));
  return out;
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

std::string Module::type() const {
  const std::string description = name();
  return description.substr(0, description.find('('));
}

NamedTensors Module::state_dict() const {
  NamedTensors state = named_parameters();
  for (auto& buffer : named_buffers()) state.push_back(std::move(buffer));
  return state;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  detail::load_state_dict(*this, state, strict, "load_state_dict");
}

namespace detail {

void load_state_dict(Module& module, const NamedTensors& state, bool strict,
                     std::string_view source) {
  const NamedTensors target = module.state_dict();
  std::map<std::string_view, const Tensor*> given;
  for (const auto& [name, tensor] : state) {
    PLEXUS_CHECK(given.emplace(name, &tensor).second, source, ": tensor \"", name,
                 "\" appears twice");
  }
  size_t matched = 0;
  for (const auto& [name, tensor] : target) {
    const auto it = given.find(name);
    PLEXUS_CHECK(it != given.end() || !strict, source, ": the model's tensor \"", name, "\" (",
                 tensor.shape(), ") is missing");
    if (it == given.end()) continue;
    PLEXUS_CHECK(it->second->shape() == tensor.shape(), source, ": tensor \"", name,
                 "\" has shape ", it->second->shape(), " but the model's is ", tensor.shape());
    ++matched;
  }
  if (strict && matched != state.size()) {
    std::map<std::string_view, bool> known;
    for (const auto& entry : target) known.emplace(entry.first, true);
    for (const auto& [name, tensor] : state) {
      PLEXUS_CHECK(known.contains(name), source, ": tensor \"", name, "\" (", tensor.shape(),
                   ") is not in the model");
    }
  }
  // Everything fits: only now is anything written.
  for (const auto& [name, tensor] : target) {
    const auto it = given.find(name);
    if (it == given.end()) continue;
    Tensor destination = tensor;
    std::memcpy(destination.data(), it->second->data(), tensor.numel() * sizeof(float));
  }
}

}  // namespace detail

void Module::train(bool on) {
  training_ = on;
  on_mode_change(on);
  for (const auto& [name, child] : children_) child->train(on);
}

}  // namespace plexus::nn
