// What the ONNX and C exporters share: a model flattened into its input convention, preprocessing
// constants and a list of layers with their weights, checked once, so that both write the same
// computation and fail with the same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/activation_export.hpp"
#include "plexus/io/model_file.hpp"

namespace plexus::io::detail {

/// One raw input column. The exporters take a categorical column as its category index, and NaN
/// as a missing value.
struct ExportColumn {
  std::string name;
  bool categorical = false;
  /// numeric: z = (x - center) / scale, the mean and std or (robust) the median and scale
  double center = 0, scale = 1;
  bool smooth_clip = false;             ///< numeric: then z / sqrt(1 + (z / 3)^2), z within +-1e6
  std::vector<std::string> categories;  ///< categorical: index -> name, the one-hot order
  std::optional<double> fill;           ///< what NaN becomes: the value, or the category's index
  bool missing_indicator = false;       ///< numeric: an input after z, 1 for NaN, else 0
  bool missing_category = false;        ///< categorical: an input after the one-hot, 1 for NaN
  /// categorical: one input instead of the one-hot ones, the index 0..K-1, K for NaN with a
  /// missing category, K + missing_category for any other value (unseen)
  bool embedded = false;
};

enum class LayerKind {
  linear,
  batch_norm,  ///< folded, as plexus computes it in eval mode: y = x * alpha + beta
  layer_norm,
  activation,     ///< exported through its entry of the activation table (io/activation_export.hpp)
  feature_scale,  ///< y = x * weight (+ bias)
  periodic_embedding,     ///< the blocks [x_j, z_j] of the embedded inputs, then the others
  categorical_embedding,  ///< the table rows of the embedded inputs' categories, then the others
  sort,                   ///< each row's values ascending (nn::Sort)
  // An nn::Ensemble is its members' layers in turn, between these three steps:
  ensemble_begin,  ///< keeps the input, which every member starts from
  member_end,      ///< adds the member's outputs to the sum (`member`: which, from 0) and
                   ///< brings the kept input back
  ensemble_end,    ///< the sum times 1/`member` (the member count), as nn::Ensemble computes it
};

inline bool is_ensemble_step(LayerKind kind) {
  return kind == LayerKind::ensemble_begin || kind == LayerKind::member_end ||
         kind == LayerKind::ensemble_end;
}

struct ExportLayer {
  LayerKind kind;
  std::string description;          ///< the module's name(), for comments
  int64_t in = 0, out = 0;          ///< widths
  std::vector<float> weight, bias;  ///< linear: [out, in] and [out] (empty without bias);
                                    ///< batch_norm: alpha and beta; layer_norm: its affine ones
  float eps = 0;                    ///< layer_norm
  int64_t member = 0;               ///< member_end: the member; ensemble_end: the member count
  /// periodic_embedding: weight [N, K, D] and bias [N, D] of the per-feature maps, the inputs
  /// embedded (N, increasing) and passed through, and frequencies and phases [N, K].
  std::vector<int64_t> embedded, passed;
  /// categorical_embedding: weight [V, D], embedded input i's category c at row offsets[i] + c
  std::vector<int64_t> offsets;
  std::vector<float> frequencies, phases;
  int64_t frequency_count = 0, embedding_dim = 0;
  ActivationLayer activation;                 ///< activation: its type and arguments
  const ActivationExport* exports = nullptr;  ///< activation: how it exports
};

struct ExportPlan {
  bool classifier = false;
  std::vector<std::string> classes;  ///< classifier: one name per output
  /// classifier: the probabilities are softmax(outputs / temperature) (io::Calibration).
  float temperature = 1.0f;
  /// binary classifier: the second class where its probability is >= threshold.
  std::optional<double> threshold;
  bool tabular = false;
  std::vector<ExportColumn> columns;  ///< tabular: the raw columns in input order
  float scale = 1.0f;                 ///< not tabular: every feature is multiplied by this
  std::vector<std::string> features;  ///< the raw feature names, in input order
  int64_t inputs = 0;                 ///< raw features
  int64_t network_inputs = 0;         ///< after preprocessing
  int64_t outputs = 0;
  int64_t widest = 0;     ///< the widest row any step holds, preprocessed input included
  bool ensemble = false;  ///< the layers hold an ensemble's steps
  /// A quantile regressor's levels, one per output (Model::info.quantiles); empty: none.
  std::vector<double> quantiles;
  std::vector<ExportLayer> layers;
};

/// The plan for `model`; `what` ("ONNX export", "C export") starts every error message. Throws
/// for a layer that cannot export, naming it and its type.
ExportPlan plan_export(const Model& model, std::string_view what);

}  // namespace plexus::io::detail
