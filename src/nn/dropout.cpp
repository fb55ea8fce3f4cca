// Inverted dropout: the dropout op (forward and backward) and the Dropout module around it.
// The mask is drawn once per forward and saved for the backward; nothing is recomputed.
#include "plexus/nn/dropout.hpp"

#include <sstream>

#include "autograd/graph.hpp"
#include "plexus/error.hpp"
#include "plexus/random.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

// y = x * m,  m_i = 1 / (1 - p) with probability 1 - p, else 0;  dx += dy * m
Tensor dropout(const Tensor& x, float p, Generator& generator) {
  PLEXUS_CHECK(x.defined(), "dropout: the input tensor is empty");
  PLEXUS_CHECK(p >= 0.0f && p < 1.0f, "dropout: p must be in [0, 1), got ", p);
  const float scale = 1.0f / (1.0f - p);
  Tensor mask = Tensor::empty(x.shape());
  Tensor y = Tensor::empty(x.shape());
  float* m = mask.data();
  float* py = y.data();
  const float* px = x.data();
  for (size_t i = 0; i < x.numel(); ++i) {
    m[i] = generator.uniform() < p ? 0.0f : scale;
    py[i] = px[i] * m[i];
  }
  return autograd::record(Op::dropout, std::move(y), {x}, [mask](BackwardContext& c) {
    float* dx = c.input_grad(0);
    const float* dy = c.output_grad();
    const float* keep = mask.data();
    for (size_t i = 0; i < c.numel(); ++i) dx[i] += dy[i] * keep[i];
  });
}

}  // namespace plexus

namespace plexus::nn {

Dropout::Dropout(float p, std::optional<uint64_t> seed)
    : p_(p), generator_(seed ? *seed : next_seed()) {
  PLEXUS_CHECK(p >= 0.0f && p < 1.0f, "Dropout: p must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0.0f) return x;
  return dropout(x, p_, generator_);
}

std::string Dropout::name() const {
  std::ostringstream out;
  out << "Dropout(p=" << p_ << ")";
  return out.str();
}

LayerSpec Dropout::spec() const { return {type(), {{"p", p_}}, {}}; }

}  // namespace plexus::nn
