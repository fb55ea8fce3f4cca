// Model files: a saved model loads back with the same architecture, weights, preprocessing and
// names, predicts identically on raw rows, keeps PyTorch's state_dict names; damaged, foreign and
// future files fail with a message naming the file; today's golden file keeps loading.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace px = plexus;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

const char* kCsv =
    "id,age,colour,score,label\n"
    "a,31,red,0.5,yes\n"
    "b,45,blue,1.5,no\n"
    "c,22,green,-0.5,yes\n"
    "d,60,red,2.5,no\n"
    "e,38,blue,0.0,yes\n"
    "f,51,green,1.0,no\n";

px::data::Table table_of(const std::string& text) {
  std::istringstream in(text);
  return px::data::read_csv(in, "rows.csv");
}

std::vector<size_t> all_rows(const px::data::Table& t) {
  std::vector<size_t> rows(t.rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return rows;
}

struct Trained {
  px::nn::Sequential network;
  px::io::ModelInfo info;
};

// A small classifier with every saved kind of layer, one training step taken so that batch
// norm's running statistics differ from their initial values.
Trained make_model() {
  px::manual_seed(7);
  const px::data::Table table = table_of(kCsv);
  const auto rows = all_rows(table);
  px::data::TabularOptions options{.target = "label", .ignore = {"id"}};
  Trained t;
  t.info.input.tabular = px::data::Preprocessing::fit(table, rows, options);
  t.info.input.target = px::data::Target::fit(table, rows, options);
  t.info.task = "classification";
  t.info.classes = t.info.input.target->classes;
  t.info.features = {"age", "colour", "score"};
  t.info.training = R"({"epochs": 1, "data": "rows.csv"})";
  const auto in = static_cast<int64_t>(t.info.input.tabular->output_features());
  t.network = px::nn::Sequential{
      px::nn::Linear(in, 8), px::nn::BatchNorm1d(8), px::nn::ReLU(), px::nn::Dropout(0.1),
      px::nn::Linear(8, 4),  px::nn::LayerNorm(4),   px::nn::GELU(), px::nn::Linear(4, 2)};
  px::optim::Adam adam(t.network.parameters(), {.lr = 1e-2});
  const px::Tensor x = t.info.input.tabular->transform(table, rows);
  const px::Tensor y = t.info.input.target->encode(table, rows);
  px::loss::cross_entropy(t.network(x), y).backward();
  adam.step();
  t.network.eval();
  return t;
}

fs::path temp_file(const std::string& name) {
  return fs::path(::testing::TempDir()) / ("model_file_" + name);
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string load_error(const fs::path& path) {
  try {
    px::io::load_model(path);
  } catch (const px::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ModelFile, RoundTripPredictsIdenticallyOnRawRows) {
  Trained t = make_model();
  const fs::path path = temp_file("round_trip.plx");
  px::io::save_model(t.network, path, t.info);

  px::io::Model loaded = px::io::load_model(path);
  EXPECT_EQ(loaded.format_version, px::io::kModelFormatVersion);
  EXPECT_EQ(loaded.info.task, "classification");
  EXPECT_EQ(loaded.info.classes, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(loaded.info.features, t.info.features);
  EXPECT_EQ(nlohmann::json::parse(loaded.info.training)["data"], "rows.csv");
  EXPECT_EQ(loaded.network.name(), t.network.name());

  // Columns in another order and an extra one: matched by name.
  const px::data::Table shuffled = table_of(
      "score,label,extra,colour,age\n0.5,yes,1,red,31\n2.5,no,2,red,60\n0.0,yes,3,blue,38\n");
  const px::Tensor raw = loaded.preprocess(shuffled);
  const px::Tensor expected_x = t.info.input.tabular->transform(shuffled, all_rows(shuffled));
  EXPECT_EQ(raw.to_vector(), expected_x.to_vector());
  px::NoGradGuard no_grad;
  EXPECT_EQ(loaded.forward(raw).to_vector(), t.network(expected_x).to_vector());
  const px::Tensor proba = loaded.predict_proba(raw);
  EXPECT_NEAR(proba.sum().item(), 3.0f, 1e-5f);
}

TEST(ModelFile, TensorsCarryTorchSequentialNamesAndTheMetadataKeys) {
  Trained t = make_model();
  const fs::path path = temp_file("names.plx");
  px::io::save_model(t.network, path, t.info);
  const px::io::SafetensorsFile file = px::io::load_safetensors(path);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : file.tensors) names.push_back(name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"0.weight", "0.bias", "1.weight", "1.running_mean",
                                              "1.running_var", "1.num_batches_tracked", "4.weight",
                                              "5.weight", "5.bias", "7.bias"}));
  for (const char* key : {"plexus.format_version", "plexus.architecture", "plexus.preprocessing",
                          "plexus.classes", "plexus.features", "plexus.training", "plexus.crc32"})
    EXPECT_TRUE(file.metadata.contains(key)) << key;
  const auto architecture = nlohmann::json::parse(file.metadata.at("plexus.architecture"));
  EXPECT_EQ(architecture[0]["type"], "Linear");
  EXPECT_EQ(architecture[1]["type"], "BatchNorm1d");
  EXPECT_EQ(architecture[0]["out_features"], 8);
}

TEST(ModelFile, DamagedFilesFailNamingTheFile) {
  Trained t = make_model();
  const fs::path good = temp_file("good.plx");
  px::io::save_model(t.network, good, t.info);
  const std::string bytes = read_bytes(good);
  const fs::path bad = temp_file("bad.plx");

  write_bytes(bad, "");
  EXPECT_THAT(load_error(bad), HasSubstr(bad.string()));
  write_bytes(bad, bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(load_error(bad), HasSubstr(bad.string()));
  std::string flipped = bytes;
  flipped[bytes.size() - 5] ^= 0x10;  // a weight's bit
  write_bytes(bad, flipped);
  EXPECT_THAT(load_error(bad), HasSubstr("checksum"));
  EXPECT_THAT(load_error(temp_file("missing.plx")), HasSubstr("missing.plx"));
}

TEST(ModelFile, OtherVersionsAndForeignFilesAreRefusedWithTheWayOut) {
  Trained t = make_model();
  const fs::path path = temp_file("versions.plx");
  px::io::save_model(t.network, path, t.info);
  px::io::SafetensorsFile file = px::io::load_safetensors(path);

  file.metadata["plexus.format_version"] = "2";
  px::io::save_safetensors(path, file.tensors, file.metadata);
  EXPECT_THAT(load_error(path), HasSubstr("version 2 is not one this plexus reads"));

  file.metadata.erase("plexus.format_version");
  px::io::save_safetensors(path, file.tensors, file.metadata);
  EXPECT_THAT(load_error(path), HasSubstr("not a plexus model file"));

  file.metadata["plexus.format_version"] = "1";
  file.metadata["plexus.architecture"] = "[{\"type\": \"Linear\"";
  px::io::save_safetensors(path, file.tensors, file.metadata);
  EXPECT_THAT(load_error(path), HasSubstr("plexus.architecture is not valid JSON"));

  file.metadata["plexus.architecture"] =
      R"([{"type": "Linear", "in_features": 3, "out_features": 2, "bias": 1}])";
  px::io::save_safetensors(path, file.tensors, file.metadata);
  EXPECT_THAT(load_error(path), HasSubstr("do not fit the architecture"));
}

TEST(ModelFile, AMissingFeatureColumnIsNamed) {
  Trained t = make_model();
  const fs::path path = temp_file("missing_column.plx");
  px::io::save_model(t.network, path, t.info);
  const px::io::Model loaded = px::io::load_model(path);
  const px::data::Table table = table_of("age,score\n31,0.5\n45,1.5\n");
  try {
    loaded.preprocess(table);
    FAIL() << "expected an error";
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("colour"));
  }
}

// The golden file was written by this version of plexus (format 1) together with the outputs it
// gave; later versions must keep reading it. Regenerate only when the format version changes:
// PLEXUS_WRITE_GOLDEN=1 ./plexus_tests --gtest_filter=ModelFile.WriteGolden
const fs::path kGoldenDir = fs::path(PLEXUS_SOURCE_DIR) / "tests/golden";
const char* kGoldenRows = "age,colour,score\n31,red,0.5\n45,blue,1.5\n70,green,3\n20,red,-1\n";

TEST(ModelFile, WriteGolden) {
  if (std::getenv("PLEXUS_WRITE_GOLDEN") == nullptr) GTEST_SKIP() << "set PLEXUS_WRITE_GOLDEN=1";
  Trained t = make_model();
  px::io::save_model(t.network, kGoldenDir / "model_v1.plx", t.info);
  px::io::Model loaded = px::io::load_model(kGoldenDir / "model_v1.plx");
  const px::Tensor proba = loaded.predict_proba(loaded.preprocess(table_of(kGoldenRows)));
  std::ofstream(kGoldenDir / "model_v1_proba.json") << nlohmann::json(proba.to_vector()).dump();
}

TEST(ModelFile, GoldenFileOfFormatOneStillPredictsTheSame) {
  px::io::Model loaded = px::io::load_model(kGoldenDir / "model_v1.plx");
  std::ifstream in(kGoldenDir / "model_v1_proba.json");
  const std::vector<float> expected = nlohmann::json::parse(in).get<std::vector<float>>();
  const std::vector<float> proba =
      loaded.predict_proba(loaded.preprocess(table_of(kGoldenRows))).to_vector();
  ASSERT_EQ(proba.size(), expected.size());
  // Intel and AMD machines may round the products differently: a float tolerance.
  for (size_t i = 0; i < proba.size(); ++i) EXPECT_NEAR(proba[i], expected[i], 1e-5f) << i;
  EXPECT_EQ(loaded.info.classes, (std::vector<std::string>{"no", "yes"}));
}

TEST(ModelFile, PredictGivesTheArgmaxAndPredictProbaTheSoftmaxOfTheOutputs) {
  Trained t = make_model();
  const fs::path path = temp_file("predict.plx");
  px::io::save_model(t.network, path, t.info);
  px::io::Model loaded = px::io::load_model(path);
  const px::data::Table rows = table_of(kGoldenRows);
  const px::Tensor outputs = loaded.forward(loaded.preprocess(rows));
  const std::vector<float> o = outputs.to_vector();
  const std::vector<float> predicted = loaded.predict(rows).to_vector();
  const std::vector<float> proba = loaded.predict_proba(rows).to_vector();
  ASSERT_EQ(predicted.size(), 4u);
  ASSERT_EQ(proba.size(), 8u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(predicted[i], o[2 * i + 1] > o[2 * i] ? 1.0f : 0.0f) << i;
    // Two classes: p(1) = 1 / (1 + e^(o0 - o1)).
    const double p1 = 1.0 / (1.0 + std::exp(static_cast<double>(o[2 * i]) - o[2 * i + 1]));
    EXPECT_NEAR(proba[2 * i + 1], p1, 1e-6) << i;
    EXPECT_NEAR(proba[2 * i] + proba[2 * i + 1], 1.0f, 1e-6f) << i;
  }
  EXPECT_EQ(loaded.predictions(outputs).to_vector(), predicted);
  EXPECT_EQ(loaded.probabilities(outputs).to_vector(), proba);
}

TEST(ModelFile, ForwardRunsLargeInputsInBatchesWithTheSameOutputs) {
  Trained t = make_model();
  px::io::Model model{std::move(t.network), t.info};
  const int64_t n = 2500;  // three batches, the last one partial
  const int64_t features = static_cast<int64_t>(t.info.input.tabular->output_features());
  const px::Tensor x = px::Tensor::randn({n, features}, 3);
  EXPECT_EQ(model.forward(x.slice_rows(0, 0)).shape(), px::Shape({0, 2}));
  const std::vector<float> batched = model.forward(x).to_vector();
  ASSERT_EQ(batched.size(), static_cast<size_t>(n * 2));
  px::NoGradGuard no_grad;
  for (const int64_t row : {int64_t{0}, int64_t{1023}, int64_t{1024}, int64_t{2499}}) {
    const std::vector<float> alone = model.network(x.slice_rows(row, row + 1)).to_vector();
    EXPECT_NEAR(batched[static_cast<size_t>(row) * 2], alone[0], 1e-5f) << row;
    EXPECT_NEAR(batched[static_cast<size_t>(row) * 2 + 1], alone[1], 1e-5f) << row;
  }
}

TEST(ModelFile, ARegressorPredictsItsOutputsAndRefusesProbabilities) {
  Trained t = make_model();
  t.info.task = "regression";
  px::io::Model model{std::move(t.network), t.info};
  const px::Tensor x = model.preprocess(table_of(kGoldenRows));
  EXPECT_EQ(model.predict(x).to_vector(), model.forward(x).to_vector());
  try {
    model.predict_proba(x);
    FAIL() << "expected an error";
  } catch (const px::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("regressor"));
  }
}

