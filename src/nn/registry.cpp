// The activation and layer tables: each entry's name, arguments with their defaults, description
// and factory in one place, so lookup, help text and errors cannot disagree.
#include "plexus/nn/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/nn/activation.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/categorical_embedding.hpp"
#include "plexus/nn/dropout.hpp"
#include "plexus/nn/ensemble.hpp"
#include "plexus/nn/feature_scale.hpp"
#include "plexus/nn/layernorm.hpp"
#include "plexus/nn/linear.hpp"
#include "plexus/nn/periodic_embedding.hpp"
#include "plexus/nn/sort.hpp"

namespace plexus::nn {

namespace {

// A spec's arguments, each checked against the layer's list; unset ones take their default.
class Args {
 public:
  Args(const LayerSpec& spec, const LayerInfo& info) : Args(spec, info.args) {
    for (const auto& [name, values] : spec.lists) {
      bool known = false;
      for (const std::string& list : info.lists) known = known || list == name;
      PLEXUS_CHECK(known, type_, ": unknown list argument '", name, "'; it takes ",
                   info.lists.empty() ? std::string("none") : join(info.lists));
      PLEXUS_CHECK(lists_.emplace(name, values).second, type_, ": argument '", name,
                   "' is given twice");
    }
  }
  Args(const LayerSpec& spec, const std::vector<LayerArg>& accepted) : type_(spec.type) {
    for (const auto& [name, value] : spec.args) {
      bool known = false;
      for (const LayerArg& arg : accepted) known = known || arg.name == name;
      PLEXUS_CHECK(known, type_, ": unknown argument '", name, "'; it takes ", list(accepted));
      PLEXUS_CHECK(given_.emplace(name, value).second, type_, ": argument '", name,
                   "' is given twice");
    }
    for (const LayerArg& arg : accepted) {
      if (given_.contains(arg.name)) continue;
      PLEXUS_CHECK(arg.default_value.has_value(), type_, ": argument '", arg.name, "' is required");
      given_.emplace(arg.name, *arg.default_value);
    }
  }

  double real(const std::string& name) const { return given_.at(name); }
  float single(const std::string& name) const {
    const double v = real(name);
    // A value beyond float's range would become an infinite eps or slope.
    PLEXUS_CHECK(std::isfinite(v) && std::fabs(v) <= std::numeric_limits<float>::max(), type_,
                 ": argument '", name, "' must be a finite float32, got ", v);
    return static_cast<float>(v);
  }
  int64_t integer(const std::string& name) const {
    const double v = real(name);
    // Casting a double beyond int64's range is undefined; 2^53 bounds it with room to spare.
    PLEXUS_CHECK(std::isfinite(v) && v == std::trunc(v), type_, ": argument '", name,
                 "' must be a whole number, got ", v);
    PLEXUS_CHECK(std::fabs(v) <= 0x1p53, type_, ": argument '", name,
                 "' must be at most 2^53, got ", v);
    return static_cast<int64_t>(v);
  }
  /// The list argument `name`; none when the spec leaves it out.
  const std::vector<int64_t>* list(const std::string& name) const {
    const auto found = lists_.find(name);
    return found == lists_.end() ? nullptr : &found->second;
  }
  bool flag(const std::string& name) const {
    const double v = real(name);
    PLEXUS_CHECK(v == 0.0 || v == 1.0, type_, ": argument '", name, "' must be 0 or 1, got ", v);
    return v == 1.0;
  }

 private:
  static std::string list(const std::vector<LayerArg>& accepted) {
    if (accepted.empty()) return "none";
    std::vector<std::string> names;
    for (const LayerArg& arg : accepted) names.push_back(arg.name);
    return join(names);
  }

