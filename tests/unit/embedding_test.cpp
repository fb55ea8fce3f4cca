// The layers of the tabular recipe: PeriodicEmbedding's values and output order against a
// hand computation, its checks; FeatureScale; both through the registry, a model file (the
// architecture's argument names, the index list, PyTorch's tensor names) and build_network with
// Recipe::embedding and Recipe::feature_scale on a table and on arrays.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
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

namespace {

px::data::Table table_of(const std::string& text) {
  std::istringstream in(text);
  return px::data::read_csv(in, "rows.csv");
}

const char* kCsv =
    "age,colour,score,label\n"
    "31,red,0.5,yes\n45,blue,1.5,no\n22,green,-0.5,yes\n60,red,2.5,no\n"
    "38,blue,0.0,yes\n51,green,1.0,no\n27,red,0.7,yes\n44,blue,1.9,no\n";

}  // namespace

TEST(PeriodicEmbedding, GivesEachEmbeddedInputsBlockThenThePassedInputs) {
  nn::PeriodicEmbedding layer(3, {0, 2}, /*frequencies=*/2, /*embedding_dim=*/1);
  const std::vector<float> w = {0.25f, -0.5f, 1.0f, 0.125f}, b = {0.1f, 0.0f, -0.2f, 0.3f};
  const std::vector<float> lw = {2.0f, -1.0f, 0.5f, 3.0f}, lb = {0.25f, -0.75f};
  std::copy(w.begin(), w.end(), layer.frequencies.data());
  std::copy(b.begin(), b.end(), layer.phases.data());
  std::copy(lw.begin(), lw.end(), layer.weight.data());
  std::copy(lb.begin(), lb.end(), layer.bias.data());
  EXPECT_EQ(layer.out_features(), 5);
  const Tensor y = layer(Tensor::from({0.5f, 7.0f, -2.0f, 1.5f, 8.0f, 0.25f}, {2, 3}));
  ASSERT_EQ(y.shape(), (px::Shape{2, 5}));
  const double two_pi = 2 * M_PI;
  auto z = [&](size_t i, double v) {
    return lb[i] + lw[2 * i] * std::cos(two_pi * (v * w[2 * i] + b[2 * i])) +
           lw[2 * i + 1] * std::cos(two_pi * (v * w[2 * i + 1] + b[2 * i + 1]));
  };
  const std::vector<double> expected = {0.5, z(0, 0.5), -2.0, z(1, -2.0), 7.0,
                                        1.5, z(0, 1.5), 0.25, z(1, 0.25), 8.0};
  const std::vector<float> got = y.to_vector();
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5) << i;
}

TEST(PeriodicEmbedding, InitialisesAsRealMlpAndRefusesBadIndices) {
  px::manual_seed(3);
  nn::PeriodicEmbedding layer(40, {1, 5, 39});
  EXPECT_EQ(layer.out_features(), 40 + 3 * 3);
  EXPECT_EQ(layer.weight.shape(), (px::Shape{3, 16, 3}));
  const std::vector<float> w = layer.frequencies.to_vector();
  double squares = 0;
  for (const float v : w) squares += v * v;
  EXPECT_NEAR(std::sqrt(squares / static_cast<double>(w.size())), 0.1, 0.03);  // sigma
  for (const float v : layer.phases.to_vector()) EXPECT_LE(std::fabs(v), 0.5f);
  EXPECT_THAT(error_of([] { nn::PeriodicEmbedding(4, {0, 4}); }), HasSubstr("index 4"));
  EXPECT_THAT(error_of([] { nn::PeriodicEmbedding(4, {2, 1}); }), HasSubstr("strictly increasing"));
  EXPECT_THAT(error_of([] { nn::PeriodicEmbedding(4, {}); }), HasSubstr("at least one"));
  EXPECT_THAT(error_of([&] {
                layer(Tensor::zeros({2, 39}));
              }),
              HasSubstr("expected input [B, 40]"));
}

TEST(FeatureScale, StartsAsTheIdentityAndScalesEachFeature) {
  nn::FeatureScale scale(3, /*bias=*/true);
  const Tensor x = Tensor::from({1.0f, -2.0f, 3.0f, 4.0f, 5.0f, -6.0f}, {2, 3});
  EXPECT_EQ(scale(x).to_vector(), x.to_vector());
  scale.weight.data()[1] = 0.5f;
  scale.bias.data()[2] = 1.0f;
  EXPECT_EQ(scale(x).to_vector(), (std::vector<float>{1, -1, 4, 4, 2.5f, -5}));
  EXPECT_EQ(scale.named_parameters().size(), 2u);
  EXPECT_EQ(nn::FeatureScale(3).named_parameters().size(), 1u);
}

