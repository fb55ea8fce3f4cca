// The activation table of the exporters: one entry per PyTorch type, its ONNX nodes beside its C
// function. Each C function mirrors the op in ops/activation.cpp (float arithmetic in the same
// order, the constants of cpu/activation.hpp), so that the C outputs agree with plexus to
// rounding; the ONNX graphs use opset 17's operators, composing those it lacks (Gelu).
#include "io/activation_export.hpp"

#include <cstdio>
#include <utility>

#include "base/check.hpp"
#include "cpu/activation.hpp"

namespace plexus::io::detail {

std::string c_float(float v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", static_cast<double>(v));
  std::string out = text;
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out + "f";
}

float ActivationLayer::real(std::string_view name) const {
  const auto found = args.find(name);
  PLEXUS_CHECK(found != args.end(), type, ": has no argument '", std::string(name), "'");
  return static_cast<float>(found->second);
}

namespace {

// A function named px_<name> that sets x[i] = `expression` of v = x[i], taking `parameters`
// (their C names and this layer's values) after (x, n). Its source must not depend on the values:
// layers of one type share the definition.
CFunction elementwise(const std::string& name, const std::string& expression,
                      const std::vector<std::pair<std::string, float>>& parameters = {}) {
  CFunction f{"px_" + name, "", ""};
  std::string declared;
  for (const auto& [parameter, value] : parameters) {
    declared += ", float " + parameter;
    f.arguments += ", " + c_float(value);
  }
  f.source = "static void " + f.name + "(float* x, int n" + declared +
             ") {\n"
             "  for (int i = 0; i < n; ++i) {\n"
             "    const float v = x[i];\n"
             "    x[i] = " +
             expression +
             ";\n"
             "  }\n"
             "}\n";
  return f;
}

// Softmax and LogSoftmax export over the feature dimension only.
std::string feature_dimension_only(const ActivationLayer& layer) {
  const float dim = layer.real("dim");
  if (dim == -1.0f || dim == 1.0f) return "";
  return "normalises over dimension " + std::to_string(static_cast<int64_t>(dim)) +
         "; only the feature dimension (-1 or 1) exports";
}

const std::vector<ActivationExport>& table() {
  static const std::vector<ActivationExport> entries = {
      {"ReLU",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Relu", {x});
       },
       [](const ActivationLayer&) { return elementwise("relu", "v > 0.0f ? v : 0.0f"); }},
      {"Sigmoid",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Sigmoid", {x});
       },
       [](const ActivationLayer&) { return elementwise("sigmoid", "1.0f / (1.0f + expf(-v))"); }},
      {"Tanh",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Tanh", {x});
       },
       [](const ActivationLayer&) { return elementwise("tanh", "tanhf(v)"); }},
      {"LeakyReLU",
       [](OnnxGraph& g, const ActivationLayer& l, const std::string& x) {
         return g.node("LeakyRelu", {x}, {{"alpha", l.real("negative_slope")}});
       },
       [](const ActivationLayer& l) {
         return elementwise("leaky_relu", "v > 0.0f ? v : negative_slope * v",
                            {{"negative_slope", l.real("negative_slope")}});
       }},
      {"ELU",
       [](OnnxGraph& g, const ActivationLayer& l, const std::string& x) {
         return g.node("Elu", {x}, {{"alpha", l.real("alpha")}});
       },
       [](const ActivationLayer& l) {
         return elementwise("elu", "v > 0.0f ? v : alpha * expm1f(v)",
                            {{"alpha", l.real("alpha")}});
       }},
      {"SELU",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Selu", {x});  // its default constants are PyTorch's
       },
       [](const ActivationLayer&) {
         return elementwise("selu", "v > 0.0f ? " + c_float(cpu::kSeluScale) +
                                        " * v : " + c_float(cpu::kSeluAlpha * cpu::kSeluScale) +
                                        " * expm1f(v)");
       }},
      {"GELU",
       [](OnnxGraph& g, const ActivationLayer& l, const std::string& x) {
         if (l.real("approximate") == 0.0f) {  // x (1 + erf(x / sqrt 2)) / 2
           const std::string e =
               g.node("Erf", {g.node("Mul", {x, g.scalar("inv_sqrt2", cpu::kInvSqrt2)})});
           return g.node("Mul", {g.node("Mul", {x, g.node("Add", {e, g.scalar("one", 1.0f)})}),
                                 g.scalar("half", 0.5f)});
         }
         // x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2; ((0.044715 x) x) x, the order plexus
         // multiplies in.
         const std::string cube = g.node(
             "Mul",
             {g.node("Mul", {g.node("Mul", {x, g.scalar("gelu_cubic", cpu::kGeluCubic)}), x}), x});
         const std::string t =
             g.node("Tanh", {g.node("Mul", {g.node("Add", {x, cube}),
                                            g.scalar("sqrt_2_over_pi", cpu::kSqrt2OverPi)})});
         return g.node("Mul", {g.node("Mul", {x, g.node("Add", {t, g.scalar("one", 1.0f)})}),
                               g.scalar("half", 0.5f)});
       },
       [](const ActivationLayer& l) {
         if (l.real("approximate") == 0.0f)
           return elementwise("gelu",
                              "0.5f * v * (1.0f + erff(v * " + c_float(cpu::kInvSqrt2) + "))");
         return elementwise("gelu_tanh", "0.5f * v * (1.0f + tanhf(" + c_float(cpu::kSqrt2OverPi) +
                                             " * (v + " + c_float(cpu::kGeluCubic) +
                                             " * v * v * v)))");
       }},
      {"SiLU",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Mul", {x, g.node("Sigmoid", {x})});
       },
       [](const ActivationLayer&) { return elementwise("silu", "v / (1.0f + expf(-v))"); }},
      {"Softplus",
       // log(1 + e^(beta x)) / beta, or x where beta x > threshold
       [](OnnxGraph& g, const ActivationLayer& l, const std::string& x) {
         const float beta = l.real("beta");
         const std::string bx = beta == 1.0f ? x : g.node("Mul", {x, g.scalar("beta", beta)});
         std::string soft = g.node("Softplus", {bx});
         if (beta != 1.0f) soft = g.node("Div", {soft, g.scalar("beta", beta)});
         return g.node(
             "Where",
             {g.node("Greater", {bx, g.scalar("threshold", l.real("threshold"))}), x, soft});
       },
       [](const ActivationLayer& l) {
         return elementwise(
             "softplus",
             "beta * v > threshold ? v : (fmaxf(beta * v, 0.0f) + log1pf(expf(-fabsf(beta * v)))) "
             "/ beta",
             {{"beta", l.real("beta")}, {"threshold", l.real("threshold")}});
       }},
      {"Softmax",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("Softmax", {x}, {{"axis", int64_t{1}}});
       },
       [](const ActivationLayer&) {
         return CFunction{"px_softmax",
                          "static void px_softmax(float* x, int n) {\n"
                          "  float m = -INFINITY, total = 0.0f;\n"
                          "  for (int i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;\n"
                          "  for (int i = 0; i < n; ++i) {\n"
                          "    x[i] = expf(x[i] - m);\n"
                          "    total += x[i];\n"
                          "  }\n"
                          "  const float inverse = 1.0f / total;\n"
                          "  for (int i = 0; i < n; ++i) x[i] *= inverse;\n"
                          "}\n",
                          ""};
       },
       feature_dimension_only},
      {"LogSoftmax",
       [](OnnxGraph& g, const ActivationLayer&, const std::string& x) {
         return g.node("LogSoftmax", {x}, {{"axis", int64_t{1}}});
       },
       [](const ActivationLayer&) {
         return CFunction{"px_log_softmax",
                          "static void px_log_softmax(float* x, int n) {\n"
                          "  float m = -INFINITY, total = 0.0f;\n"
                          "  for (int i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;\n"
                          "  for (int i = 0; i < n; ++i) total += expf(x[i] - m);\n"
                          "  const float log_total = logf(total);\n"
                          "  for (int i = 0; i < n; ++i) x[i] = (x[i] - m) - log_total;\n"
                          "}\n",
                          ""};
       },
       feature_dimension_only},
  };
  return entries;
}

}  // namespace

const ActivationExport* find_activation_export(std::string_view type) {
  for (const ActivationExport& entry : table())
    if (entry.type == type) return &entry;
  return nullptr;
}

}  // namespace plexus::io::detail