  std::string type_;
  std::map<std::string, double> given_;
  std::map<std::string, std::vector<int64_t>> lists_;
};

struct LayerEntry {
  LayerInfo info;
  /// Set for activations: the name make_activation() takes.
  std::string activation;
  std::function<std::shared_ptr<Module>(const Args&)> make;
  /// The numbers the layer's parameters and buffers hold (a lower bound), known before it is
  /// made; none for layers without. Lets build() refuse a description that asks for more
  /// memory than its source could hold.
  std::function<uint64_t(const Args&)> numbers = nullptr;
};

// a * b, or UINT64_MAX when it overflows; 0 for sizes <= 0, which the layer itself refuses.
uint64_t product(int64_t a, int64_t b) {
  uint64_t out = 0;
  if (a <= 0 || b <= 0) return 0;
  return __builtin_mul_overflow(static_cast<uint64_t>(a), static_cast<uint64_t>(b), &out)
             ? UINT64_MAX
             : out;
}

// PeriodicEmbedding's indices: the list given, or every input.
std::vector<int64_t> embedded(const Args& a) {
  if (const std::vector<int64_t>* given = a.list("indices")) return *given;
  std::vector<int64_t> all(static_cast<size_t>(std::max<int64_t>(a.integer("in_features"), 0)));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  return all;
}

template <typename M>
std::function<std::shared_ptr<Module>(const Args&)> plain() {
  return [](const Args&) -> std::shared_ptr<Module> { return std::make_shared<M>(); };
}

const std::vector<LayerEntry>& table() {
  static const std::vector<LayerEntry> entries = {
      {{"Linear",
        {{"in_features", {}}, {"out_features", {}}, {"bias", 1.0}},
        "fully connected: y = x W^T + b"},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<Linear>(a.integer("in_features"), a.integer("out_features"),
                                         a.flag("bias"));
       },
       [](const Args& a) { return product(a.integer("in_features"), a.integer("out_features")); }},
      {{"BatchNorm1d",
        {{"num_features", {}}, {"eps", 1e-5}, {"momentum", 0.1}, {"affine", 1.0}},
        "batch normalisation over the batch, with running statistics"},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<BatchNorm1d>(a.integer("num_features"), a.single("eps"),
                                              a.single("momentum"), a.flag("affine"));
       },
       [](const Args& a) { return product(a.integer("num_features"), 2); }},
      {{"LayerNorm",
        {{"normalized_shape", {}}, {"eps", 1e-5}, {"elementwise_affine", 1.0}},
        "normalisation of each sample over its last dimension"},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<LayerNorm>(a.integer("normalized_shape"), a.single("eps"),
                                            a.flag("elementwise_affine"));
       },
       [](const Args& a) {
         return a.flag("elementwise_affine") ? product(a.integer("normalized_shape"), 2) : 0;
       }},
      {{"Dropout", {{"p", 0.5}}, "zeroes elements with probability p while training"},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<Dropout>(a.single("p"));
       }},
      {{"ReLU", {}, "max(0, x)"}, "relu", plain<ReLU>()},
      {{"Sigmoid", {}, "1 / (1 + e^-x)"}, "sigmoid", plain<Sigmoid>()},
      {{"Tanh", {}, "hyperbolic tangent"}, "tanh", plain<Tanh>()},
      {{"LeakyReLU", {{"negative_slope", 0.01}}, "x, or negative_slope x below 0"},
       "leaky_relu",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<LeakyReLU>(a.single("negative_slope"));
       }},
      {{"ELU", {{"alpha", 1.0}}, "x, or alpha (e^x - 1) below 0"},
       "elu",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<ELU>(a.single("alpha"));
       }},
      {{"SELU", {}, "scaled ELU with self-normalising constants"}, "selu", plain<SELU>()},
      {{"GELU", {{"approximate", 0.0}}, "x Phi(x); approximate 1: the tanh approximation"},
       "gelu",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<GELU>(a.flag("approximate") ? GeluApproximation::tanh
                                                             : GeluApproximation::none);
       }},
      {{"SiLU", {}, "x sigmoid(x), also called swish"}, "silu", plain<SiLU>()},
      {{"Softplus", {{"beta", 1.0}, {"threshold", 20.0}}, "log(1 + e^(beta x)) / beta"},
       "softplus",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<Softplus>(a.single("beta"), a.single("threshold"));
       }},
      {{"Softmax", {{"dim", -1.0}}, "e^x / sum(e^x) along dim"},
       "softmax",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<Softmax>(a.integer("dim"));
       }},
      {{"LogSoftmax", {{"dim", -1.0}}, "x - log(sum(e^x)) along dim"},
       "log_softmax",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<LogSoftmax>(a.integer("dim"));
       }},
      {{"PeriodicEmbedding",
        {{"in_features", {}}, {"frequencies", 16.0}, {"embedding_dim", 3.0}, {"sigma", 0.1}},
        "each input at indices (all when left out) becomes [x, W cos(2 pi (w x + b)) + c]; the "
        "others pass through",
        {"indices"}},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<PeriodicEmbedding>(a.integer("in_features"), embedded(a),
                                                    a.integer("frequencies"),
                                                    a.integer("embedding_dim"), a.single("sigma"));
       },
       [](const Args& a) {
         // Counted, not listed: the budget is checked before anything is allocated.
         const std::vector<int64_t>* given = a.list("indices");
         const int64_t n = given ? static_cast<int64_t>(given->size()) : a.integer("in_features");
         const int64_t k = a.integer("frequencies"), d = a.integer("embedding_dim");
         return product(product(n, k), 2 + d);
       }},
      {{"CategoricalEmbedding",
        {{"in_features", {}}, {"num_embeddings", {}}, {"embedding_dim", 8.0}},
        "each input at indices (all when left out) holds a category index and becomes its "
        "learned row of the table; cardinalities gives each input's count (even split when left "
        "out); the others pass through",
        {"indices", "cardinalities"}},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         const std::vector<int64_t>* indices = a.list("indices");
         const std::vector<int64_t>* cardinalities = a.list("cardinalities");
         return std::make_shared<CategoricalEmbedding>(
             a.integer("in_features"), a.integer("num_embeddings"), a.integer("embedding_dim"),
             indices ? *indices : std::vector<int64_t>{},
             cardinalities ? *cardinalities : std::vector<int64_t>{});
       },
       [](const Args& a) {
         return product(a.integer("num_embeddings"), a.integer("embedding_dim"));
       }},
      {{"FeatureScale", {{"num_features", {}}, {"bias", 0.0}}, "x * weight (+ bias), per feature"},
       "",
       [](const Args& a) -> std::shared_ptr<Module> {
         return std::make_shared<FeatureScale>(a.integer("num_features"), a.flag("bias"));
       },
       [](const Args& a) { return product(a.integer("num_features"), 1); }},
      {{"Sort", {}, "each row's values ascending (non-crossing quantiles)"}, "", plain<Sort>()},
  };
  return entries;
}

