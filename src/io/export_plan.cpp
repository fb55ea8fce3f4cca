// Flattens a model for the exporters: nested Sequentials become one list of layers, weights are
// copied out, and batch norm is folded exactly as plexus evaluates it (ops/norm.cpp), so that the
// exported computation rounds the same way.
#include "io/export_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/categorical_embedding.hpp"
#include "plexus/nn/ensemble.hpp"
#include "plexus/nn/feature_scale.hpp"
#include "plexus/nn/layernorm.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/periodic_embedding.hpp"
#include "plexus/nn/registry.hpp"

namespace plexus::io::detail {

namespace {

double arg(const nn::LayerSpec& spec, const std::string& name, double fallback) {
  for (const auto& [key, value] : spec.args)
    if (key == name) return value;
  return fallback;
}

std::vector<float> values_of(const Tensor& t, std::string_view what, const std::string& layer) {
  if (!t.defined()) return {};
  std::vector<float> values = t.to_vector();
  PLEXUS_CHECK(std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); }),
               what, ": layer ", layer, " has a weight that is not finite (the training diverged)");
  return values;
}

/// One step of the flattened network: a layer (kind unset), or a step of an ensemble.
struct Step {
  const nn::Module* module;
  std::optional<LayerKind> kind;
  int64_t member = 0;
};

void flatten(const nn::Module& module, std::string_view what, std::vector<Step>& out,
             bool in_ensemble = false) {
  if (const auto* ensemble = dynamic_cast<const nn::Ensemble*>(&module)) {
    PLEXUS_CHECK(!in_ensemble, what, ": an Ensemble inside an Ensemble's member has no export");
    PLEXUS_CHECK(ensemble->size() > 0, what, ": the Ensemble has no members");
    out.push_back({&module, LayerKind::ensemble_begin});
    const auto members = static_cast<int64_t>(ensemble->size());
    for (int64_t m = 0; m < members; ++m) {
      flatten(ensemble->member(static_cast<size_t>(m)), what, out, true);
      out.push_back({&module, LayerKind::member_end, m});
    }
    out.push_back({&module, LayerKind::ensemble_end, members});
    return;
  }
  if (module.type() != "Sequential") {
    out.push_back({&module, std::nullopt});
    return;
  }
  for (const auto& [name, child] : module.children()) flatten(*child, what, out, in_ensemble);
}

// The layer as the activation table sees it: the registry's defaults, then the module's arguments.
ActivationLayer activation_layer(const nn::LayerSpec& spec) {
  ActivationLayer layer{spec.type, {}};
  for (const nn::LayerInfo& info : nn::layers())
    if (info.type == spec.type)
      for (const nn::LayerArg& a : info.args)
        if (a.default_value) layer.args[a.name] = *a.default_value;
  for (const auto& [name, value] : spec.args) layer.args[name] = value;
  return layer;
}

void plan_input(const Model& model, std::string_view what, ExportPlan& plan) {
  const ModelInfo& info = model.info;
  if (info.input.tabular) {
    plan.tabular = true;
    for (const data::ColumnInfo& column : info.input.tabular->columns()) {
      if (column.kind == data::ColumnKind::ignored) continue;
      const bool robust = info.input.tabular->scaling() == data::Scaling::robust;
      ExportColumn out{.name = column.name,
                       .categorical = column.kind == data::ColumnKind::categorical,
                       .center = robust ? column.median : column.mean,
                       .scale = robust ? column.scale : column.std,
                       .smooth_clip = robust && column.kind == data::ColumnKind::numeric,
                       .categories = column.categories,
                       .missing_indicator = column.missing_indicator,
                       .missing_category = column.missing_category,
                       .embedded = column.embedded};
      if (column.fill && out.categorical) {
        const auto it = std::find(out.categories.begin(), out.categories.end(), *column.fill);
        PLEXUS_CHECK(it != out.categories.end(), what, ": column '", column.name,
                     "' fills missing cells with '", *column.fill, "', which is not a category");
        out.fill = static_cast<double>(it - out.categories.begin());
      } else if (column.fill) {
        double value = 0;
        const std::string& text = *column.fill;
        const auto [end, error] = compat::from_chars(text.data(), text.data() + text.size(), value);
        PLEXUS_CHECK(error == std::errc() && end == text.data() + text.size(), what, ": column '",
                     column.name, "' has a fill value '", text, "' that is not a number");
        out.fill = value;
      }
      plan.features.push_back(column.name);
      plan.columns.push_back(std::move(out));
    }
    PLEXUS_CHECK(info.features.empty() || info.features == plan.features, what,
                 ": the model's feature names disagree with its preprocessing's columns");
    plan.inputs = static_cast<int64_t>(plan.columns.size());
    plan.network_inputs = static_cast<int64_t>(info.input.tabular->output_features());
    const auto width = model.network.in_features();
    PLEXUS_CHECK(!width || *width == plan.network_inputs, what, ": the preprocessing gives ",
                 plan.network_inputs, " inputs but the network takes ", width.value_or(0));
    return;
  }
  plan.scale = info.input.scale;
  const auto width = model.network.in_features();
  PLEXUS_CHECK(width || !info.features.empty(), what,
               ": cannot tell how many inputs the network takes (no layer states it and the "
               "model lists no features)");
  plan.inputs = width ? *width : static_cast<int64_t>(info.features.size());
  PLEXUS_CHECK(info.features.empty() || static_cast<int64_t>(info.features.size()) == plan.inputs,
               what, ": the model lists ", info.features.size(), " features but the network takes ",
               plan.inputs, " inputs");
  plan.features = info.features;
  plan.network_inputs = plan.inputs;
}

}  // namespace

