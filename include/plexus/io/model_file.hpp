// Model files (.plx): a trained network with everything needed to use it on raw data. The file
// is a safetensors file (io/safetensors.hpp) that PyTorch reads: the network's parameters and
// buffers under their torch.nn.Sequential state_dict names, and in the header's metadata the
// architecture, the preprocessing, the class and feature names and how the model was trained.
// docs/MODEL_FORMAT.md documents every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/data/source.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/io/calibration.hpp"
#include "plexus/nn/sequential.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::io {

/// The version written today; load_model reads this version only and says so for others.
inline constexpr int kModelFormatVersion = 1;

/// How raw inputs become the network's input.
struct InputPipeline {
  /// Tabular data: the fitted feature pipeline and the target's encoding (classes, task).
  std::optional<data::Preprocessing> tabular;
  std::optional<data::Target> target;
  /// Images and arrays: every value is multiplied by this (1/255 for 8-bit pixels).
  float scale = 1.0f;
};

/// What a model file holds besides the weights.
struct ModelInfo {
  std::string task = "classification";  ///< "classification" or "regression"
  std::vector<std::string> classes;     ///< class names in output order (classification)
  std::vector<std::string> features;    ///< the raw input columns, in the order the model takes
  InputPipeline input;
  /// The mean preprocessed training row [F], where attributions start from (io/explain.hpp);
  /// empty in files written before it was kept.
  std::vector<float> baseline;
  std::string training = "{}";  ///< JSON object: data, settings, metrics, date, plexus version
  /// Temperature, decision threshold, conformal residuals: what predictions apply to the outputs.
  Calibration calibration;
  /// A quantile regressor's levels (train --quantiles), strictly increasing in (0, 1), one per
  /// output in order: its outputs are those quantiles of the target, sorted (nn::Sort). Empty:
  /// not a quantile regressor.
  std::vector<double> quantiles;
};

/// The column of a quantile output at `level` in predict's CSV and serve's JSON: "q0.05".
std::string quantile_column(double level);
/// Levels as --quantiles takes them: "0.05,0.5,0.95".
std::string quantile_levels_text(const std::vector<double>& levels);

/// A model read back from a file: it predicts on raw rows with its own preprocessing, as a
/// scikit-learn estimator does. Every method runs the network in eval mode without gradients.
/// Inputs are a table of raw cells, or a tensor [N, F] that preprocess() gave.
struct Model {
  nn::Sequential network;  ///< in eval mode
  ModelInfo info;
  int format_version = kModelFormatVersion;

  /// The preprocessed inputs [N, F] for every row of `table`; columns are matched by name, a
  /// missing one is an error naming it, a bad cell a data::CellError, an unseen category adds a
  /// warning.
  Tensor preprocess(const data::Table& table, std::vector<std::string>* warnings = nullptr) const;
  /// The preprocessed inputs [N, F] of any source. A table goes through preprocess(), or for a
  /// model trained on arrays gives the columns named in info.features (else its first F columns)
  /// as numbers; arrays are scaled by info.input.scale over what their loader applied.
  Tensor inputs(const data::Source& source, std::vector<std::string>* warnings = nullptr) const;
  /// The encoded targets of a source: class indices [N] (labels mapped onto info.classes by
  /// name) or values [N, 1]. `target_column` names a table's target column when it is not the
  /// model's ("label" for a model trained on arrays); arrays without labels are an error.
  Tensor targets(const data::Source& source, const std::string& target_column = "") const;
  /// The columns of `table` the model does not read, in order: neither a feature, nor a column
  /// its preprocessing ignores, nor its target.
  std::vector<std::string> unused_columns(const data::Table& table) const;
  /// The network's outputs (logits, or values) for preprocessed inputs: [N, F] -> [N, K].
  Tensor forward(const Tensor& inputs);
  /// A classifier's class indices [N] (the argmax of the outputs, or for a binary classifier with
  /// a calibration threshold: the second class where its probability reaches it; the names are
  /// info.classes), a regressor's values [N, K].
  Tensor predict(const Tensor& inputs);
  Tensor predict(const data::Table& table, std::vector<std::string>* warnings = nullptr);
  /// A classifier's class probabilities [N, C]: softmax(outputs / calibration temperature).
  Tensor predict_proba(const Tensor& inputs);
  Tensor predict_proba(const data::Table& table, std::vector<std::string>* warnings = nullptr);
  /// What predict and predict_proba give, from outputs forward() gave: for callers that want
  /// both from one forward pass, or that batch the forward passes themselves.
  Tensor predictions(const Tensor& outputs) const;
  Tensor probabilities(const Tensor& outputs) const;
  /// A regressor's split-conformal intervals [N, 2] (lower, upper) around its first output, from
  /// the held-out residuals in info.calibration: each covers a new row's target with probability
  /// >= level. An error when the model holds no residuals.
  Tensor intervals(const Tensor& outputs, double level) const;
  /// Whether the model gives quantiles (info.quantiles) rather than one value per output.
  bool quantile_regressor() const { return !info.quantiles.empty(); }
  data::Task task() const {
    return info.task == "classification" ? data::Task::classification : data::Task::regression;
  }
};

/// The outputs of `network` for `inputs` [N, F] -> [N, K] in eval mode without gradients, 1024
/// rows at a time, so that memory stays bounded whatever N. Model::forward runs it.
Tensor forward_in_batches(nn::Module& network, const Tensor& inputs);

/// What `plexus inspect --json` prints and `plexus serve` answers GET /model with, as JSON text:
/// the file `path`, format version, task, classes, features, parameter count, architecture,
/// preprocessing and training record.
std::string model_json(const Model& model, const std::string& path);

/// Writes `model` and `info` to `path` atomically (a temporary file, fsync, rename).
void save_model(const nn::Sequential& model, const std::filesystem::path& path,
                const ModelInfo& info = {});
/// Reads a model file; every error names the file and what is wrong (version, checksum,
/// truncation, metadata that does not parse, weights that do not fit the architecture).
Model load_model(const std::filesystem::path& path);

/// The architecture as JSON text: [{"type": "Linear", "in_features": 784, ...}, ...], the layer
/// types and argument names of PyTorch's torch.nn classes.
std::string architecture_json(const nn::Sequential& model);
/// `max_numbers` bounds the parameters the layers may hold (see nn::build).
nn::Sequential architecture_from_json(std::string_view json, std::string_view source,
                                      uint64_t max_numbers = UINT64_MAX);

}  // namespace plexus::io
