// px::nn::CategoricalEmbedding: owns the table of the embedding op (ops/embedding_lookup.cpp) and
// turns the category columns of a batch into its indices; the other columns pass through.
#include "plexus/nn/categorical_embedding.hpp"

#include <cmath>
#include <span>
#include <sstream>

#include "base/check.hpp"
#include "nn/init_detail.hpp"
#include "plexus/ops/embedding.hpp"
#include "plexus/ops/shape_ops.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::nn {

CategoricalEmbedding::CategoricalEmbedding(int64_t in_features, int64_t num_embeddings,
                                           int64_t embedding_dim, std::vector<int64_t> indices,
                                           std::vector<int64_t> cardinalities,
                                           std::optional<uint64_t> seed)
    : in_features_(in_features),
      embedding_dim_(embedding_dim),
      indices_(std::move(indices)),
      cardinalities_(std::move(cardinalities)) {
  const std::string what = "CategoricalEmbedding(" + std::to_string(in_features) + ")";
  PLEXUS_CHECK(in_features > 0, what, ": in_features must be positive");
  PLEXUS_CHECK(embedding_dim > 0, what, ": embedding_dim must be positive, got ", embedding_dim);
  if (indices_.empty())
    for (int64_t j = 0; j < in_features; ++j) indices_.push_back(j);
  for (size_t i = 0; i < indices_.size(); ++i) {
    PLEXUS_CHECK(indices_[i] >= 0 && indices_[i] < in_features, what, ": index ", indices_[i],
                 " is not one of the ", in_features, " inputs");
    PLEXUS_CHECK(i == 0 || indices_[i] > indices_[i - 1], what,
                 ": indices must be strictly increasing, got ", indices_[i - 1], " before ",
                 indices_[i]);
  }
  const auto n = static_cast<int64_t>(indices_.size());
  if (cardinalities_.empty()) {
    PLEXUS_CHECK(num_embeddings > 0 && num_embeddings % n == 0, what, ": num_embeddings ",
                 num_embeddings, " does not split evenly among the ", n,
                 " embedded inputs; give their cardinalities");
    cardinalities_.assign(indices_.size(), num_embeddings / n);
  }
  PLEXUS_CHECK(cardinalities_.size() == indices_.size(), what, ": ", cardinalities_.size(),
               " cardinalities for ", n, " embedded inputs");
  int64_t rows = 0;
  for (const int64_t c : cardinalities_) {
    PLEXUS_CHECK(c > 0, what, ": every cardinality must be positive, got ", c);
    offsets_.push_back(rows);
    rows += c;
  }
  PLEXUS_CHECK(rows == num_embeddings, what, ": num_embeddings is ", num_embeddings,
               " but the cardinalities add up to ", rows);
  for (int64_t j = 0, next = 0; j < in_features; ++j) {
    if (next < n && indices_[static_cast<size_t>(next)] == j)
      ++next;
    else
      passed_.push_back(j);
  }
  Generator generator(seed ? *seed : next_seed());
  weight = register_parameter("weight", Tensor::empty({rows, embedding_dim}));
  const auto bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(embedding_dim)));
  init::detail::fill_uniform(weight, -bound, bound, generator);
  for (size_t i = 0; i < indices_.size(); ++i) {
    float* last = weight.data() + static_cast<size_t>(offsets_[i] + cardinalities_[i] - 1) *
                                      static_cast<size_t>(embedding_dim);
    std::fill_n(last, embedding_dim, 0.0f);
  }
}

Tensor CategoricalEmbedding::forward(const Tensor& x) {
  PLEXUS_CHECK(x.defined(), name(), ": the input tensor is empty");
  PLEXUS_CHECK(x.rank() == 2 && x.shape()[1] == in_features_, name(), ": expected input [B, ",
               in_features_, "], got shape ", x.shape());
  const int64_t batch = x.shape()[0];
  const auto n = static_cast<int64_t>(indices_.size());
  // The rows of the table, read from the batch's values: indices carry no gradient.
  Tensor rows = Tensor::empty({batch, n});
  const float* xs = x.data();
  float* out = rows.data();
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const auto at = static_cast<size_t>(i);
      const float v = xs[r * in_features_ + indices_[at]];
      PLEXUS_CHECK(v >= 0.0f && v < static_cast<float>(cardinalities_[at]) && std::floor(v) == v,
                   name(), ": input ", indices_[at], " of row ", r, " is ", v,
                   ", not one of its categories 0..", cardinalities_[at] - 1);
      out[r * n + i] = v + static_cast<float>(offsets_[at]);
    }
  const Tensor blocks = reshape(embedding(rows, weight), {batch, n * embedding_dim_});
  if (passed_.empty()) return blocks;
  const Tensor rest = transpose(index_rows(transpose(x), passed_));
  return concat({blocks, rest}, 1);
}

std::optional<int64_t> CategoricalEmbedding::out_features() const {
  return in_features_ + static_cast<int64_t>(indices_.size()) * (embedding_dim_ - 1);
}

std::vector<int64_t> CategoricalEmbedding::output_positions() const {
  std::vector<int64_t> out(static_cast<size_t>(in_features_));
  for (size_t i = 0; i < indices_.size(); ++i)
    out[static_cast<size_t>(indices_[i])] = static_cast<int64_t>(i) * embedding_dim_;
  const auto blocks = static_cast<int64_t>(indices_.size()) * embedding_dim_;
  for (size_t t = 0; t < passed_.size(); ++t)
    out[static_cast<size_t>(passed_[t])] = blocks + static_cast<int64_t>(t);
  return out;
}

std::string CategoricalEmbedding::name() const {
  std::ostringstream out;
  out << "CategoricalEmbedding(" << in_features_ << " -> " << *out_features() << ", "
      << indices_.size() << " embedded, " << weight.shape()[0]
      << " categories, embedding_dim=" << embedding_dim_ << ")";
  return out.str();
}

LayerSpec CategoricalEmbedding::spec() const {
  LayerSpec out{type(),
                {{"in_features", static_cast<double>(in_features_)},
                 {"num_embeddings", static_cast<double>(weight.shape()[0])},
                 {"embedding_dim", static_cast<double>(embedding_dim_)}},
                {}};
  out.lists.emplace_back("indices", indices_);
  out.lists.emplace_back("cardinalities", cardinalities_);
  return out;
}

}  // namespace plexus::nn
