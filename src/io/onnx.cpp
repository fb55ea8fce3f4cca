// ONNX export: the plan of io/export_plan.hpp as an opset-17 graph of standard operators, each
// activation's nodes from the activation table (io/activation_export.cpp). The messages are the
// C++ classes protoc generates from ONNX's own onnx.proto (libonnx-dev) at build time: the
// encoding is then the reference one, field numbers and all, instead of a hand-written wire format
// that could drift from the schema unnoticed. Without protobuf plexus still builds and export_onnx
// says what to install.
#include "plexus/io/onnx.hpp"

#include "base/check.hpp"

#ifdef PLEXUS_HAVE_ONNX
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "io/export_plan.hpp"
#include "io/onnx.pb.h"
#include "plexus/ops/embedding.hpp"
#endif

namespace plexus::io {

#ifndef PLEXUS_HAVE_ONNX

bool onnx_export_available() { return false; }

void export_onnx(const Model&, const std::filesystem::path&, const OnnxOptions&) {
  detail::throw_error(
      "ONNX export needs protobuf: install libprotobuf-dev protobuf-compiler libonnx-dev and "
      "rebuild");
}

#else

namespace {

using detail::ExportLayer;
using detail::ExportPlan;
using detail::LayerKind;

constexpr const char* kWhat = "ONNX export";
// Opset 17 is the newest that common checkers (python3-onnx 1.12) and runtimes know; it has
// LayerNormalization but no Gelu, so GELU is composed. IR version 8 goes with it.
constexpr int64_t kOpset = 17;
constexpr int64_t kIrVersion = 8;

// Appends nodes and constants to a graph; every value gets a fresh name.
class Graph : public detail::OnnxGraph {
 public:
  explicit Graph(onnx::GraphProto& graph) : graph_(graph) {}

  std::string constant(const std::string& hint, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto& t = add_initializer(hint, dims, onnx::TensorProto::FLOAT);
    // raw_data is little-endian; plexus runs on little-endian machines only.
    static_assert(std::endian::native == std::endian::little);
    t.set_raw_data(values.data(), values.size() * sizeof(float));
    return t.name();
  }
  std::string scalar(const std::string& hint, float value) override {
    return constant(hint, {}, {value});
  }
  std::string int64s(const std::string& hint, const std::vector<int64_t>& values) {
    onnx::TensorProto& t =
        add_initializer(hint, {static_cast<int64_t>(values.size())}, onnx::TensorProto::INT64);
    t.set_raw_data(values.data(), values.size() * sizeof(int64_t));
    return t.name();
  }

  // Each row of x [B, n] ascending: TopK of all n values, smallest first, sorted (its second
  // output, the indices, goes unused).
  std::string sort_rows(const std::string& x, int64_t n) {
    const std::string k = int64s("k", {n});
    onnx::NodeProto& node = *graph_.add_node();
    node.set_op_type("TopK");
    node.set_name("TopK_" + std::to_string(graph_.node_size()));
    node.add_input(x);
    node.add_input(k);
    const std::string values = fresh("sorted");
    node.add_output(values);
    node.add_output(fresh("order"));
    for (const auto& [name, value] :
         {std::pair<const char*, int64_t>{"axis", -1}, {"largest", 0}, {"sorted", 1}}) {
      onnx::AttributeProto& attribute = *node.add_attribute();
      attribute.set_name(name);
      attribute.set_type(onnx::AttributeProto::INT);
      attribute.set_i(value);
    }
    return values;
  }

  // Renames the value `value` to `name` (the graph output's), by an Identity node.
  void output(const std::string& value, const std::string& name) {
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type("Identity");
    n.set_name("output");
    n.add_input(value);
    n.add_output(name);
  }

 private:
  std::string add_node(const std::string& op, const std::vector<std::string>& inputs,
                       std::initializer_list<detail::OnnxAttribute> attributes) override {
    onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(op + "_" + std::to_string(graph_.node_size()));
    for (const std::string& input : inputs) n.add_input(input);
    const std::string output = fresh(op);
    n.add_output(output);
    for (const detail::OnnxAttribute& a : attributes) {
      onnx::AttributeProto& attribute = *n.add_attribute();
      attribute.set_name(a.name);
      if (const auto* i = std::get_if<int64_t>(&a.value)) {
        attribute.set_type(onnx::AttributeProto::INT);
        attribute.set_i(*i);
      } else {
        attribute.set_type(onnx::AttributeProto::FLOAT);
        attribute.set_f(std::get<float>(a.value));
      }
    }
    return output;
  }