TEST(ModelFile, ABadCellIsACellErrorNamingItsRowAndColumn) {
  Trained t = make_model();
  const px::io::Model model{std::move(t.network), t.info};
  const px::data::Table rows("rows", {"age", "colour", "score"},
                             {{"31", "red", "0.5"}, {"45", "blue", "inf"}});
  try {
    model.preprocess(rows);
    FAIL() << "expected an error";
  } catch (const px::data::CellError& e) {
    EXPECT_EQ(e.row(), 1u);
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 2u);
    EXPECT_THAT(e.what(), ::testing::StartsWith("rows[1]: column 'score' (2): 'inf' is infinite"));
  }
  // A word where the training rows had numbers reads as a missing cell, with a warning.
  const px::data::Table word("rows", {"age", "colour", "score"},
                             {{"31", "red", "0.5"}, {"45", "blue", "abc"}});
  const px::data::Table gap("rows", {"age", "colour", "score"},
                            {{"31", "red", "0.5"}, {"45", "blue", ""}});
  std::vector<std::string> warnings;
  EXPECT_EQ(model.preprocess(word, &warnings).to_vector(), model.preprocess(gap).to_vector());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], ::testing::StartsWith("rows[1]: column 'score' (2): 'abc' is not a "
                                                 "number; 1 cell of this numeric column that is "
                                                 "not a number reads as missing"));
}
