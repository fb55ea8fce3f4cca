// px::nn::Dropout: inverted dropout. In training each element is zeroed with probability p and the
// survivors are scaled by 1 / (1 - p), so the expected value is unchanged and eval mode needs no
// rescaling: there it is the identity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plexus/nn/module.hpp"
#include "plexus/ops/dropout.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::nn {

class Dropout : public Module {
 public:
  /// Masks come from a generator seeded by `seed`, or by the next seed of px::manual_seed's
  /// sequence, so a run repeats its masks for the same seed. Each forward draws a new mask.
  explicit Dropout(float p = 0.5f, std::optional<uint64_t> seed = std::nullopt);

  /// x: any shape -> same shape; the identity in eval mode.
  Tensor forward(const Tensor& x) override;
  /// "Dropout(p=0.2)"
  std::string name() const override;
  std::string type() const override { return "Dropout"; }
  /// {p}; the seed is not part of it.
  LayerSpec spec() const override;

  float p() const { return p_; }
  Generator* generator() override { return &generator_; }

 private:
  float p_;
  Generator generator_;
};

}  // namespace plexus::nn
