// Diagnostics: gradient norms read at the last step of each epoch (before the next zero_grad),
// activation statistics from one eval-mode pass of the probe batch through the layers in order.
#include "plexus/train/diagnostics.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "base/check.hpp"
#include "plexus/nn/module.hpp"

namespace plexus::train {

namespace {

// The probe's outputs after one layer: their statistics, and the saturation or dead units the
// layer's type makes meaningful. Rows are the probe's samples; the last dimension is the units.
void measure(const std::string& type, const Tensor& y, LayerDiagnostics& out) {
  const float* v = y.data();
  const size_t n = y.numel();
  if (n == 0) return;
  double sum = 0, squares = 0;
  for (size_t i = 0; i < n; ++i) sum += v[i];
  out.mean = sum / static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) squares += (v[i] - out.mean) * (v[i] - out.mean);
  out.std = std::sqrt(squares / static_cast<double>(n));
  if (type == "Sigmoid" || type == "Tanh") {
    const float low = type == "Sigmoid" ? 0.0f : -1.0f;
    size_t saturated = 0;
    for (size_t i = 0; i < n; ++i) saturated += v[i] < low + 0.01f || v[i] > 0.99f;
    out.saturated = static_cast<double>(saturated) / static_cast<double>(n);
  }
  if (type == "ReLU" && y.rank() >= 1) {
    const auto units = static_cast<size_t>(y.shape(-1));
    const size_t rows = n / units;
    size_t dead = 0;
    for (size_t u = 0; u < units; ++u) {
      bool all_zero = true;
      for (size_t r = 0; r < rows && all_zero; ++r) all_zero = v[r * units + u] == 0.0f;
      dead += all_zero;
    }
    out.dead = static_cast<double>(dead) / static_cast<double>(units);
  }
}

}  // namespace

DiagnosticsCallback::DiagnosticsCallback(Diagnostics options) : options_(std::move(options)) {
  PLEXUS_CHECK(
      options_.probe.defined() && options_.probe.rank() >= 1 && options_.probe.shape(0) > 0,
      "Diagnostics: probe must be a batch of at least one input row");
}

void DiagnosticsCallback::on_train_begin() {
  epochs_.clear();
  grad_norms_.assign(model().children().size(), std::nullopt);
}

void DiagnosticsCallback::on_batch_end(size_t step, const BatchLog& /*log*/) {
  if (step + 1 != context().steps_per_epoch) return;  // the epoch's last step only
  const auto& children = model().children();
  for (size_t i = 0; i < children.size(); ++i) {
    double squares = 0;
    bool any = false;
    for (const Tensor& parameter : children[i].second->parameters()) {
      const Tensor grad = parameter.grad();
      if (!grad.defined()) continue;
      any = true;
      const float* g = grad.data();
      for (size_t k = 0; k < grad.numel(); ++k) squares += static_cast<double>(g[k]) * g[k];
    }
    grad_norms_[i] = any ? std::optional(std::sqrt(squares)) : std::nullopt;
  }
}

void DiagnosticsCallback::on_epoch_end(size_t /*epoch*/, const EpochLog& /*logs*/) {
  nn::Module& network = model();
  const bool was_training = network.is_training();
  network.eval();
  std::vector<LayerDiagnostics> layers;
  {
    NoGradGuard no_grad;
    Tensor x = options_.probe;
    const auto& children = network.children();
    for (size_t i = 0; i < children.size(); ++i) {
      nn::Module& layer = *children[i].second;
      x = layer(x);
      LayerDiagnostics d;
      d.layer = children[i].first + ": " + layer.name();
      d.grad_norm = grad_norms_[i];
      measure(layer.type(), x, d);
      layers.push_back(std::move(d));
    }
  }
  network.train(was_training);
  epochs_.push_back(std::move(layers));
}

std::string DiagnosticsCallback::table(const std::vector<LayerDiagnostics>& layers) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "  %-34s %11s %10s %10s %9s %6s\n", "layer", "grad norm",
                "out mean", "out std", "saturated", "dead");
  out << line;
  for (const auto& d : layers) {
    const std::string name = d.layer.size() > 34 ? d.layer.substr(0, 31) + "..." : d.layer;
    char grad[32] = "-", saturated[32] = "-", dead[32] = "-";
    if (d.grad_norm) std::snprintf(grad, sizeof(grad), "%.3g", *d.grad_norm);
    if (d.saturated) std::snprintf(saturated, sizeof(saturated), "%.1f%%", 100 * *d.saturated);
    if (d.dead) std::snprintf(dead, sizeof(dead), "%.1f%%", 100 * *d.dead);
    std::snprintf(line, sizeof(line), "  %-34s %11s %10.4g %10.4g %9s %6s\n", name.c_str(), grad,
                  d.mean, d.std, saturated, dead);
    out << line;
  }
  return out.str();
}

}  // namespace plexus::train
