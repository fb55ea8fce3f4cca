// Optimizer: the parameter groups, each parameter's state, step(), and saving and restoring the
// state. The update rules themselves live in one file per optimizer.
#include "plexus/optim/optimizer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string_view>

#include "cpu/denormals.hpp"
#include "tensor/gradient.hpp"

#include "base/check.hpp"
#include "plexus/base/text.hpp"

namespace plexus::optim {
namespace {

std::string group_key(size_t group, const char* field) {
  return "group." + std::to_string(group) + "." + field;
}

std::string param_key(size_t index, const std::string& field) {
  return "param." + std::to_string(index) + "." + field;
}

// Splits "param.<i>.<field>" into i and field; false for a name of any other form.
bool parse_param_key(const std::string& key, size_t& index, std::string& field) {
  constexpr std::string_view prefix = "param.";
  if (!key.starts_with(prefix)) return false;
  const char* begin = key.data() + prefix.size();
  const char* end = key.data() + key.size();
  const auto [next, error] = std::from_chars(begin, end, index);
  if (error != std::errc() || next == begin || next == end || *next != '.') return false;
  field.assign(next + 1, end);
  return !field.empty();
}

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups,
                     const GroupDefaults& defaults, std::vector<BufferSpec> buffers)
    : name_(std::move(name)),
      has_momentum_(defaults.has_momentum),
      buffer_specs_(std::move(buffers)) {
  PLEXUS_CHECK(!groups.empty(), name_, ": no parameter groups were given");
  std::vector<Tensor> seen;  // parameter lists are short: a linear scan is enough
  size_t index = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    ParamGroup& group = groups[g];
    PLEXUS_CHECK(!group.params.empty(), name_, ": parameter group ", g,
                 " has no parameters (an empty parameter list?)");
    for (const Tensor& param : group.params) {
      PLEXUS_CHECK(param.defined(), name_, ": parameter ", index, " is an empty tensor");
      PLEXUS_CHECK(param.is_leaf(), name_, ": parameter ", index, " (shape ", param.shape(),
                   ") is the result of an op; optimize the leaf tensors it is computed from");
      PLEXUS_CHECK(param.needs_grad(), name_, ": parameter ", index, " (shape ", param.shape(),
                   ") does not require grad; call requires_grad() on it or leave it out");
      PLEXUS_CHECK(
          std::none_of(seen.begin(), seen.end(), [&](const Tensor& t) { return t.is_same(param); }),
          name_, ": parameter ", index, " (shape ", param.shape(),
          ") is given twice; give each tensor to one group only");
      seen.push_back(param);
      ++index;
    }
    groups_.push_back({std::move(group.params), group.lr.value_or(defaults.lr),
                       group.weight_decay.value_or(defaults.weight_decay), defaults.momentum});
  }
  states_.resize(index);
}

std::vector<ParamGroup> Optimizer::one_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

void Optimizer::check_option(bool ok, const char* option, double value, const char* rule) const {
  PLEXUS_CHECK(ok, name_, ": invalid ", option, " = ", value, "; it must be ", rule);
}

void Optimizer::check_group(const Group& group, size_t index) const {
  PLEXUS_CHECK(std::isfinite(group.lr) && group.lr >= 0.0, name_, ": invalid lr = ", group.lr,
               " (group ", index, "); it must be a finite number >= 0");
  PLEXUS_CHECK(group.weight_decay >= 0.0, name_, ": invalid weight_decay = ", group.weight_decay,
               " (group ", index, "); it must be >= 0");
}

void Optimizer::check_groups() const {
  for (size_t g = 0; g < groups_.size(); ++g) check_group(groups_[g], g);
}

void Optimizer::set_lr(double lr) {
  PLEXUS_CHECK(std::isfinite(lr) && lr >= 0.0, name_, ": invalid lr = ", lr,
               "; it must be a finite number >= 0");
  for (Group& group : groups_) group.lr = lr;
}

void Optimizer::zero_grad() {
  for (const Group& group : groups_)
    for (const Tensor& param : group.params) detail::drop_grad(param);
}

void Optimizer::step() {
  check_groups();
  size_t count = 0;
  for (const Group& group : groups_) count += group.params.size();
  PLEXUS_CHECK(count == states_.size(), name_, ": the groups hold ", count,
               " parameters, but the optimizer was built with ", states_.size(),
               "; build a new optimizer instead of changing groups()[i].params");
  NoGradGuard no_grad;
  // Moments of vanishing gradients would otherwise sink into slow denormal arithmetic. An
  // optimizer without state (plain SGD) has no moments, and setting the float environment and
  // restoring it costs about 10 ns, 2% of a small network's step: its arithmetic is left as is
  // (as PyTorch's is).
  std::optional<cpu::FlushDenormals> flush_denormals;
  if (!buffer_specs_.empty()) flush_denormals.emplace();
  size_t index = 0;
  for (Group& group : groups_) {
    for (Tensor& param : group.params) {
      ParamState& state = states_[index++];
      const detail::ParameterView view = detail::parameter_view(param);
      if (!view.grad) continue;
      if (state.step == 0) {  // the first update allocates the state; later ones allocate nothing
        state.buffers.clear();
        for (const BufferSpec& spec : buffer_specs_)
          state.buffers.push_back(
              Tensor::full(spec.scalar ? Shape() : param.shape(), spec.initial));
      }
      ++state.step;
      update(group, view.data, view.grad, view.numel, state);
    }
  }
}

