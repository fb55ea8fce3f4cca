// C export: a model file's network and its preprocessing as C99 source with no dependency but
// <math.h> and no allocation, for programs and devices without plexus. docs/DEPLOY.md shows its
// use.
#pragma once

#include <filesystem>
#include <string>

#include "plexus/io/model_file.hpp"

namespace plexus::io {

/// Writes `dir`/<name>.h and `dir`/<name>.c (creating `dir` if needed). They define
/// `void <name>_predict(const float* features, float* outputs)` (probabilities for a classifier,
/// values for a regressor), `int <name>_predict_class(const float* features)` for a classifier,
/// and <NAME>_FEATURES / <NAME>_OUTPUTS; the inputs follow export_onnx's convention and the
/// header lists them. Weights are written with 9 significant digits, so they read back exactly.
/// Throws for a name that is not a C identifier, a layer without an export, or a folder that
/// cannot be written.
void export_c(const Model& model, const std::filesystem::path& dir, const std::string& name);

}  // namespace plexus::io
