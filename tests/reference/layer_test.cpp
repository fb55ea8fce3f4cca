// Linear, BatchNorm1d, LayerNorm, PeriodicEmbedding, the embedding lookup, CategoricalEmbedding,
// FeatureScale and Sort against PyTorch fixtures (tests/reference/fixtures/layers): forward values,
// input gradients, parameter gradients, and BatchNorm's running statistics after each training
// step. Weights are loaded through named_parameters()/named_buffers().
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>
#include <string>

#include "reference/fixture.hpp"

namespace px = plexus;
using px::Tensor;
using px::testing::Fixture;
using px::testing::load_fixture;
using px::testing::tensors_close;

namespace {

// Copies fixture tensors into the module's parameters and buffers of the same names.
void load_state(px::nn::Module& module, const Fixture& f) {
  auto load = [&](const std::vector<std::pair<std::string, Tensor>>& named) {
    for (auto [name, tensor] : named) {
      if (!f.has(name)) continue;
      const Tensor value = f.tensor(name);
      ASSERT_EQ(value.shape(), tensor.shape()) << name;
      std::copy_n(value.data(), value.numel(), tensor.data());
    }
  };
  load(module.named_parameters());
  load(module.named_buffers());
}

Tensor parameter(const px::nn::Module& module, const std::string& name) {
  for (const auto& [n, t] : module.named_parameters())
    if (n == name) return t;
  ADD_FAILURE() << module.name() << " has no parameter " << name;
  return Tensor();
}

Tensor buffer(const px::nn::Module& module, const std::string& name) {
  for (const auto& [n, t] : module.named_buffers())
    if (n == name) return t;
  ADD_FAILURE() << module.name() << " has no buffer " << name;
  return Tensor();
}

void zero_grads(const px::nn::Module& module) {
  for (const Tensor& p : module.parameters()) p.zero_grad();
}

// A layer with `weight` and an optional `bias` (the fixture's flag "bias"), given the fixture's
// weights: its output and the gradients of x, weight and bias are the fixture's.
void expect_weight_and_bias_layer_matches(px::nn::Module& layer, const Fixture& f) {
  ASSERT_EQ(layer.named_parameters().size(), f.flag("bias") ? 2u : 1u);
  load_state(layer, f);
  const Tensor x = f.tensor("x").requires_grad();
  const Tensor y = layer(x);
  y.backward(f.tensor("dy"));
  EXPECT_TRUE(tensors_close(y, f.tensor("y")));
  EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx")));
  EXPECT_TRUE(tensors_close(parameter(layer, "weight").grad(), f.tensor("dweight")));
  if (f.flag("bias")) {
    EXPECT_TRUE(tensors_close(parameter(layer, "bias").grad(), f.tensor("dbias")));
  }
}

}  // namespace

TEST(LayerReference, LinearMatchesTorch) {
  for (const std::string name : {"linear", "linear_nobias"}) {
    SCOPED_TRACE(name);
    const Fixture f = load_fixture("layers", name);
    px::nn::Linear layer(static_cast<int64_t>(f.number("in_features")),
                         static_cast<int64_t>(f.number("out_features")), f.flag("bias"));
    expect_weight_and_bias_layer_matches(layer, f);
  }
}

