// px::nn::Sequential: the chain of layers, its error context ("layer 2 (Linear(...)): ...")
// and its printed summary.
#include "plexus/nn/sequential.hpp"

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/nn/batchnorm.hpp"
#include "plexus/nn/layernorm.hpp"
#include "plexus/nn/linear.hpp"
namespace plexus::nn {

namespace {
// "layer 2 (Linear(784 -> 256)): <message>". The layer's own message usually starts with its
// name; it is said once.
std::string in_context(const std::string& index, const Module& layer, const Error& error) {
  const std::string layer_name = layer.name();
  std::string message = error.what();
  if (message.starts_with(layer_name + ": ")) message.erase(0, layer_name.size() + 2);
  return "layer " + index + " (" + layer_name + "): " + message;
}
}  // namespace

Sequential::Sequential(std::initializer_list<AnyModule> modules) {
  for (const AnyModule& module : modules) push_back(module);
}

void Sequential::push_back(AnyModule module) {
  register_module(std::to_string(size()), module.get());
}

Module& Sequential::operator[](size_t i) {
  PLEXUS_CHECK(i < size(), "Sequential: layer index ", i, " out of range (", size(), " layers)");
  return *children()[i].second;
}

const Module& Sequential::operator[](size_t i) const { return const_cast<Sequential&>(*this)[i]; }

Tensor Sequential::forward(const Tensor& x) {
  if (size() == 0) return x;
  Tensor h;  // the first layer reads x itself: no handle copied, no reference count touched
  for (size_t i = 0; i < size(); ++i) {
    Module& layer = *children()[i].second;
    try {
      h = layer(i == 0 ? x : h);
    } catch (const Error& e) {
      throw Error(in_context(std::to_string(i), layer, e));
    }
  }
  return h;
}

std::string Sequential::name() const {
  std::vector<std::string> names;
  for (const auto& [index, child] : children()) names.push_back(child->name());
  return "Sequential(" + join(names) + ")";
}

LayerSpec Sequential::spec() const {
  LayerSpec out{type(), {}, {}};
  for (const auto& [name, child] : children()) out.children.push_back(child->spec());
  return out;
}

std::optional<int64_t> Sequential::in_features() const {
  for (const auto& [name, child] : children())
    if (auto n = child->in_features()) return n;
  return std::nullopt;
}

std::optional<int64_t> Sequential::out_features() const {
  for (auto it = children().rbegin(); it != children().rend(); ++it)
    if (auto n = it->second->out_features()) return n;
  return std::nullopt;
}

namespace {

struct Row {
  std::string index;
  Module* layer;
};

// The layers in order, nested Sequentials flattened with dotted indices.
void flatten(const Sequential& model, const std::string& prefix, std::vector<Row>& rows) {
  for (const auto& [name, child] : model.children()) {
    if (const auto* inner = dynamic_cast<const Sequential*>(child.get())) {
      flatten(*inner, prefix + name + ".", rows);
    } else {
      rows.push_back({prefix + name, child.get()});
    }
  }
}

// Every module below (not including) `root`, in pre-order, with its mode.
void collect_modes(const Module& root, std::vector<std::pair<Module*, bool>>& out) {
  for (const auto& [name, child] : root.children()) {
    out.emplace_back(child.get(), child->is_training());
    collect_modes(*child, out);
  }
}

// 1234567 -> "1,234,567"
std::string with_commas(size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

size_t count_parameters(const Module& m) {
  size_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

}  // namespace

std::string Sequential::summary() const {
  std::vector<Row> rows;
  flatten(*this, "", rows);

  // Output sizes: one zero row through each layer, in eval mode, recording nothing.
  std::vector<std::string> outputs(rows.size(), "?");
  std::string failure;
  // The input size comes from the first layer that states it; the layers before it (activations,
  // dropout) keep the shape.
  std::optional<int64_t> in;
  for (size_t i = 0; i < rows.size() && !in; ++i) in = rows[i].layer->in_features();
  if (in) {
    std::vector<std::pair<Module*, bool>> modes;
    collect_modes(*this, modes);
    for (auto& [module, training] : modes) module->eval();
    NoGradGuard no_grad;
    Tensor h = Tensor::zeros({1, *in});
    for (size_t i = 0; i < rows.size(); ++i) {
      try {
        h = (*rows[i].layer)(h);
      } catch (const Error& e) {
        failure = in_context(rows[i].index, *rows[i].layer, e);
        break;
      }
      Shape shape = h.shape();
      std::string text = "[B";
      for (size_t d = 1; d < shape.rank(); ++d) text += ", " + std::to_string(shape[d]);
      outputs[i] = text + "]";
    }
    for (auto& [module, training] : modes) module->train(training);
  }

  std::vector<std::string> counts;
  size_t total = 0;
  size_t index_width = 5, name_width = 5, output_width = 6, count_width = 10;
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t n = count_parameters(*rows[i].layer);
    total += n;
    counts.push_back(with_commas(n));
    index_width = std::max(index_width, rows[i].index.size());
    name_width = std::max(name_width, rows[i].layer->name().size());
    output_width = std::max(output_width, outputs[i].size());
    count_width = std::max(count_width, counts[i].size());
  }
  std::ostringstream out;
  auto line = [&](const std::string& index, const std::string& layer, const std::string& output,
                  const std::string& count) {
    out << "  " << index << std::string(index_width - index.size() + 2, ' ') << layer
        << std::string(name_width - layer.size() + 2, ' ') << output
        << std::string(output_width - output.size() + 2, ' ')
        << std::string(count_width - count.size(), ' ') << count << "\n";
  };
  out << "Sequential: " << rows.size() << (rows.size() == 1 ? " layer\n" : " layers\n");
  line("layer", "type", "output", "parameters");
  for (size_t i = 0; i < rows.size(); ++i)
    line(rows[i].index, rows[i].layer->name(), outputs[i], counts[i]);
  out << "total parameters: " << with_commas(total) << "\n";
  if (!failure.empty()) out << "shape error: " << failure << "\n";
  return out.str();
}

void Sequential::throw_wrong_type(size_t i) const {
  detail::throw_error("Sequential: layer ", i, " (", (*this)[i].name(),
                      ") is not of the requested type");
}

}  // namespace plexus::nn