  std::string fresh(const std::string& hint) { return hint + "_" + std::to_string(next_++); }
  onnx::TensorProto& add_initializer(const std::string& hint, const std::vector<int64_t>& dims,
                                     onnx::TensorProto::DataType type) {
    onnx::TensorProto& t = *graph_.add_initializer();
    t.set_name(fresh(hint));
    t.set_data_type(type);
    for (const int64_t d : dims) t.add_dims(d);
    return t;
  }

  onnx::GraphProto& graph_;
  int next_ = 0;
};

// [B, F] -> [B, N (1 + D) + F - N], as ops/embedding.cpp computes it: the embedded inputs
// gathered, their cosines [B, N, K], each feature's [K, D] map as a batched MatMul
// ([B, N, 1, K] x [N, K, D]), the value put in front of each block, then the inputs passed
// through.
std::string periodic_embedding(Graph& g, const ExportLayer& l, const std::string& x) {
  const auto n = static_cast<int64_t>(l.embedded.size());
  const int64_t k = l.frequency_count, d = l.embedding_dim;
  const std::string values =  // [B, N, 1]
      g.node("Unsqueeze", {g.node("Gather", {x, g.int64s("embedded", l.embedded)}, {{"axis", 1}}),
                           g.int64s("axes", {2})});
  const std::string angle = g.node(
      "Mul",
      {g.node("Add", {g.node("Mul", {values, g.constant("frequencies", {n, k}, l.frequencies)}),
                      g.constant("phases", {n, k}, l.phases)}),
       g.scalar("two_pi", kTwoPi)});
  const std::string cosines = g.node("Unsqueeze", {g.node("Cos", {angle}), g.int64s("axes", {2})});
  const std::string mapped =
      g.node("Reshape", {g.node("MatMul", {cosines, g.constant("weight", {n, k, d}, l.weight)}),
                         g.int64s("shape", {0, n, d})});
  const std::string z = g.node("Add", {mapped, g.constant("bias", {n, d}, l.bias)});
  const std::string blocks = g.node("Reshape", {g.node("Concat", {values, z}, {{"axis", 2}}),
                                                g.int64s("shape", {0, n * (1 + d)})});
  if (l.passed.empty()) return blocks;
  const std::string passed = g.node("Gather", {x, g.int64s("passed", l.passed)}, {{"axis", 1}});
  return g.node("Concat", {blocks, passed}, {{"axis", 1}});
}

// The table's rows of the embedded inputs' categories (offsets[i] + index), then the others.
std::string categorical_embedding(Graph& g, const ExportLayer& l, const std::string& x) {
  const auto n = static_cast<int64_t>(l.embedded.size());
  const int64_t d = l.embedding_dim;
  const std::vector<float> offsets(l.offsets.begin(), l.offsets.end());
  const std::string rows =
      g.node("Cast",
             {g.node("Add", {g.node("Gather", {x, g.int64s("embedded", l.embedded)}, {{"axis", 1}}),
                             g.constant("offsets", {n}, offsets)})},
             {{"to", int64_t{onnx::TensorProto::INT64}}});
  const auto table_rows = static_cast<int64_t>(l.weight.size()) / d;
  const std::string blocks = g.node(
      "Reshape",
      {g.node("Gather", {g.constant("table", {table_rows, d}, l.weight), rows}, {{"axis", 0}}),
       g.int64s("shape", {0, n * d})});
  if (l.passed.empty()) return blocks;
  const std::string passed = g.node("Gather", {x, g.int64s("passed", l.passed)}, {{"axis", 1}});
  return g.node("Concat", {blocks, passed}, {{"axis", 1}});
}

void set_type(onnx::ValueInfoProto& value, const std::string& name, int64_t width) {
  value.set_name(name);
  onnx::TypeProto_Tensor& tensor = *value.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx::TensorProto::FLOAT);
  tensor.mutable_shape()->add_dim()->set_dim_param("batch");
  tensor.mutable_shape()->add_dim()->set_dim_value(width);
}

// Raw features [batch, F] -> the network's input [batch, network_inputs], as
// data::Preprocessing::transform computes it (in float instead of double).
std::string preprocess(Graph& g, const ExportPlan& plan, const std::string& features) {
  if (!plan.tabular)
    return plan.scale == 1.0f ? features : g.node("Mul", {features, g.scalar("scale", plan.scale)});
  std::string x = features;
  bool any_fill = false, any_clip = false, any_marker = false;
  std::vector<float> fill, center, scale;
  for (const auto& column : plan.columns) {
    any_fill = any_fill || column.fill.has_value();
    any_clip = any_clip || column.smooth_clip;
    any_marker = any_marker || column.missing_indicator || column.missing_category;
    // NaN fills keep NaN: a column without a fill lets a missing value through.
    fill.push_back(column.fill ? static_cast<float>(*column.fill)
                               : std::numeric_limits<float>::quiet_NaN());
    center.push_back(column.categorical ? 0.0f : static_cast<float>(column.center));
    scale.push_back(column.categorical ? 1.0f : static_cast<float>(column.scale));
  }
  const int64_t f = plan.inputs;
  const std::string nan = any_fill || any_marker ? g.node("IsNaN", {features}) : "";
  if (any_fill) x = g.node("Where", {nan, g.constant("fill", {f}, fill), x});
  const std::string z = g.node("Div", {g.node("Sub", {x, g.constant("center", {f}, center)}),
                                       g.constant("scale", {f}, scale)});
  // What numeric outputs are taken from, side by side: z, the smooth-clipped z, the missing
  // markers (1 for NaN); column i of each sits at i, f + i, ...
  std::vector<std::string> sources{z};
  int64_t clipped_at = 0, missing_at = 0;
  if (any_clip) {
    // As data::Preprocessing computes it: z clamped to +-1e6, then z / sqrt(1 + (z / 3)^2).
    const std::string clamped =
        g.node("Clip", {z, g.scalar("clip_min", -1e6f), g.scalar("clip_max", 1e6f)});
    const std::string third = g.node("Div", {clamped, g.scalar("three", 3.0f)});
    const std::string root =
        g.node("Sqrt", {g.node("Add", {g.scalar("one", 1.0f), g.node("Mul", {third, third})})});
    clipped_at = f * static_cast<int64_t>(sources.size());
    sources.push_back(g.node("Div", {clamped, root}));
  }
  if (any_marker) {
    missing_at = f * static_cast<int64_t>(sources.size());
    sources.push_back(g.node("Cast", {nan}, {{"to", int64_t{onnx::TensorProto::FLOAT}}}));
  }
  const std::string values =
      sources.size() == 1 ? z : g.node("Concat", sources, {{"axis", int64_t{1}}});
  // Runs of numeric outputs are gathered from `values` at once; each categorical column is
  // compared with its category indices 0..K-1.
  std::vector<std::string> pieces;
  std::vector<int64_t> run;
  auto flush = [&] {
    if (run.empty()) return;
    // Every column numeric, nothing clipped or marked: z as it is.
    const bool all_of_z = values == z && run.size() == static_cast<size_t>(f);
    pieces.push_back(
        all_of_z ? z : g.node("Gather", {values, g.int64s("numeric_columns", run)}, {{"axis", 1}}));
    run.clear();
  };
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    const auto& column = plan.columns[i];
    const auto at = static_cast<int64_t>(i);
    if (!column.categorical) {
      run.push_back((column.smooth_clip ? clipped_at : 0) + at);
      if (column.missing_indicator) run.push_back(missing_at + at);
      continue;
    }
    flush();
    const std::string index = g.node("Gather", {x, g.int64s("column", {at})}, {{"axis", 1}});
    std::vector<float> range(column.categories.size());
    for (size_t k = 0; k < range.size(); ++k) range[k] = static_cast<float>(k);
    const std::string hot = g.node(
        "Cast",
        {g.node("Equal",
                {index, g.constant("categories", {static_cast<int64_t>(range.size())}, range)})},
        {{"to", int64_t{onnx::TensorProto::FLOAT}}});
    if (!column.embedded) {
      pieces.push_back(hot);
      if (column.missing_category) run.push_back(missing_at + at);
      continue;
    }
    // The index k where the one-hot has its 1 (hot . (k - unseen) + unseen, exact in float),
    // else the unseen category's; NaN with a missing category takes the one before it.
    const auto unseen = static_cast<float>(range.size() + column.missing_category);
    for (float& k : range) k -= unseen;
    std::string embedded = g.node(
        "Add", {g.node("MatMul", {hot, g.constant("shifted_categories",
                                                  {static_cast<int64_t>(range.size()), 1}, range)}),
                g.scalar("unseen", unseen)});
    if (column.missing_category)
      embedded = g.node(
          "Sub", {embedded, g.node("Gather", {values, g.int64s("missing", {missing_at + at})},
                                   {{"axis", 1}})});
    pieces.push_back(embedded);
  }
  flush();
  return pieces.size() == 1 ? pieces[0] : g.node("Concat", pieces, {{"axis", 1}});
}