// Several train-mode steps: each normalises with the batch statistics and moves the running ones.
void check_batchnorm_training(const std::string& case_name) {
  const Fixture f = load_fixture("layers", case_name);
  const bool affine = f.flag("affine");
  px::nn::BatchNorm1d bn(static_cast<int64_t>(f.number("num_features")), f.number("eps"),
                         f.number("momentum"), affine);
  load_state(bn, f);
  EXPECT_TRUE(tensors_close(bn.running_mean, f.tensor("running_mean_init")));
  EXPECT_TRUE(tensors_close(bn.running_var, f.tensor("running_var_init")));
  const int steps = static_cast<int>(f.number("steps"));
  for (int k = 0; k < steps; ++k) {
    SCOPED_TRACE(testing::Message() << "step " << k);
    // "x_0", "y_0", ...  (built with append: GCC 12 mis-warns on "literal" + std::string)
    auto at_step = [k](std::string name) { return name.append("_").append(std::to_string(k)); };
    zero_grads(bn);
    const Tensor x = f.tensor(at_step("x")).requires_grad();
    const Tensor y = bn(x);
    y.backward(f.tensor(at_step("dy")));
    EXPECT_TRUE(tensors_close(y, f.tensor(at_step("y"))));
    EXPECT_TRUE(tensors_close(x.grad(), f.tensor(at_step("dx"))));
    if (affine) {
      EXPECT_TRUE(tensors_close(parameter(bn, "weight").grad(), f.tensor(at_step("dweight"))));
      EXPECT_TRUE(tensors_close(parameter(bn, "bias").grad(), f.tensor(at_step("dbias"))));
    }
    EXPECT_TRUE(tensors_close(buffer(bn, "running_mean"), f.tensor(at_step("running_mean"))));
    EXPECT_TRUE(tensors_close(buffer(bn, "running_var"), f.tensor(at_step("running_var"))));
    EXPECT_EQ(bn.num_batches_tracked.item(), static_cast<float>(k + 1));
  }
}

TEST(LayerReference, BatchNorm1dTrainingMatchesTorchOverThreeSteps) {
  check_batchnorm_training("batchnorm1d_train");
}

TEST(LayerReference, BatchNorm1dTrainingWithoutAffineMatchesTorch) {
  check_batchnorm_training("batchnorm1d_train_noaffine");
}

TEST(LayerReference, BatchNorm1dEvalUsesRunningStatisticsAsTorch) {
  const Fixture f = load_fixture("layers", "batchnorm1d_eval");
  ASSERT_FALSE(f.flag("training"));
  px::nn::BatchNorm1d bn(static_cast<int64_t>(f.number("num_features")), f.number("eps"),
                         f.number("momentum"), f.flag("affine"));
  load_state(bn, f);
  bn.eval();
  const Tensor x = f.tensor("x").requires_grad();
  const Tensor y = bn(x);
  y.backward(f.tensor("dy"));
  EXPECT_TRUE(tensors_close(y, f.tensor("y")));
  EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx")));
  EXPECT_TRUE(tensors_close(bn.weight.grad(), f.tensor("dweight")));
  EXPECT_TRUE(tensors_close(bn.bias.grad(), f.tensor("dbias")));
  // Eval mode reads the running statistics and leaves them alone.
  EXPECT_TRUE(tensors_close(bn.running_mean, f.tensor("running_mean"), 0, 0));
  EXPECT_TRUE(tensors_close(bn.running_var, f.tensor("running_var"), 0, 0));
}

TEST(LayerReference, LayerNormMatchesTorch) {
  for (const std::string name : {"layernorm", "layernorm_noaffine"}) {
    SCOPED_TRACE(name);
    const Fixture f = load_fixture("layers", name);
    const bool affine = f.flag("elementwise_affine");
    px::nn::LayerNorm norm(static_cast<int64_t>(f.number("normalized_shape")), f.number("eps"),
                           affine);
    load_state(norm, f);
    const Tensor x = f.tensor("x").requires_grad();
    const Tensor y = norm(x);
    y.backward(f.tensor("dy"));
    EXPECT_TRUE(tensors_close(y, f.tensor("y")));
    EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx")));
    if (affine) {
      EXPECT_TRUE(tensors_close(norm.weight.grad(), f.tensor("dweight")));
      EXPECT_TRUE(tensors_close(norm.bias.grad(), f.tensor("dbias")));
    }
  }
}