StateDict Optimizer::state_dict() const {
  StateDict state;
  state.optimizer = name_;
  for (size_t g = 0; g < groups_.size(); ++g) {
    state.scalars.emplace_back(group_key(g, "lr"), groups_[g].lr);
    state.scalars.emplace_back(group_key(g, "weight_decay"), groups_[g].weight_decay);
    state.scalars.emplace_back(group_key(g, "momentum"), groups_[g].momentum);
    state.scalars.emplace_back(group_key(g, "params"),
                               static_cast<double>(groups_[g].params.size()));
  }
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].step == 0) continue;
    state.scalars.emplace_back(param_key(i, "step"), static_cast<double>(states_[i].step));
    for (size_t k = 0; k < buffer_specs_.size(); ++k)
      state.tensors.emplace_back(param_key(i, buffer_specs_[k].name),
                                 states_[i].buffers[k].clone());
  }
  return state;
}

void Optimizer::load_state_dict(const StateDict& state) {
  const std::string where = name_ + ".load_state_dict";
  PLEXUS_CHECK(state.optimizer == name_, where, ": the state was saved by ",
               state.optimizer.empty() ? "an unnamed optimizer" : state.optimizer, ", not ", name_);

  std::map<std::string, double> scalars;
  for (const auto& [key, value] : state.scalars)
    PLEXUS_CHECK(scalars.emplace(key, value).second, where, ": entry '", key, "' appears twice");
  auto take = [&](const std::string& key) {
    const auto it = scalars.find(key);
    PLEXUS_CHECK(it != scalars.end(), where, ": the state has no entry '", key,
                 "' (was it saved from an optimizer with other parameter groups?)");
    const double value = it->second;
    scalars.erase(it);
    return value;
  };

  // Group hyper-parameters, checked before anything changes.
  std::vector<Group> groups = groups_;
  std::vector<const Tensor*> params;
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].lr = take(group_key(g, "lr"));
    groups[g].weight_decay = take(group_key(g, "weight_decay"));
    groups[g].momentum = take(group_key(g, "momentum"));
    const double count = take(group_key(g, "params"));
    PLEXUS_CHECK(count == static_cast<double>(groups[g].params.size()), where, ": group ", g,
                 " has ", count, " parameters in the state but ", groups[g].params.size(), " here");
    check_group(groups[g], g);
    for (const Tensor& param : groups[g].params) params.push_back(&param);
  }

  std::vector<ParamState> states(states_.size());
  size_t index = 0;
  std::string field;
  for (auto it = scalars.begin(); it != scalars.end();) {
    PLEXUS_CHECK(parse_param_key(it->first, index, field) && field == "step", where,
                 ": unknown entry '", it->first, "' (the state has more groups than the ",
                 groups_.size(), " here, or is not an optimizer state)");
    PLEXUS_CHECK(index < states.size(), where, ": entry '", it->first, "' is for parameter ", index,
                 ", but this optimizer has ", states.size(), " parameters");
    const double step = it->second;
    PLEXUS_CHECK(step >= 1.0 && step == std::floor(step), where, ": entry '", it->first,
                 "' = ", step, " is not a step count >= 1");
    states[index].step = static_cast<int64_t>(step);
    states[index].buffers.resize(buffer_specs_.size());
    it = scalars.erase(it);
  }

  for (const auto& [key, tensor] : state.tensors) {
    PLEXUS_CHECK(parse_param_key(key, index, field), where, ": unknown entry '", key, "'");
    PLEXUS_CHECK(index < states.size(), where, ": entry '", key, "' is for parameter ", index,
                 ", but this optimizer has ", states.size(), " parameters");
    PLEXUS_CHECK(states[index].step > 0, where, ": entry '", key, "' has no 'param.", index,
                 ".step' beside it");
    size_t k = 0;
    while (k < buffer_specs_.size() && buffer_specs_[k].name != field) ++k;
    if (k == buffer_specs_.size()) {
      std::vector<std::string> known;
      for (const BufferSpec& spec : buffer_specs_) known.push_back(spec.name);
      detail::throw_error(where, ": unknown buffer '", field, "' in entry '", key, "'; ", name_,
                          " keeps ", known.empty() ? "no buffers" : join(known));
    }
    PLEXUS_CHECK(tensor.defined(), where, ": entry '", key, "' is an empty tensor");
    const Shape expected = buffer_specs_[k].scalar ? Shape() : params[index]->shape();
    PLEXUS_CHECK(tensor.shape() == expected, where, ": entry '", key, "' has shape ",
                 tensor.shape(), " but parameter ", index, " needs ", expected);
    PLEXUS_CHECK(!states[index].buffers[k].defined(), where, ": entry '", key, "' appears twice");
    states[index].buffers[k] = tensor.clone();
  }

  for (size_t i = 0; i < states.size(); ++i)
    for (size_t k = 0; k < states[i].buffers.size(); ++k)
      PLEXUS_CHECK(states[i].buffers[k].defined(), where, ": the state has no entry '",
                   param_key(i, buffer_specs_[k].name), "' beside 'param.", i, ".step'");

  groups_ = std::move(groups);
  states_ = std::move(states);
}

}  // namespace plexus::optim
