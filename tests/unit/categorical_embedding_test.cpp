// The embedding lookup (px::embedding): rows picked by index, the scatter-add of its gradient,
// and its refusal of indices that are not rows. nn::CategoricalEmbedding: its layout, gradients,
// checks, registry entry and model file (architecture JSON, PyTorch's tensor names).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>
#include <sstream>
#include <string>
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

namespace {

px::data::Table table_of(const std::string& text) {
  std::istringstream in(text);
  return px::data::read_csv(in, "rows.csv");
}

// shop has 4 categories and a gap (a missing category), size 2: above a threshold of 3, shop is
// embedded and size stays one-hot.
const char* kShops =
    "age,shop,size,label\n"
    "31,a,S,yes\n45,b,L,no\n22,c,S,yes\n60,,L,no\n38,d,S,yes\n51,a,L,no\n27,b,S,yes\n44,c,L,no\n";

std::vector<size_t> all_rows(const px::data::Table& table) {
  std::vector<size_t> rows(table.rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return rows;
}

}  // namespace

TEST(Preprocessing, EmbedsAColumnWithMoreCategoriesThanTheThresholdAsItsIndex) {
  const px::data::Table table = table_of(kShops);
  const px::data::TabularOptions options{.target = "label", .embed_categories_above = 3};
  const auto pipeline = px::data::Preprocessing::fit(table, all_rows(table), options);
  // age, shop's index, size's two one-hot inputs.
  ASSERT_EQ(pipeline.output_features(), 4u);
  EXPECT_EQ(pipeline.embedded_category_outputs(), (std::vector<int64_t>{1}));
  EXPECT_EQ(pipeline.embedded_category_counts(),
            (std::vector<int64_t>{6}));  // a-d, missing, unseen
  EXPECT_EQ(pipeline.numeric_value_outputs(), (std::vector<int64_t>{0}));
  const px::data::Table rows = table_of("age,shop,size\n30,c,L\n30,,S\n30,zzz,S\n");
  std::vector<std::string> warnings;
  const Tensor x = pipeline.transform(rows, all_rows(rows), &warnings);
  EXPECT_EQ(x.shape(), (px::Shape{3, 4}));
  const std::vector<float> v = x.to_vector();
  EXPECT_EQ(v[1], 2.0f);  // c
  EXPECT_EQ(v[5], 4.0f);  // missing
  EXPECT_EQ(v[9], 5.0f);  // unseen
  EXPECT_EQ(v[2], 1.0f);  // L, one-hot
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("the unseen category"));
  // The JSON keeps it; a threshold of 0 (or 4 categories and below) one-hot encodes.
  const auto again = px::data::Preprocessing::from_json(pipeline.to_json(), "model.plx");
  EXPECT_EQ(again.transform(rows, all_rows(rows)).to_vector(), v);
  const auto one_hot = px::data::Preprocessing::fit(
      table, all_rows(table), {.target = "label", .embed_categories_above = 0});
  EXPECT_TRUE(one_hot.embedded_category_outputs().empty());
  EXPECT_EQ(one_hot.output_features(), 8u);
}

TEST(Recipe, BuildNetworkPutsTheCategoricalEmbeddingFirstAndMovesThePeriodicIndices) {
  const px::data::PreparedData data =
      px::data::prepare_table(table_of(kShops), {.target = "label", .embed_categories_above = 3},
                              {.test_fraction = 0.0, .validation_fraction = 0.0});
  px::train::Recipe recipe{.hidden = {8}, .embedding = "periodic", .feature_scale = true};
  nn::Sequential network = px::train::build_network(recipe, data);
  const auto& categories = dynamic_cast<const nn::CategoricalEmbedding&>(network[0]);
  EXPECT_EQ(categories.indices(), (std::vector<int64_t>{1}));
  EXPECT_EQ(categories.cardinalities(), (std::vector<int64_t>{6}));
  // The embedding's 32 outputs, then age, then size's two: age moved from 0 to 32.
  EXPECT_EQ(categories.out_features(), 32 + 3);
  EXPECT_EQ(network[1].type(), "FeatureScale");
  EXPECT_EQ(network[1].in_features(), 35);
  EXPECT_EQ(dynamic_cast<const nn::PeriodicEmbedding&>(network[2]).indices(),
            (std::vector<int64_t>{32}));
  px::NoGradGuard no_grad;
  EXPECT_EQ(network(data.x_train).shape(),
            (px::Shape{static_cast<int64_t>(data.x_train.shape(0)), 2}));
}
