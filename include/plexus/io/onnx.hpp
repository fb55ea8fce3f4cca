// ONNX export: a model file's network and its preprocessing as one ONNX graph (opset 17) that
// any ONNX runtime evaluates on raw feature rows. docs/DEPLOY.md describes the input convention.
#pragma once

#include <filesystem>

#include "plexus/io/model_file.hpp"

namespace plexus::io {

struct OnnxOptions {
  /// A classifier's output is "logits" (the network's outputs) instead of "probabilities".
  bool logits = false;
};

/// Whether this plexus was built with ONNX export (it needs protobuf and ONNX's onnx.proto).
bool onnx_export_available();

/// Writes `model` to `path` as an ONNX model. The input "features" is [batch, F] float: the raw
/// columns in the model's feature order, a categorical column as its category index (0..K-1;
/// another value encodes as an unseen category, all zeros) and NaN for a missing cell (it takes
/// the training fill and sets the column's missing indicator or category, as plexus does). The
/// output is "probabilities" [batch, classes] for a classifier (or "logits" with options.logits)
/// and "predictions" [batch, outputs] for a regressor. Throws for a layer without an export, a
/// regressor with options.logits, a file that cannot be written, or a plexus built without
/// protobuf.
void export_onnx(const Model& model, const std::filesystem::path& path,
                 const OnnxOptions& options = {});

}  // namespace plexus::io
