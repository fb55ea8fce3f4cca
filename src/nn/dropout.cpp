// px::nn::Dropout: the dropout op (ops/dropout.cpp) in train mode, the identity in eval mode.
#include "plexus/nn/dropout.hpp"

#include <sstream>

#include "base/check.hpp"
#include "plexus/ops/dropout.hpp"
#include "plexus/tensor/random.hpp"

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
