// The NaN/Inf check and its diagnosis; see nonfinite.hpp.
#include "train/nonfinite.hpp"

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "base/compat.hpp"
#include "plexus/nn/module.hpp"
#include "plexus/train/fit.hpp"

namespace plexus::train {

namespace {

// An IEEE float is NaN or Inf exactly when its exponent bits are all ones. Integer tests vectorise,
// so this pass costs about as much as reading the gradients once.
bool all_finite(const Tensor& t) {
  const float* x = t.data();
  const size_t n = t.numel();
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i)
    bad |= static_cast<uint32_t>((compat::bit_cast<uint32_t>(x[i]) & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

const char* nan_or_inf(const Tensor& t) {
  const float* x = t.data();
  for (size_t i = 0; i < t.numel(); ++i)
    if (std::isnan(x[i])) return "NaN";
  return "Inf";
}

// The module that owns parameter "1.0.weight": child "1", then its child "0".
const nn::Module& owner_of(const nn::Module& root, const std::string& parameter) {
  const nn::Module* module = &root;
  size_t begin = 0;
  for (size_t dot = parameter.find('.'); dot != std::string::npos;
       begin = dot + 1, dot = parameter.find('.', begin)) {
    const std::string_view child(parameter.data() + begin, dot - begin);
    const nn::Module* next = nullptr;
    for (const auto& [name, m] : module->children())
      if (name == child) next = m.get();
    if (next == nullptr) break;
    module = next;
  }
  return *module;
}

std::string describe(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  std::ostringstream text;
  text << value;
  return text.str();
}

// The error for a non-finite loss or gradient: blames the first parameter (in named_parameters()

}  // namespace

bool gradients_finite(const NamedTensors& parameters) {
  for (const auto& [name, parameter] : parameters) {
    const Tensor grad = parameter.grad();
    if (grad.defined() && !all_finite(grad)) return false;
  }
  return true;
}

[[noreturn]] void throw_diverged(const nn::Module& model, const NamedTensors& parameters,
                                 size_t epoch, size_t step, double loss) {
  std::ostringstream message;
  message << "epoch " << epoch + 1 << ", step " << step + 1 << ": loss is " << describe(loss);
  for (const auto& [name, parameter] : parameters) {
    const Tensor grad = parameter.grad();
    if (grad.defined() && !all_finite(grad)) {
      message << "; gradient of " << name << " (" << owner_of(model, name).name() << ") has "
              << nan_or_inf(grad)
              << ". hint: lower the learning rate or clip gradients (clip_grad_norm)";
      throw DivergedError(message.str(), epoch, step, loss, DivergedError::Cause::gradient, name);
    }
  }
  for (const auto& [name, parameter] : parameters) {
    if (!all_finite(parameter)) {
      message << "; " << name << " (" << owner_of(model, name).name() << ") holds "
              << nan_or_inf(parameter)
              << ". hint: lower the learning rate or clip gradients (clip_grad_norm)";
      throw DivergedError(message.str(), epoch, step, loss, DivergedError::Cause::parameter, name);
    }
  }
  message << "; the parameters and their gradients are finite. hint: check the inputs and "
             "targets for NaN or Inf, and the loss for log(0)";
  throw DivergedError(message.str(), epoch, step, loss, DivergedError::Cause::loss, "");
}

}  // namespace plexus::train
