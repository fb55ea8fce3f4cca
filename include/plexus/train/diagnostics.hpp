// Diagnostics of a network while it trains, the primer's warning signs made visible: each
// layer's gradient norm (vanishing or exploding gradients), the mean and spread of its outputs
// (activations that shrink or blow up with depth), the fraction of saturated sigmoid/tanh units
// (where the derivative is nearly 0) and of dead ReLUs (units that output 0 for every input).
//   px::train::DiagnosticsCallback diagnostics({.probe = train_x.slice_rows(0, 256)});
//   px::train::fit(model, optimizer, loss, data, {.callbacks = {diagnostics}});
//   diagnostics.epochs().back()   // one LayerDiagnostics per layer, for the last epoch
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plexus/tensor/tensor.hpp"
#include "plexus/train/callbacks.hpp"

namespace plexus::train {

/// One layer (a direct child of the model, in order) at the end of an epoch.
struct LayerDiagnostics {
  std::string layer;  ///< "1: ReLU()"
  /// L2 norm of the gradients of the layer's parameters at the epoch's last step; none for
  /// layers without parameters.
  std::optional<double> grad_norm;
  double mean = 0, std = 0;  ///< of the layer's outputs on the probe batch (eval mode)
  /// Sigmoid and Tanh: the fraction of outputs within 0.01 of a bound of their range.
  std::optional<double> saturated;
  /// ReLU: the fraction of units that output 0 for every probe row.
  std::optional<double> dead;
};

/// DiagnosticsCallback's settings.
struct Diagnostics {
  Tensor probe;  ///< inputs the activations are measured on, e.g. a few hundred training rows
};

class DiagnosticsCallback : public Callback {
 public:
  explicit DiagnosticsCallback(Diagnostics options);

  void on_train_begin() override;
  void on_batch_end(size_t step, const BatchLog& log) override;
  void on_epoch_end(size_t epoch, const EpochLog& logs) override;

  /// One entry per epoch run, each one LayerDiagnostics per layer.
  const std::vector<std::vector<LayerDiagnostics>>& epochs() const { return epochs_; }
  /// A readable table of one epoch's layers.
  static std::string table(const std::vector<LayerDiagnostics>& layers);

 private:
  Diagnostics options_;
  std::vector<std::optional<double>> grad_norms_;  // per layer, from the last step
  std::vector<std::vector<LayerDiagnostics>> epochs_;
};

}  // namespace plexus::train
