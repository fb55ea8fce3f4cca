// C export: the plan of io/export_plan.hpp written as C99. Each step mirrors the plexus kernel it
// replaces (float arithmetic in the same order, doubles where plexus uses doubles), so that the C
// outputs agree with plexus to rounding; each activation's function comes from the activation
// table (io/activation_export.cpp). Functions are emitted only when a layer uses them, since an
// unused static function is a warning and users compile with -Werror.
#include "plexus/io/c_export.hpp"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "base/check.hpp"
#include "io/export_plan.hpp"
#include "plexus/ops/embedding.hpp"

namespace plexus::io {

namespace {

using detail::c_float;
using detail::CFunction;
using detail::ExportLayer;
using detail::ExportPlan;
using detail::LayerKind;

constexpr const char* kWhat = "C export";

bool is_c_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string c_double(double v) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", v);
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

// Names from the data go into comments: nothing in them may end the comment, start a trigraph
// (C99 replaces those even in comments) or break the line.
std::string comment_text(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (std::iscntrl(static_cast<unsigned char>(c))) {
      out += ' ';
    } else if ((c == '*' && next == '/') || (c == '?' && next == '?') ||
               (c == '/' && next == '*')) {
      out += c;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string upper(const std::string& name) {
  std::string out = name;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void write_array(std::ostringstream& c, const std::string& name, const std::vector<float>& values) {
  c << "static const float " << name << "[" << values.size() << "] = {";
  for (size_t i = 0; i < values.size(); ++i) {
    c << (i % 8 == 0 ? "\n  " : " ") << c_float(values[i]) << (i + 1 < values.size() ? "," : "");
  }
  c << "\n};\n";
}

void write_indices(std::ostringstream& c, const std::string& name,
                   const std::vector<int64_t>& values) {
  c << "static const int " << name << "[" << values.size() << "] = {";
  for (size_t i = 0; i < values.size(); ++i)
    c << (i % 16 == 0 ? "\n  " : " ") << values[i] << (i + 1 < values.size() ? "," : "");
  c << "\n};\n";
}

// The functions of the layers with weights; an activation's comes from the activation table.
CFunction layer_function(LayerKind kind) {
  switch (kind) {
    case LayerKind::feature_scale:
      return {"px_feature_scale",
              "static void px_feature_scale(float* x, int n, const float* w, const float* b) {\n"
              "  for (int i = 0; i < n; ++i) x[i] = b ? x[i] * w[i] + b[i] : x[i] * w[i];\n"
              "}\n",
              ""};
    case LayerKind::periodic_embedding:
      // The sums run over the frequencies in order, as ops/embedding.cpp adds them.
      return {"px_periodic_embedding",
              "static void px_periodic_embedding(const float* x, float* y, int n, int k, int d,\n"
              "                                  const int* embedded, int passed_count,\n"
              "                                  const int* passed, const float* w,\n"
              "                                  const float* phase, const float* lw,\n"
              "                                  const float* lb, float two_pi) {\n"
              "  for (int i = 0; i < n; ++i) {\n"
              "    const float v = x[embedded[i]];\n"
              "    float* block = y + (long)i * (1 + d);\n"
              "    block[0] = v;\n"
              "    for (int e = 0; e < d; ++e) block[1 + e] = 0.0f;\n"
              "    for (int m = 0; m < k; ++m) {\n"
              "      const float p = cosf(two_pi * (v * w[i * k + m] + phase[i * k + m]));\n"
              "      const float* row = lw + ((long)i * k + m) * d;\n"
              "      for (int e = 0; e < d; ++e) block[1 + e] += p * row[e];\n"
              "    }\n"
              "    for (int e = 0; e < d; ++e) block[1 + e] += lb[i * d + e];\n"
              "  }\n"
              "  for (int t = 0; t < passed_count; ++t) y[(long)n * (1 + d) + t] = x[passed[t]];\n"
              "}\n",
              ""};
    case LayerKind::categorical_embedding:
      return {"px_categorical_embedding",
              "static void px_categorical_embedding(const float* x, float* y, int n, int d,\n"
              "                                     const int* embedded, const int* offsets,\n"
              "                                     int passed_count, const int* passed,\n"
              "                                     const float* table) {\n"
              "  for (int i = 0; i < n; ++i) {\n"
              "    const float* row = table + ((long)offsets[i] + (long)x[embedded[i]]) * d;\n"
              "    for (int e = 0; e < d; ++e) y[(long)i * d + e] = row[e];\n"
              "  }\n"
              "  for (int t = 0; t < passed_count; ++t) y[(long)n * d + t] = x[passed[t]];\n"
              "}\n",
              ""};
    case LayerKind::linear:
      return {"px_linear",
              "static void px_linear(const float* w, const float* b, int in, int out, const float* "
              "x,\n"
              "                      float* y) {\n"
              "  for (int o = 0; o < out; ++o) {\n"
              "    const float* row = w + (long)o * in;\n"
              "    float s = 0.0f;\n"
              "    for (int i = 0; i < in; ++i) s += row[i] * x[i];\n"
              "    y[o] = b ? s + b[o] : s;\n"
              "  }\n"
              "}\n",
              ""};
    case LayerKind::batch_norm:
      return {"px_batch_norm",
              "static void px_batch_norm(float* x, int n, const float* alpha, const float* beta) "
              "{\n"
              "  for (int i = 0; i < n; ++i) x[i] = x[i] * alpha[i] + beta[i];\n"
              "}\n",
              ""};
    case LayerKind::layer_norm:
      return {"px_layer_norm",
              "static void px_layer_norm(float* x, int n, const float* w, const float* b, float "
              "eps) {\n"
              "  double sum = 0.0, squares = 0.0;\n"
              "  for (int i = 0; i < n; ++i) sum += x[i];\n"
              "  const double mu = sum / n;\n"
              "  for (int i = 0; i < n; ++i) squares += (x[i] - mu) * (x[i] - mu);\n"
              "  const float mean = (float)mu;\n"
              "  const float rstd = (float)(1.0 / sqrt(squares / n + eps));\n"
              "  for (int i = 0; i < n; ++i) {\n"
              "    const float xhat = (x[i] - mean) * rstd;\n"
              "    x[i] = w ? xhat * w[i] + b[i] : xhat;\n"
              "  }\n"
              "}\n",
              ""};
    case LayerKind::sort:
      // Insertion sort: a row holds a few quantiles.
      return {"px_sort",
              "static void px_sort(float* x, int n) {\n"
              "  for (int i = 1; i < n; ++i) {\n"
              "    const float v = x[i];\n"
              "    int j = i - 1;\n"
              "    for (; j >= 0 && x[j] > v; --j) x[j + 1] = x[j];\n"
              "    x[j + 1] = v;\n"
              "  }\n"
              "}\n",
              ""};
    case LayerKind::activation:
    case LayerKind::ensemble_begin:
    case LayerKind::member_end:
    case LayerKind::ensemble_end:
      break;
  }
  return {};
}

// The classifier's probabilities: a Softmax over the outputs.
CFunction output_softmax() {
  return detail::find_activation_export("Softmax")->c({"Softmax", {{"dim", -1}}});
}

std::string feature_name(const ExportPlan& plan, size_t i) {
  return i < plan.features.size() ? comment_text(plan.features[i]) : "feature " + std::to_string(i);
}

std::string header_text(const ExportPlan& plan, const std::string& name) {
  const std::string macro = upper(name);
  std::ostringstream h;
  h << "/* " << name << ".h: a plexus model exported as C99 (generated; do not edit).\n *\n";
  if (plan.classifier)
    h << " * Task: classification into " << plan.outputs << " classes.\n *\n";
  else
    h << " * Task: regression, " << plan.outputs << (plan.outputs == 1 ? " value" : " values")
      << ".\n *\n";
  h << " * Input: features[" << macro << "_FEATURES], the raw values in this order.";
  if (plan.tabular) {
    h << " A categorical\n"
         " * column takes its category's index as a float (0..K-1; any other value reads as a\n"
         " * category unseen in training: all zeros). NaN marks a missing value: it sets the\n"
         " * column's missing indicator or missing category where one is listed, and takes the\n"
         " * training fill where one is listed; otherwise it makes the outputs NaN (numeric) or\n"
         " * reads as unseen (categorical).\n";
    for (size_t i = 0; i < plan.columns.size(); ++i) {
      const auto& column = plan.columns[i];
      h << " *   [" << i << "] " << feature_name(plan, i) << ": ";
      if (!column.categorical) {
        if (column.smooth_clip)
          h << "numeric (robust: median " << column.center << ", scale " << column.scale
            << ", smooth clip";
        else
          h << "numeric (standardised with mean " << column.center << ", std " << column.scale;
        if (column.fill) h << "; missing -> " << *column.fill;
        if (column.missing_indicator) h << " and a missing indicator";
        h << ")\n";
        continue;
      }
      h << "categorical, " << column.categories.size() << " categories";
      if (column.fill)
        h << " (missing -> " << *column.fill << " = "
          << comment_text(column.categories[static_cast<size_t>(*column.fill)]) << ")";
      if (column.missing_category) h << " and a missing category";
      if (column.embedded) h << ", embedded";
      h << ":\n";
      for (size_t k = 0; k < column.categories.size(); ++k)
        h << " *         " << k << " = " << comment_text(column.categories[k]) << "\n";
    }
  } else {
    h << " Each is multiplied by\n * " << plan.scale << " before the network.\n";
    for (size_t i = 0; i < plan.features.size(); ++i)
      h << " *   [" << i << "] " << feature_name(plan, i) << "\n";
  }
  h << " *\n * Output: outputs[" << macro << "_OUTPUTS], ";
  if (plan.classifier) {
    h << "the probability of each class"
      << (plan.temperature != 1.0f
              ? " (softmax of the network's outputs divided by the temperature " +
                    std::to_string(plan.temperature) + ")"
              : std::string())
      << ":\n";
    for (size_t k = 0; k < plan.classes.size(); ++k)
      h << " *   [" << k << "] " << comment_text(plan.classes[k]) << "\n";
  } else if (!plan.quantiles.empty()) {
    h << "the predicted quantiles of the target, ascending (they never cross):\n";
    for (size_t k = 0; k < plan.quantiles.size(); ++k)
      h << " *   [" << k << "] " << quantile_column(plan.quantiles[k]) << "\n";
  } else {
    h << "the predicted values.\n";
  }
  h << " *\n * No allocation, no global state (safe from several threads): " << name
    << "_predict uses\n * about " << ((plan.ensemble ? 4 : 2) * plan.widest * 4)
    << " bytes of stack. Link with -lm.\n */\n"
    << "#ifndef " << macro << "_H\n#define " << macro << "_H\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    << "#define " << macro << "_FEATURES " << plan.inputs << "\n"
    << "#define " << macro << "_OUTPUTS " << plan.outputs << "\n\n"
    << "/* features: " << macro << "_FEATURES values; outputs: room for " << macro
    << "_OUTPUTS. */\n"
    << "void " << name << "_predict(const float* features, float* outputs);\n";
  if (plan.classifier)
    h << (plan.threshold
              ? "/* The class: 1 where the probability of class 1 is >= " +
                    std::to_string(*plan.threshold) + " (the model's threshold), else 0. */\n"
              : std::string("/* The most probable class: an index into the class list "
                            "above. */\n"))
      << "int " << name << "_predict_class(const float* features);\n";
  h << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << macro << "_H */\n";
  return h.str();
}

std::string source_text(const ExportPlan& plan, const std::string& name) {
  std::ostringstream c;
  c << "/* " << name << ".c: a plexus model exported as C99 (generated; do not edit). See " << name
    << ".h. */\n#include \"" << name << ".h\"\n\n#include <math.h>\n\n";

  // Each function once, by name; an activation's is called with its layer's arguments.
  std::map<std::string, std::string> functions;
  std::vector<CFunction> layer_functions(plan.layers.size());
  bool two_buffers = false;  // a layer that cannot work in place writes into the other
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const ExportLayer& layer = plan.layers[i];
    if (detail::is_ensemble_step(layer.kind)) continue;  // written inline, without a function
    const CFunction function = layer.kind == LayerKind::activation
                                   ? layer.exports->c(layer.activation)
                                   : layer_function(layer.kind);
    functions.emplace(function.name, function.source);
    layer_functions[i] = function;
    two_buffers = two_buffers || layer.kind == LayerKind::linear ||
                  layer.kind == LayerKind::periodic_embedding ||
                  layer.kind == LayerKind::categorical_embedding;
    const std::string prefix = "layer" + std::to_string(i) + "_";
    if (layer.kind == LayerKind::periodic_embedding ||
        layer.kind == LayerKind::categorical_embedding) {
      c << "/* layer " << i << ": " << comment_text(layer.description) << " */\n";
      write_indices(c, prefix + "embedded", layer.embedded);
      if (!layer.offsets.empty()) write_indices(c, prefix + "offsets", layer.offsets);
      if (!layer.passed.empty()) write_indices(c, prefix + "passed", layer.passed);
      if (!layer.frequencies.empty()) write_array(c, prefix + "frequencies", layer.frequencies);
      if (!layer.phases.empty()) write_array(c, prefix + "phases", layer.phases);
      write_array(c, prefix + "weight", layer.weight);
      if (!layer.bias.empty()) write_array(c, prefix + "bias", layer.bias);
      c << "\n";
    } else if (layer.kind == LayerKind::linear || layer.kind == LayerKind::batch_norm ||
               layer.kind == LayerKind::feature_scale ||
               (layer.kind == LayerKind::layer_norm && !layer.weight.empty())) {
      c << "/* layer " << i << ": " << comment_text(layer.description)
        << (layer.kind == LayerKind::batch_norm ? ", folded: x * alpha + beta" : "") << " */\n";
      write_array(c, prefix + "weight", layer.weight);
      if (!layer.bias.empty()) write_array(c, prefix + "bias", layer.bias);
      c << "\n";
    }
  }
  const CFunction softmax = output_softmax();
  if (plan.classifier) functions.emplace(softmax.name, softmax.source);
  for (const auto& [function, source] : functions) c << source << "\n";

  c << "static void px_preprocess(const float* features, float* x) {\n";
  if (plan.tabular) {
    size_t offset = 0;
    for (size_t i = 0; i < plan.columns.size(); ++i) {
      const auto& column = plan.columns[i];
      c << "  { /* [" << i << "] " << feature_name(plan, i) << " */\n"
        << "    double v = features[" << i << "];\n";
      const bool marks_missing = column.missing_indicator || column.missing_category;
      if (marks_missing) c << "    const float missing = isnan(v) ? 1.0f : 0.0f;\n";
      if (column.fill) c << "    if (isnan(v)) v = " << c_double(*column.fill) << ";\n";
      if (column.embedded) {
        // The index 0..K-1, else K for NaN with a missing category, else the unseen category.
        const size_t k = column.categories.size(), unseen = k + column.missing_category;
        c << "    x[" << offset << "] = v >= 0.0 && v < " << k << " && v == (double)(long)v ? "
          << "(float)v : "
          << (column.missing_category ? "missing ? " + std::to_string(k) + ".0f : " : "") << unseen
          << ".0f;\n";
        offset += 1;
      } else if (column.categorical) {
        const size_t k = column.categories.size();
        c << "    for (int k = 0; k < " << k << "; ++k) x[" << offset
          << " + k] = v == k ? 1.0f : 0.0f;\n";
        if (column.missing_category) c << "    x[" << offset + k << "] = missing;\n";
        offset += k + column.missing_category;
      } else if (column.smooth_clip) {
        // As data::Preprocessing computes it: z clamped to +-1e6, then z / sqrt(1 + (z / 3)^2).
        c << "    double z = (v - " << c_double(column.center) << ") / " << c_double(column.scale)
          << ";\n"
          << "    z = z < -1e6 ? -1e6 : z > 1e6 ? 1e6 : z;\n"
          << "    x[" << offset << "] = (float)(z / sqrt(1.0 + (z / 3.0) * (z / 3.0)));\n";
      } else {
        c << "    x[" << offset << "] = (float)((v - " << c_double(column.center) << ") / "
          << c_double(column.scale) << ");\n";
      }
      if (!column.categorical) {
        if (column.missing_indicator) c << "    x[" << offset + 1 << "] = missing;\n";
        offset += 1 + column.missing_indicator;
      }
      c << "  }\n";
    }
  } else {
    c << "  for (int i = 0; i < " << plan.inputs << "; ++i) x[i] = features[i] * "
      << c_float(plan.scale) << ";\n";
  }
  c << "}\n\n";

  c << "void " << name << "_predict(const float* features, float* outputs) {\n"
    << "  float a[" << plan.widest << "];\n";
  if (two_buffers) c << "  float b[" << plan.widest << "];\n";
  if (plan.ensemble)  // the input every member starts from, and the sum of their outputs
    c << "  float ensemble_input[" << plan.widest << "], ensemble_sum[" << plan.widest << "];\n";
  c << "  px_preprocess(features, a);\n";
  std::string x = "a", y = "b";
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const ExportLayer& layer = plan.layers[i];
    const std::string prefix = "layer" + std::to_string(i) + "_";
    const std::string n = std::to_string(layer.in);
    c << "  ";
    switch (layer.kind) {
      case LayerKind::linear:
        c << "px_linear(" << prefix << "weight, "
          << (layer.bias.empty() ? "(const float*)0" : prefix + "bias") << ", " << layer.in << ", "
          << layer.out << ", " << x << ", " << y << ");";
        std::swap(x, y);
        break;
      case LayerKind::batch_norm:
        c << "px_batch_norm(" << x << ", " << n << ", " << prefix << "weight, " << prefix
          << "bias);";
        break;
      case LayerKind::layer_norm:
        c << "px_layer_norm(" << x << ", " << n << ", "
          << (layer.weight.empty() ? "(const float*)0, (const float*)0"
                                   : prefix + "weight, " + prefix + "bias")
          << ", " << c_float(layer.eps) << ");";
        break;
      case LayerKind::activation:
        c << layer_functions[i].name << "(" << x << ", " << n << layer_functions[i].arguments
          << ");";
        break;
      case LayerKind::ensemble_begin:
        c << "for (int k = 0; k < " << n << "; ++k) ensemble_input[k] = " << x << "[k];";
        break;
      case LayerKind::member_end:  // summed in order, as nn::Ensemble sums
        c << "for (int k = 0; k < " << n << "; ++k) ensemble_sum[k] " << (layer.member ? "+" : "")
          << "= " << x << "[k]; /* member " << layer.member << " */\n  for (int k = 0; k < "
          << layer.out << "; ++k) " << x << "[k] = ensemble_input[k];";
        break;
      case LayerKind::ensemble_end:
        c << "for (int k = 0; k < " << n << "; ++k) " << x << "[k] = ensemble_sum[k] * "
          << c_float(1.0f / static_cast<float>(layer.member)) << ";";
        break;
      case LayerKind::feature_scale:
        c << "px_feature_scale(" << x << ", " << n << ", " << prefix << "weight, "
          << (layer.bias.empty() ? "(const float*)0" : prefix + "bias") << ");";
        break;
      case LayerKind::sort:
        c << "px_sort(" << x << ", " << n << ");";
        break;
      case LayerKind::categorical_embedding:
        c << "px_categorical_embedding(" << x << ", " << y << ", " << layer.embedded.size() << ", "
          << layer.embedding_dim << ", " << prefix << "embedded, " << prefix << "offsets, "
          << layer.passed.size() << ", "
          << (layer.passed.empty() ? "(const int*)0" : prefix + "passed") << ", " << prefix
          << "weight);";
        std::swap(x, y);
        break;
      case LayerKind::periodic_embedding:
        c << "px_periodic_embedding(" << x << ", " << y << ", " << layer.embedded.size() << ", "
          << layer.frequency_count << ", " << layer.embedding_dim << ", " << prefix << "embedded, "
          << layer.passed.size() << ", "
          << (layer.passed.empty() ? "(const int*)0" : prefix + "passed") << ", " << prefix
          << "frequencies, " << prefix << "phases, " << prefix << "weight, " << prefix << "bias, "
          << c_float(kTwoPi) << ");";
        std::swap(x, y);
        break;
    }
    c << " /* " << comment_text(layer.description) << " */\n";
  }
  if (plan.classifier && plan.temperature != 1.0f)
    c << "  for (int k = 0; k < " << plan.outputs << "; ++k) " << x << "[k] = " << x << "[k] / "
      << c_float(plan.temperature) << "; /* the calibration's temperature */\n";
  if (plan.classifier)
    c << "  " << softmax.name << "(" << x << ", " << plan.outputs << softmax.arguments << ");\n";
  c << "  for (int k = 0; k < " << plan.outputs << "; ++k) outputs[k] = " << x << "[k];\n}\n";

  if (plan.threshold)
    c << "\nint " << name << "_predict_class(const float* features) {\n"
      << "  float p[2];\n"
      << "  " << name << "_predict(features, p);\n"
      << "  return p[1] >= " << c_double(*plan.threshold)
      << " ? 1 : 0; /* the model's threshold */\n"
      << "}\n";
  else if (plan.classifier)
    c << "\nint " << name << "_predict_class(const float* features) {\n"
      << "  float p[" << plan.outputs << "];\n"
      << "  int best = 0;\n"
      << "  " << name << "_predict(features, p);\n"
      << "  for (int k = 1; k < " << plan.outputs << "; ++k)\n"
      << "    if (p[k] > p[best]) best = k;\n"
      << "  return best;\n}\n";
  return c.str();
}

void write_text(const std::filesystem::path& path, const std::string& text,
                const std::filesystem::path& dir) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  PLEXUS_CHECK(out.is_open(), kWhat, ": cannot write into the folder ", dir.string(), " (",
               std::strerror(errno), ")");
  out << text;
  out.close();
  PLEXUS_CHECK(!out.fail(), kWhat, ": writing ", path.string(), " failed (disk full?)");
}

}  // namespace

void export_c(const Model& model, const std::filesystem::path& dir, const std::string& name) {
  PLEXUS_CHECK(is_c_identifier(name), kWhat, ": the name '", name,
               "' is not a C identifier (letters, digits and '_', not starting with a digit); it "
               "names the files and prefixes the functions, as in <name>_predict");
  const ExportPlan plan = detail::plan_export(model, kWhat);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  PLEXUS_CHECK(!error && std::filesystem::is_directory(dir), kWhat, ": cannot create the folder ",
               dir.string(), " (", error ? error.message() : "a file of that name exists", ")");
  write_text(dir / (name + ".h"), header_text(plan, name), dir);
  write_text(dir / (name + ".c"), source_text(plan, name), dir);
}

}  // namespace plexus::io