// What an ensemble's steps carry between them: the input every member starts from, and the sum
// of the members' outputs so far.
struct EnsembleValues {
  std::string input, sum;
};

std::string layer(Graph& g, const ExportLayer& l, const std::string& x, EnsembleValues& ensemble) {
  switch (l.kind) {
    case LayerKind::linear: {
      std::vector<std::string> inputs{x, g.constant("weight", {l.out, l.in}, l.weight)};
      if (!l.bias.empty()) inputs.push_back(g.constant("bias", {l.out}, l.bias));
      return g.node("Gemm", inputs, {{"transB", 1}});
    }
    case LayerKind::batch_norm:  // folded as plexus evaluates it: x * alpha + beta
      return g.node("Add", {g.node("Mul", {x, g.constant("bn_alpha", {l.in}, l.weight)}),
                            g.constant("bn_beta", {l.in}, l.bias)});
    case LayerKind::layer_norm: {
      const std::vector<float> ones(static_cast<size_t>(l.in), 1.0f);
      const std::vector<float> zeros(static_cast<size_t>(l.in), 0.0f);
      return g.node("LayerNormalization",
                    {x, g.constant("ln_weight", {l.in}, l.weight.empty() ? ones : l.weight),
                     g.constant("ln_bias", {l.in}, l.bias.empty() ? zeros : l.bias)},
                    {{"axis", int64_t{-1}}, {"epsilon", l.eps}});
    }
    case LayerKind::activation:
      return l.exports->onnx(g, l.activation, x);
    case LayerKind::ensemble_begin:
      ensemble.input = x;
      return x;
    case LayerKind::member_end:  // summed in order, as nn::Ensemble sums
      ensemble.sum = l.member == 0 ? x : g.node("Add", {ensemble.sum, x});
      return ensemble.input;
    case LayerKind::ensemble_end:
      return g.node("Mul",
                    {ensemble.sum, g.scalar("ensemble_mean", 1.0f / static_cast<float>(l.member))});
    case LayerKind::feature_scale: {
      const std::string scaled = g.node("Mul", {x, g.constant("scale", {l.in}, l.weight)});
      return l.bias.empty() ? scaled
                            : g.node("Add", {scaled, g.constant("scale_bias", {l.in}, l.bias)});
    }
    case LayerKind::periodic_embedding:
      return periodic_embedding(g, l, x);
    case LayerKind::categorical_embedding:
      return categorical_embedding(g, l, x);
    case LayerKind::sort:
      return g.sort_rows(x, l.in);
  }
  return x;
}

}  // namespace

