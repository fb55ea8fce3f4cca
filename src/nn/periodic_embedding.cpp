// px::nn::PeriodicEmbedding: owns the parameters of the periodic_embedding op (ops/embedding.cpp).
#include "plexus/nn/periodic_embedding.hpp"

#include <cmath>
#include <span>
#include <sstream>

#include "base/check.hpp"
#include "nn/init_detail.hpp"
#include "plexus/ops/embedding.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::nn {

PeriodicEmbedding::PeriodicEmbedding(int64_t in_features, std::vector<int64_t> indices,
                                     int64_t frequencies, int64_t embedding_dim, float sigma,
                                     std::optional<uint64_t> seed)
    : in_features_(in_features),
      indices_(std::move(indices)),
      frequencies_(frequencies),
      embedding_dim_(embedding_dim),
      sigma_(sigma) {
  PLEXUS_CHECK(in_features > 0, "PeriodicEmbedding(", in_features,
               "): in_features must be positive");
  PLEXUS_CHECK(!indices_.empty(), "PeriodicEmbedding(", in_features,
               "): indices must name at least one feature to embed");
  for (size_t i = 0; i < indices_.size(); ++i) {
    PLEXUS_CHECK(indices_[i] >= 0 && indices_[i] < in_features, "PeriodicEmbedding(", in_features,
                 "): index ", indices_[i], " is not one of the ", in_features, " inputs");
    PLEXUS_CHECK(i == 0 || indices_[i] > indices_[i - 1], "PeriodicEmbedding(", in_features,
                 "): indices must be strictly increasing, got ", indices_[i - 1], " before ",
                 indices_[i]);
  }
  PLEXUS_CHECK(frequencies > 0 && embedding_dim > 0, "PeriodicEmbedding(", in_features,
               "): frequencies and embedding_dim must be positive, got ", frequencies, " and ",
               embedding_dim);
  PLEXUS_CHECK(sigma > 0.0f && std::isfinite(sigma), "PeriodicEmbedding(", in_features,
               "): sigma must be positive, got ", sigma);
  const auto n = static_cast<int64_t>(indices_.size());
  Generator generator(seed ? *seed : next_seed());
  this->frequencies = register_parameter("frequencies", Tensor::empty({n, frequencies}));
  for (float& w : std::span(this->frequencies.data(), this->frequencies.numel()))
    w = sigma * generator.normal();
  phases = register_parameter("phases", Tensor::empty({n, frequencies}));
  init::detail::fill_uniform(phases, -0.5f, 0.5f, generator);
  const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(frequencies)));
  weight = register_parameter("weight", Tensor::empty({n, frequencies, embedding_dim}));
  init::detail::fill_uniform(weight, -bound, bound, generator);
  bias = register_parameter("bias", Tensor::empty({n, embedding_dim}));
  init::detail::fill_uniform(bias, -bound, bound, generator);
}

Tensor PeriodicEmbedding::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  PLEXUS_CHECK(x.rank() == 2 && x.shape()[1] == in_features_, name(), ": expected input [B, ",
               in_features_, "], got shape ", x.shape());
  return periodic_embedding(x, indices_, frequencies, phases, weight, bias);
}

std::optional<int64_t> PeriodicEmbedding::out_features() const {
  return in_features_ + static_cast<int64_t>(indices_.size()) * embedding_dim_;
}

std::string PeriodicEmbedding::name() const {
  std::ostringstream out;
  out << "PeriodicEmbedding(" << in_features_ << " -> " << *out_features() << ", "
      << indices_.size() << " embedded, " << frequencies_
      << " frequencies, embedding_dim=" << embedding_dim_;
  if (sigma_ != 0.1f) out << ", sigma=" << sigma_;
  out << ")";
  return out.str();
}

LayerSpec PeriodicEmbedding::spec() const {
  LayerSpec out{type(),
                {{"in_features", static_cast<double>(in_features_)},
                 {"frequencies", static_cast<double>(frequencies_)},
                 {"embedding_dim", static_cast<double>(embedding_dim_)},
                 {"sigma", sigma_}},
                {}};
  out.lists.emplace_back("indices", indices_);
  return out;
}

}  // namespace plexus::nn
