// The embedding lookup (px::embedding): rows picked by index, the scatter-add of its gradient,
// and its refusal of indices that are not rows. nn::CategoricalEmbedding: its layout, gradients,
// checks, registry entry and model file (architecture JSON, PyTorch's tensor names).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
namespace nn = plexus::nn;
namespace fs = std::filesystem;
using px::Tensor;
using px::testing::error_of;
using ::testing::HasSubstr;

TEST(Embedding, PicksTheRowOfEachIndexKeepingTheInputsShape) {
  const Tensor weight = Tensor::from({0, 1, 10, 11, 20, 21}, {3, 2});
  const Tensor y = px::embedding(Tensor::from({2, 0, 1, 2}, {2, 2}), weight);
  ASSERT_EQ(y.shape(), (px::Shape{2, 2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{20, 21, 0, 1, 10, 11, 20, 21}));
}

TEST(Embedding, GradientAddsUpOverRepeatedIndicesAndLeavesUnusedRowsAtZero) {
  const Tensor weight = Tensor::zeros({4, 2}).requires_grad();
  const Tensor y = px::embedding(Tensor::from({1, 3, 1}, {3}), weight);
  y.backward(Tensor::from({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_EQ(weight.grad().to_vector(), (std::vector<float>{0, 0, 6, 8, 0, 0, 3, 4}));
}

TEST(Embedding, RefusesAnIndexThatIsNotARow) {
  const Tensor weight = Tensor::zeros({3, 2});
  for (const float bad : {3.0f, -1.0f, 1.5f, std::nanf("")}) {
    const std::string message = error_of([&] {
      px::embedding(Tensor::from({0, bad}, {2}), weight);
    });
    EXPECT_THAT(message, HasSubstr("embedding: index ")) << bad;
    EXPECT_THAT(message, HasSubstr("from 0 to 2")) << bad;
  }
}

TEST(CategoricalEmbedding, GivesEachEmbeddedInputsRowThenThePassedInputs) {
  // Inputs 0 and 2 hold categories (3 and 2 of them); inputs 1 and 3 pass through.
  nn::CategoricalEmbedding layer(4, 5, 2, {0, 2}, {3, 2});
  EXPECT_EQ(layer.offsets(), (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(layer.passed(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(layer.out_features(), 6);
  EXPECT_EQ(layer.output_positions(), (std::vector<int64_t>{0, 4, 2, 5}));
  const std::vector<float> table = {0, 1, 10, 11, 20, 21, 30, 31, 40, 41};
  std::copy(table.begin(), table.end(), layer.weight.data());
  const Tensor x = Tensor::from({2, 0.5f, 1, -7, 0, 1.5f, 0, 8}, {2, 4}).requires_grad();
  const Tensor y = layer(x);
  EXPECT_EQ(y.to_vector(), (std::vector<float>{20, 21, 40, 41, 0.5f, -7, 0, 1, 30, 31, 1.5f, 8}));
  y.backward(Tensor::from({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 6}));
  // The passed inputs get their outputs' gradients; category columns get none.
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 5, 0, 6, 0, 11, 0, 12}));
  EXPECT_EQ(layer.weight.grad().to_vector(), (std::vector<float>{7, 8, 0, 0, 1, 2, 9, 10, 3, 4}));
}

TEST(CategoricalEmbedding, StartsTheLastRowOfEachTableAtZeroAndRefusesBadInputs) {
  nn::CategoricalEmbedding layer(2, 7, 3, {}, {4, 3}, 11);
  const std::vector<float> w = layer.weight.to_vector();
  for (const size_t row : {3u, 6u})
    for (size_t e = 0; e < 3; ++e) EXPECT_EQ(w[row * 3 + e], 0.0f) << row;
  EXPECT_NE(w[0], 0.0f);
  EXPECT_THAT(error_of([&] {
                layer(Tensor::from({1, 3}, {1, 2}));
              }),
              HasSubstr("input 1 of row 0 is 3, not one of its categories 0..2"));
  EXPECT_THAT(error_of([] {
                nn::CategoricalEmbedding(3, 6, 2, {0, 2}, {2, 3});
              }),
              HasSubstr("num_embeddings is 6 but the cardinalities add up to 5"));
  EXPECT_THAT(error_of([] {
                nn::CategoricalEmbedding(3, 6, 2, {2, 1});
              }),
              HasSubstr("strictly increasing"));
  EXPECT_THAT(error_of([] { nn::CategoricalEmbedding(3, 7, 2); }),
              HasSubstr("does not split evenly among the 3"));
}

TEST(ModelFile, TheCategoricalEmbeddingRoundTripsWithItsListsAndTorchsName) {
  px::manual_seed(3);
  nn::LayerSpec spec{"CategoricalEmbedding",
                     {{"in_features", 3}, {"num_embeddings", 9}, {"embedding_dim", 4}},
                     {}};
  spec.lists = {{"indices", {1}}, {"cardinalities", {9}}};
  nn::Sequential network{nn::make_layer(spec), nn::Linear(6, 2)};
  EXPECT_EQ(network[0].spec().lists, spec.lists);
  const fs::path path = fs::path(::testing::TempDir()) / "categorical_embedding.plx";
  px::io::ModelInfo info;
  info.task = "regression";
  px::io::save_model(network, path, info);

  const px::io::SafetensorsFile file = px::io::load_safetensors(path);
  const auto architecture = nlohmann::json::parse(file.metadata.at("plexus.architecture"));
  EXPECT_EQ(architecture[0], nlohmann::json::parse(R"({"type": "CategoricalEmbedding",
      "in_features": 3, "num_embeddings": 9, "embedding_dim": 4, "indices": [1],
      "cardinalities": [9]})"));
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.tensors[0].first, "0.weight");
  EXPECT_EQ(file.tensors[0].second.shape(), (px::Shape{9, 4}));

  px::io::Model loaded = px::io::load_model(path);
  EXPECT_EQ(loaded.network.name(), network.name());
  const Tensor x = Tensor::from({0.5f, 8, -1, 2, 0, 3}, {2, 3});
  px::NoGradGuard no_grad;
  EXPECT_EQ(loaded.forward(x).to_vector(), network(x).to_vector());
}