bool onnx_export_available() { return true; }

void export_onnx(const Model& model, const std::filesystem::path& path,
                 const OnnxOptions& options) {
  const ExportPlan plan = detail::plan_export(model, kWhat);
  PLEXUS_CHECK(plan.classifier || !options.logits, kWhat,
               ": logits are a classifier's output; this model is a regressor");
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("plexus");
  proto.add_opset_import()->set_version(kOpset);
  auto add_metadata = [&](const std::string& key, const std::string& value) {
    onnx::StringStringEntryProto& entry = *proto.add_metadata_props();
    entry.set_key(key);
    entry.set_value(value);
  };
  add_metadata("plexus.task", model.info.task);
  add_metadata("plexus.features", nlohmann::json(plan.features).dump());
  if (plan.classifier) add_metadata("plexus.classes", nlohmann::json(plan.classes).dump());
  // The graph gives probabilities; the threshold that decides between two classes rides along.
  if (plan.threshold) add_metadata("plexus.threshold", nlohmann::json(*plan.threshold).dump());
  // A quantile regressor's outputs are the quantiles at these levels, in order.
  if (!plan.quantiles.empty())
    add_metadata("plexus.quantiles", nlohmann::json(plan.quantiles).dump());

  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name("plexus");
  Graph g(graph);
  set_type(*graph.add_input(), "features", plan.inputs);
  std::string x = preprocess(g, plan, "features");
  EnsembleValues ensemble;
  for (const ExportLayer& l : plan.layers) x = layer(g, l, x, ensemble);
  std::string output = "predictions";
  if (plan.classifier && plan.temperature != 1.0f)
    x = g.node("Div", {x, g.scalar("temperature", plan.temperature)});
  if (plan.classifier && options.logits) {
    output = "logits";
  } else if (plan.classifier) {
    output = "probabilities";
    const detail::ActivationLayer softmax{"Softmax", {{"dim", -1}}};
    x = detail::find_activation_export("Softmax")->onnx(g, softmax, x);
  }
  g.output(x, output);
  set_type(*graph.add_output(), output, plan.outputs);

  // Protobuf messages are limited to 2 GiB.
  PLEXUS_CHECK(proto.ByteSizeLong() < (size_t{1} << 31), kWhat,
               ": the model is over 2 GiB, more "
               "than an ONNX file (a protobuf message) can hold");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  PLEXUS_CHECK(out.is_open(), kWhat, ": cannot write ", path.string(), " (", std::strerror(errno),
               ")");
  PLEXUS_CHECK(proto.SerializeToOstream(&out), kWhat, ": writing ", path.string(), " failed");
  out.close();
  PLEXUS_CHECK(!out.fail(), kWhat, ": writing ", path.string(), " failed (disk full?)");
}

#endif

}  // namespace plexus::io