ExportPlan plan_export(const Model& model, std::string_view what) {
  ExportPlan plan;
  PLEXUS_CHECK(model.info.task == "classification" || model.info.task == "regression", what,
               ": task \"", model.info.task, "\" must be classification or regression");
  plan.classifier = model.info.task == "classification";
  plan_input(model, what, plan);

  std::vector<Step> modules;
  flatten(model.network, what, modules);
  int64_t width = plan.network_inputs;
  plan.widest = width;
  int64_t ensemble_inputs = 0, ensemble_outputs = 0;
  for (size_t i = 0; i < modules.size(); ++i) {
    const nn::Module& module = *modules[i].module;
    const nn::LayerSpec spec = module.spec();
    const std::string label = std::to_string(i) + " (" + module.name() + ")";
    ExportLayer layer{LayerKind::linear, module.name(), width, width};
    if (modules[i].kind) {
      layer.kind = *modules[i].kind;
      layer.member = modules[i].member;
      layer.description = "Ensemble of " +
                          std::to_string(dynamic_cast<const nn::Ensemble&>(module).size()) +
                          " members";
      plan.ensemble = true;
      if (layer.kind == LayerKind::ensemble_begin) ensemble_inputs = width;
      if (layer.kind == LayerKind::member_end) {
        PLEXUS_CHECK(layer.member == 0 || width == ensemble_outputs, what, ": member ",
                     layer.member, " of the Ensemble gives ", width, " outputs but member 0 gives ",
                     ensemble_outputs);
        ensemble_outputs = width;
        layer.out = ensemble_inputs;
      }
      if (layer.kind == LayerKind::ensemble_end) layer.in = layer.out = ensemble_outputs;
    } else if (const auto* linear = dynamic_cast<const nn::Linear*>(&module)) {
      PLEXUS_CHECK(*linear->in_features() == width, what, ": layer ", label, " takes ",
                   *linear->in_features(), " inputs but gets ", width);
      layer.kind = LayerKind::linear;
      layer.out = *linear->out_features();
      layer.weight = values_of(linear->weight, what, label);
      layer.bias = values_of(linear->bias, what, label);
    } else if (const auto* bn = dynamic_cast<const nn::BatchNorm1d*>(&module)) {
      PLEXUS_CHECK(bn->features() == width, what, ": layer ", label, " normalises ", bn->features(),
                   " features but gets ", width);
      layer.kind = LayerKind::batch_norm;
      const std::vector<float> mean = values_of(bn->running_mean, what, label);
      const std::vector<float> var = values_of(bn->running_var, what, label);
      const std::vector<float> w = values_of(bn->weight, what, label);
      const std::vector<float> b = values_of(bn->bias, what, label);
      const auto eps = static_cast<float>(arg(spec, "eps", 1e-5));
      for (size_t c = 0; c < mean.size(); ++c) {
        const auto rstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var[c]) + eps));
        const float alpha = (w.empty() ? 1.0f : w[c]) * rstd;
        layer.weight.push_back(alpha);
        layer.bias.push_back((b.empty() ? 0.0f : b[c]) - mean[c] * alpha);
      }
    } else if (const auto* ln = dynamic_cast<const nn::LayerNorm*>(&module)) {
      PLEXUS_CHECK(ln->features() == width, what, ": layer ", label, " normalises ", ln->features(),
                   " features but gets ", width);
      layer.kind = LayerKind::layer_norm;
      layer.weight = values_of(ln->weight, what, label);
      layer.bias = values_of(ln->bias, what, label);
      layer.eps = static_cast<float>(arg(spec, "eps", 1e-5));
    } else if (const auto* scale = dynamic_cast<const nn::FeatureScale*>(&module)) {
      PLEXUS_CHECK(*scale->in_features() == width, what, ": layer ", label, " scales ",
                   *scale->in_features(), " features but gets ", width);
      layer.kind = LayerKind::feature_scale;
      layer.weight = values_of(scale->weight, what, label);
      layer.bias = values_of(scale->bias, what, label);
    } else if (const auto* periodic = dynamic_cast<const nn::PeriodicEmbedding*>(&module)) {
      PLEXUS_CHECK(*periodic->in_features() == width, what, ": layer ", label, " takes ",
                   *periodic->in_features(), " inputs but gets ", width);
      layer.kind = LayerKind::periodic_embedding;
      layer.out = *periodic->out_features();
      layer.embedded = periodic->indices();
      for (int64_t j = 0, next = 0; j < width; ++j) {
        const bool embedded = next < static_cast<int64_t>(layer.embedded.size()) &&
                              layer.embedded[static_cast<size_t>(next)] == j;
        if (embedded)
          ++next;
        else
          layer.passed.push_back(j);
      }
      layer.frequencies = values_of(periodic->frequencies, what, label);
      layer.phases = values_of(periodic->phases, what, label);
      layer.weight = values_of(periodic->weight, what, label);
      layer.bias = values_of(periodic->bias, what, label);
      layer.frequency_count = periodic->weight.shape()[1];
      layer.embedding_dim = periodic->weight.shape()[2];
    } else if (const auto* categories = dynamic_cast<const nn::CategoricalEmbedding*>(&module)) {
      PLEXUS_CHECK(*categories->in_features() == width, what, ": layer ", label, " takes ",
                   *categories->in_features(), " inputs but gets ", width);
      layer.kind = LayerKind::categorical_embedding;
      layer.out = *categories->out_features();
      layer.embedded = categories->indices();
      layer.passed = categories->passed();
      layer.offsets = categories->offsets();
      layer.weight = values_of(categories->weight, what, label);
      layer.embedding_dim = categories->weight.shape()[1];
    } else if (module.type() == "Sort") {
      layer.kind = LayerKind::sort;
    } else if (module.type() == "Dropout") {
      continue;  // the identity in inference
    } else {
      layer.kind = LayerKind::activation;
      layer.exports = find_activation_export(module.type());
      PLEXUS_CHECK(layer.exports, what, ": layer ", label, " of type ", module.type(),
                   " has no export (supported: Linear, BatchNorm1d, LayerNorm, Dropout, "
                   "FeatureScale, PeriodicEmbedding, CategoricalEmbedding, Sort and the built-in "
                   "activations)");
      layer.activation = activation_layer(spec);
      const std::string refusal =
          layer.exports->refusal ? layer.exports->refusal(layer.activation) : "";
      PLEXUS_CHECK(refusal.empty(), what, ": layer ", label, " ", refusal);
    }
    width = layer.out;
    plan.widest = std::max(plan.widest, width);
    plan.layers.push_back(std::move(layer));
  }
  plan.outputs = width;
  plan.quantiles = model.info.quantiles;
  if (plan.classifier) {
    plan.temperature = static_cast<float>(model.info.calibration.temperature);
    if (plan.outputs == 2) plan.threshold = model.info.calibration.threshold;
    plan.classes = model.info.classes;
    if (plan.classes.empty())
      for (int64_t k = 0; k < plan.outputs; ++k) plan.classes.push_back(std::to_string(k));
    PLEXUS_CHECK(static_cast<int64_t>(plan.classes.size()) == plan.outputs, what,
                 ": the model has ", plan.classes.size(), " classes but the network gives ",
                 plan.outputs, " outputs");
  }
  return plan;
}

}  // namespace plexus::io::detail