TEST(LayerRegistry, BuildsTheEmbeddingFromAnIndexListOrEveryInput) {
  const auto all = nn::make_layer({"PeriodicEmbedding", {{"in_features", 3}}, {}});
  EXPECT_EQ(dynamic_cast<nn::PeriodicEmbedding&>(*all).indices(), (std::vector<int64_t>{0, 1, 2}));
  nn::LayerSpec spec{"PeriodicEmbedding", {{"in_features", 5}, {"embedding_dim", 2}}, {}};
  spec.lists = {{"indices", {1, 3}}};
  const auto some = nn::make_layer(spec);
  EXPECT_EQ(some->out_features(), 5 + 2 * 2);
  EXPECT_EQ(some->spec().lists, spec.lists);
  spec.lists = {{"columns", {1}}};
  EXPECT_THAT(error_of([&] { nn::make_layer(spec); }),
              HasSubstr("unknown list argument 'columns'; it takes indices"));
  nn::LayerSpec linear{"Linear", {{"in_features", 2}, {"out_features", 1}}, {}};
  linear.lists = {{"indices", {0}}};
  EXPECT_THAT(error_of([&] { nn::make_layer(linear); }), HasSubstr("it takes none"));
  // The budget is checked before the indices of every input are listed.
  EXPECT_THAT(error_of([] {
                nn::build({{"PeriodicEmbedding", {{"in_features", 1e15}}, {}}}, 1000000);
              }),
              HasSubstr("more than the"));
}

TEST(ModelFile, TheEmbeddingAndScaleRoundTripWithTorchNamesAndAnIndexList) {
  px::manual_seed(5);
  const px::data::Table table = table_of(kCsv);
  std::vector<size_t> rows(table.rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  px::data::TabularOptions options{.target = "label"};
  px::io::ModelInfo info;
  info.input.tabular = px::data::Preprocessing::fit(table, rows, options);
  info.input.target = px::data::Target::fit(table, rows, options);
  info.task = "classification";
  info.classes = info.input.target->classes;
  // age, colour (3 one-hot inputs), score: the numeric values are inputs 0 and 4.
  const std::vector<int64_t> numeric = info.input.tabular->numeric_value_outputs();
  ASSERT_EQ(numeric, (std::vector<int64_t>{0, 4}));
  nn::Sequential network{nn::FeatureScale(5, true), nn::PeriodicEmbedding(5, numeric, 4, 2, 0.5f),
                         nn::Linear(9, 2)};
  network.eval();
  const fs::path path = fs::path(::testing::TempDir()) / "embedding.plx";
  px::io::save_model(network, path, info);

  const px::io::SafetensorsFile file = px::io::load_safetensors(path);
  const auto architecture = nlohmann::json::parse(file.metadata.at("plexus.architecture"));
  EXPECT_EQ(architecture[0],
            nlohmann::json::parse(R"({"type": "FeatureScale", "num_features": 5, "bias": true})"));
  EXPECT_EQ(architecture[1],
            nlohmann::json::parse(R"({"type": "PeriodicEmbedding", "in_features": 5,
                                      "frequencies": 4, "embedding_dim": 2, "sigma": 0.5,
                                      "indices": [0, 4]})"));
  std::vector<std::string> names;
  for (const auto& [name, tensor] : file.tensors) names.push_back(name);
  EXPECT_THAT(names,
              ::testing::UnorderedElementsAre("0.weight", "0.bias", "1.frequencies", "1.phases",
                                              "1.weight", "1.bias", "2.weight", "2.bias"));

  px::io::Model loaded = px::io::load_model(path);
  EXPECT_EQ(loaded.network.name(), network.name());
  const Tensor x = loaded.preprocess(table);
  px::NoGradGuard no_grad;
  EXPECT_EQ(loaded.forward(x).to_vector(), network(x).to_vector());
}

TEST(Recipe, BuildNetworkPutsTheScaleAndTheEmbeddingOfTheNumericValuesFirst) {
  const px::data::PreparedData data =
      px::data::prepare_table(table_of(kCsv), {.target = "label"}, {.validation_fraction = 0.0});
  px::train::Recipe recipe{.hidden = {8}, .embedding = "periodic", .feature_scale = true};
  const nn::Sequential network = px::train::build_network(recipe, data);
  ASSERT_EQ(network.size(), 6u);
  EXPECT_EQ(network[0].type(), "FeatureScale");
  const auto& embedding = dynamic_cast<const nn::PeriodicEmbedding&>(network[1]);
  EXPECT_EQ(embedding.indices(), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(network[2].in_features(), 5 + 2 * 3);
  // Without the settings the network is the one it always was.
  recipe.embedding = "none";
  recipe.feature_scale = false;
  EXPECT_EQ(px::train::build_network(recipe, data)[0].type(), "Linear");
  recipe.embedding = "piecewise";
  EXPECT_THAT(error_of([&] { px::train::build_network(recipe, data); }),
              HasSubstr("unknown embedding \"piecewise\"; known: none, periodic"));
}

TEST(Recipe, ArraysEmbedEveryInputUpToAThousand) {
  const px::train::Recipe recipe{.hidden = {4}, .embedding = "periodic"};
  const nn::Sequential small = px::train::build_network(recipe, 6, 2);
  EXPECT_EQ(dynamic_cast<const nn::PeriodicEmbedding&>(small[0]).indices().size(), 6u);
  EXPECT_THAT(error_of([&] { px::train::build_network(recipe, 1001, 2); }),
              HasSubstr("would embed 1001 inputs, more than the 1000 it takes"));
}