std::vector<std::string> known_types() {
  std::vector<std::string> types;
  for (const LayerEntry& entry : table()) types.push_back(entry.info.type);
  types.push_back("Sequential");
  types.push_back("Ensemble");
  return types;
}

}  // namespace

std::vector<ActivationInfo> activations() {
  std::vector<ActivationInfo> out;
  for (const LayerEntry& entry : table())
    if (!entry.activation.empty())
      out.push_back({entry.activation, entry.info.type, entry.info.description});
  return out;
}

std::shared_ptr<Module> make_activation(std::string_view name) {
  for (const LayerEntry& entry : table())
    if (!entry.activation.empty() && entry.activation == name)
      return make_layer({entry.info.type, {}, {}});
  std::vector<std::string> known;
  for (const ActivationInfo& info : activations()) known.push_back(info.name);
  detail::throw_error(unknown_name_message("activation", name, known));
}

std::vector<LayerInfo> layers() {
  std::vector<LayerInfo> out;
  for (const LayerEntry& entry : table()) out.push_back(entry.info);
  out.push_back({"Sequential", {}, "its children in order (LayerSpec::children)"});
  out.push_back({"Ensemble", {}, "the mean of its children's outputs, each a Sequential"});
  return out;
}

namespace {

Sequential build_within(const std::vector<LayerSpec>& specs, uint64_t& budget);

// make_layer, taking the layer's numbers from `budget` before anything is allocated.
std::shared_ptr<Module> make_within(const LayerSpec& spec, uint64_t& budget) {
  if (spec.type == "Sequential") {
    PLEXUS_CHECK(spec.args.empty(), "Sequential: takes no arguments, only children");
    return std::make_shared<Sequential>(build_within(spec.children, budget));
  }
  if (spec.type == "Ensemble") {
    PLEXUS_CHECK(spec.args.empty(), "Ensemble: takes no arguments, only members");
    std::vector<Sequential> members;
    for (size_t i = 0; i < spec.children.size(); ++i) {
      PLEXUS_CHECK(spec.children[i].type == "Sequential", "Ensemble: member ", i, " is a ",
                   spec.children[i].type, ", not a Sequential");
      members.push_back(build_within(spec.children[i].children, budget));
    }
    return std::make_shared<Ensemble>(std::move(members));
  }
  for (const LayerEntry& entry : table()) {
    if (entry.info.type != spec.type) continue;
    PLEXUS_CHECK(spec.children.empty(), spec.type, ": takes no children");
    const Args args(spec, entry.info);
    const uint64_t numbers = entry.numbers ? entry.numbers(args) : 0;
    PLEXUS_CHECK(numbers <= budget, spec.type, ": its parameters would hold ", numbers,
                 " numbers, more than the ", budget, " left of the limit");
    budget -= numbers;
    return entry.make(args);
  }
  detail::throw_error(unknown_name_message("layer type", spec.type, known_types()));
}

Sequential build_within(const std::vector<LayerSpec>& specs, uint64_t& budget) {
  Sequential model;
  for (size_t i = 0; i < specs.size(); ++i) {
    try {
      model.push_back(make_within(specs[i], budget));
    } catch (const Error& e) {
      throw Error("layer " + std::to_string(i) + ": " + e.what());
    }
  }
  return model;
}

}  // namespace

std::shared_ptr<Module> make_layer(const LayerSpec& spec) {
  uint64_t budget = UINT64_MAX;
  return make_within(spec, budget);
}

std::vector<LayerSpec> describe(const Sequential& model) { return model.spec().children; }

Sequential build(const std::vector<LayerSpec>& specs, uint64_t max_numbers) {
  return build_within(specs, max_numbers);
}

}  // namespace plexus::nn