// The documented PyTorch module (tests/interop/plexus_modules.py) with the same parameters: the
// forward pass and the gradients of the input and of all four parameters.
TEST(LayerReference, PeriodicEmbeddingMatchesTheDocumentedTorchModule) {
  for (const std::string name : {"periodic_embedding", "periodic_embedding_defaults"}) {
    SCOPED_TRACE(name);
    const Fixture f = load_fixture("layers", name);
    std::vector<int64_t> indices;
    for (const float i : f.tensor("indices").to_vector())
      indices.push_back(static_cast<int64_t>(i));
    px::nn::PeriodicEmbedding layer(static_cast<int64_t>(f.number("in_features")), indices,
                                    static_cast<int64_t>(f.number("frequencies")),
                                    static_cast<int64_t>(f.number("embedding_dim")),
                                    static_cast<float>(f.number("sigma")));
    ASSERT_EQ(layer.named_parameters().size(), 4u);
    load_state(layer, f);
    const Tensor x = f.tensor("x").requires_grad();
    const Tensor y = layer(x);
    y.backward(f.tensor("dy"));
    EXPECT_TRUE(tensors_close(y, f.tensor("y")));
    EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx"), 1e-4, 1e-5));
    EXPECT_TRUE(tensors_close(layer.frequencies.grad(), f.tensor("dfrequencies"), 1e-4, 1e-5));
    EXPECT_TRUE(tensors_close(layer.phases.grad(), f.tensor("dphases"), 1e-4, 1e-5));
    EXPECT_TRUE(tensors_close(layer.weight.grad(), f.tensor("dweight")));
    EXPECT_TRUE(tensors_close(layer.bias.grad(), f.tensor("dbias")));
  }
}

// torch.nn.functional.embedding: the rows picked, and the scatter-add of their gradients.
TEST(LayerReference, EmbeddingMatchesTorch) {
  const Fixture f = load_fixture("layers", "embedding");
  const Tensor weight = f.tensor("weight").requires_grad();
  const Tensor y = px::embedding(f.tensor("input"), weight);
  y.backward(f.tensor("dy"));
  EXPECT_TRUE(tensors_close(y, f.tensor("y")));
  EXPECT_TRUE(tensors_close(weight.grad(), f.tensor("dweight")));
}

// The documented PyTorch module with the same table: the rows and passed inputs, the gradient of
// the passed inputs (the category columns get none) and the scatter-add into the table.
TEST(LayerReference, CategoricalEmbeddingMatchesTheDocumentedTorchModule) {
  const Fixture f = load_fixture("layers", "categorical_embedding");
  std::vector<int64_t> indices, cardinalities;
  for (const float i : f.tensor("indices").to_vector()) indices.push_back(static_cast<int64_t>(i));
  for (const float c : f.tensor("cardinalities").to_vector())
    cardinalities.push_back(static_cast<int64_t>(c));
  px::nn::CategoricalEmbedding layer(static_cast<int64_t>(f.number("in_features")),
                                     static_cast<int64_t>(f.number("num_embeddings")),
                                     static_cast<int64_t>(f.number("embedding_dim")), indices,
                                     cardinalities);
  load_state(layer, f);
  const Tensor x = f.tensor("x").requires_grad();
  const Tensor y = layer(x);
  y.backward(f.tensor("dy"));
  EXPECT_TRUE(tensors_close(y, f.tensor("y")));
  EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx")));
  EXPECT_TRUE(tensors_close(layer.weight.grad(), f.tensor("dweight")));
}

TEST(LayerReference, FeatureScaleMatchesTheDocumentedTorchModule) {
  for (const std::string name : {"feature_scale", "feature_scale_nobias"}) {
    SCOPED_TRACE(name);
    const Fixture f = load_fixture("layers", name);
    px::nn::FeatureScale layer(static_cast<int64_t>(f.number("num_features")), f.flag("bias"));
    expect_weight_and_bias_layer_matches(layer, f);
  }
}

TEST(LayerReference, SortMatchesTheDocumentedTorchModule) {
  const Fixture f = load_fixture("layers", "sort");
  px::nn::Sort layer;
  const Tensor x = f.tensor("x").requires_grad();
  const Tensor y = layer(x);
  y.backward(f.tensor("dy"));
  EXPECT_TRUE(tensors_close(y, f.tensor("y")));
  EXPECT_TRUE(tensors_close(x.grad(), f.tensor("dx")));
}
