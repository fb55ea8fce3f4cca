// px::nn::Module: registration of parameters, buffers and children, the dotted names that
// PyTorch's state_dict uses, and train/eval mode passed down the tree.
#include "plexus/nn/module.hpp"

#include "base/check.hpp"

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
void Module::collect(const std::string& prefix, bool buffers,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, tensor] : buffers ? buffers_ : parameters_)
    out.emplace_back(prefix + name, tensor);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(std::move(tensor));
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  on_mode_change(on);
  for (const auto& [name, child] : children_) child->train(on);
}

}  // namespace plexus::nn
