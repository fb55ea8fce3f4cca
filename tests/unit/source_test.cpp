// data::load_source reads each format by what its name names (a CSV file, standard input, a .npy
// with labels, an IDX folder), and io::Model turns a source into inputs and targets: an array
// model reads a CSV's columns as numbers, arrays are scaled as in training, labels map onto the
// model's classes by name, and each mistake is an error that says where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <plexus/data/npy.hpp>
#include <plexus/data/source.hpp>
#include <plexus/io/model_file.hpp>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::testing::error_of;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

namespace {

class Source : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_source_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::string npy(const std::string& name, const px::Tensor& tensor) const {
    const fs::path path = dir_ / name;
    px::data::write_npy(tensor, path);
    return path.string();
  }

  fs::path dir_;
};

px::Tensor tensor(const std::vector<float>& values, px::Shape shape) {
  return px::Tensor::from(std::span<const float>(values), shape);
}

/// A model trained on arrays of two features ("x0", "x1") of classes "3" and "7", scale 0.5.
px::io::Model array_model() {
  px::io::Model model;
  model.info.task = "classification";
  model.info.classes = {"3", "7"};
  model.info.features = {"x0", "x1"};
  model.info.input.scale = 0.5f;
  return model;
}

px::data::Source csv_source(const std::string& text) {
  std::istringstream in(text);
  px::data::Source source;
  source.name = "rows.csv";
  source.table = px::data::read_csv(in, "rows.csv");
  return source;
}

px::data::Source array_source(px::Tensor features, px::Tensor labels = {}) {
  px::data::Source source;
  source.name = "x.npy";
  source.arrays = {.name = "x.npy", .features = features, .labels = labels};
  return source;
}

}  // namespace

TEST_F(Source, ACsvFileIsATableWithTheDelimiterGiven) {
  const std::string path = write("rows.csv", "a;b\n1;2\n3;4\n5;6\n");
  const px::data::Source source = px::data::load_source(path, {.csv = {.delimiter = ';'}});
  ASSERT_TRUE(source.is_table());
  EXPECT_EQ(source.name, path);
  EXPECT_EQ(source.rows(), 3u);
  EXPECT_EQ(source.table->columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(source.table->cell(2, 1), "6");
}

TEST_F(Source, ADashReadsACsvFromStandardInput) {
  std::istringstream in("x,y\n1,a\n2,b\n");
  std::streambuf* saved = std::cin.rdbuf(in.rdbuf());
  const px::data::Source source = px::data::load_source("-");
  std::cin.rdbuf(saved);
  ASSERT_TRUE(source.is_table());
  EXPECT_EQ(source.name, "<stdin>");
  EXPECT_EQ(source.rows(), 2u);
  EXPECT_EQ(source.table->cell(1, 1), "b");
}

TEST_F(Source, ANpyIsFlattenedToRowsWithItsLabels) {
  std::vector<float> values(12);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const std::string x = npy("x.npy", tensor(values, {3, 2, 2}));
  const std::string y = npy("y.npy", tensor({1, 0, 1}, {3, 1}));
  const px::data::Source source = px::data::load_source(x, {.labels = y});
  ASSERT_FALSE(source.is_table());
  EXPECT_EQ(source.rows(), 3u);
  EXPECT_EQ(source.arrays.features.shape(), (px::Shape{3, 4}));
  EXPECT_FLOAT_EQ(source.arrays.features.at({2, 3}), 11.f);
  EXPECT_EQ(source.arrays.labels.shape(), (px::Shape{3}));
  EXPECT_EQ(source.arrays.labels.to_vector(), (std::vector<float>{1, 0, 1}));
  EXPECT_FLOAT_EQ(source.arrays.prescaled, 1.f);
}

TEST_F(Source, AOneDimensionalNpyIsOneColumn) {
  const std::string x = npy("x.npy", tensor({1, 2, 3}, {3}));
  const px::data::Source source = px::data::load_source(x);
  EXPECT_EQ(source.arrays.features.shape(), (px::Shape{3, 1}));
  EXPECT_FALSE(source.arrays.labels.defined());
}

TEST_F(Source, LabelsThatDoNotMatchTheRowsAreAnError) {
  const std::string x = npy("x.npy", tensor({1, 2, 3, 4}, {2, 2}));
  const std::string y = npy("y.npy", tensor({1, 0, 1}, {3}));
  EXPECT_THAT(error_of([&] { px::data::load_source(x, {.labels = y}); }),
              HasSubstr("y.npy: 3 labels for 2 rows of " + x));
}

TEST_F(Source, AnIdxFolderGivesScaledImagesOfEitherSplit) {
  auto put_u32 = [](std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
  };
  for (const auto& [prefix, count] : {std::pair<std::string, uint32_t>{"train", 3}, {"t10k", 2}}) {
    std::string images, labels;
    for (uint32_t v : {0x0803u, count, 1u, 2u}) put_u32(images, v);
    for (uint32_t v : {0x0801u, count}) put_u32(labels, v);
    for (uint32_t i = 0; i < count; ++i) {
      images += static_cast<char>(255), images += static_cast<char>(i);
      labels += static_cast<char>(i);
    }
    write(prefix + "-images-idx3-ubyte", images);
    write(prefix + "-labels-idx1-ubyte", labels);
  }
  const px::data::Source train = px::data::load_source(dir_.string());
  EXPECT_EQ(train.name, dir_.string());
  EXPECT_EQ(train.arrays.features.shape(), (px::Shape{3, 2}));
  EXPECT_FLOAT_EQ(train.arrays.features.at({0, 0}), 1.f);
  EXPECT_FLOAT_EQ(train.arrays.prescaled, 1.f / 255.f);
  EXPECT_EQ(train.arrays.labels.to_vector(), (std::vector<float>{0, 1, 2}));
  const px::data::Source test = px::data::load_source(dir_.string(), {.train = false});
  EXPECT_EQ(test.rows(), 2u);
}

TEST_F(Source, ANameThatIsNothingIsAnError) {
  const std::string missing = (dir_ / "missing.csv").string();
  EXPECT_THAT(error_of([&] { px::data::load_source(missing); }),
              HasSubstr(missing + ": no such file or folder"));
}

TEST(ModelInputs, AnArrayModelReadsACsvsColumnsByNameScaled) {
  const px::io::Model model = array_model();
  const px::Tensor x = model.inputs(csv_source("id,x1,x0\na,2,4\nb,6,8\n"));
  EXPECT_EQ(x.shape(), (px::Shape{2, 2}));
  EXPECT_EQ(x.to_vector(), (std::vector<float>{2, 1, 4, 3}));
}

TEST(ModelInputs, WithoutTheNamesAnArrayModelReadsTheFirstColumns) {
  const px::Tensor x = array_model().inputs(csv_source("a,b,c\n2,4,6\n"));
  EXPECT_EQ(x.to_vector(), (std::vector<float>{1, 2}));
  EXPECT_THAT(error_of([] { array_model().inputs(csv_source("a\n1\n")); }),
              HasSubstr("rows.csv: the model takes 2 columns (x0 ...), the file has 1"));
}

TEST(ModelInputs, ACellThatIsNotANumberNamesItsLineAndColumn) {
  EXPECT_THAT(error_of([] { array_model().inputs(csv_source("x0,x1\n1,2\n3,abc\n")); }),
              HasSubstr("rows.csv:3: column \"x1\": \"abc\" is not a number"));
}

TEST(ModelInputs, ArraysAreScaledOverWhatTheLoaderApplied) {
  px::data::Source source = array_source(tensor({2, 4}, {1, 2}));
  source.arrays.prescaled = 0.25f;
  EXPECT_EQ(array_model().inputs(source).to_vector(), (std::vector<float>{4, 8}));
  EXPECT_THAT(error_of([] {
                array_model().inputs(array_source(tensor({1, 2, 3}, {1, 3})));
              }),
              HasSubstr("x.npy: 3 features per row, the model takes 2"));
}

TEST(ModelInputs, ATabularModelNeedsATable) {
  px::io::Model model = array_model();
  const px::data::Source rows = csv_source("x0,x1,y\n1,2,a\n3,4,b\n");
  const std::vector<size_t> all = {0, 1};
  model.info.input.tabular = px::data::Preprocessing::fit(*rows.table, all, {.target = "y"});
  EXPECT_THAT(error_of([&] {
                model.inputs(array_source(tensor({1, 2}, {1, 2})));
              }),
              HasSubstr("x.npy: this model takes a table (CSV) with the columns x0, ..."));
}

TEST(ModelTargets, LabelValuesMapOntoTheModelsClassesByName) {
  const px::io::Model model = array_model();
  EXPECT_EQ(model.targets(array_source(tensor({0, 0}, {1, 2}), tensor({7, 3, 7}, {3}))).to_vector(),
            (std::vector<float>{1, 0, 1}));
  EXPECT_THAT(error_of([&] {
                model.targets(array_source(tensor({0, 0}, {1, 2}), tensor({3, 5}, {2})));
              }),
              HasSubstr("x.npy: row 1: class \"5\" is not one of the model's"));
  EXPECT_THAT(error_of([&] {
                model.targets(array_source(tensor({0, 0}, {1, 2})));
              }),
              HasSubstr("x.npy: no labels (give --labels FILE.npy)"));
}

TEST(ModelTargets, NamedLabelsMapThroughTheSourcesClassNames) {
  px::data::Source source = array_source(tensor({0, 0, 0, 0}, {2, 2}), tensor({1, 0}, {2}));
  source.arrays.class_names = {"7", "3"};
  EXPECT_EQ(array_model().targets(source).to_vector(), (std::vector<float>{0, 1}));
}

TEST(ModelTargets, AnArrayModelReadsACsvsLabelColumn) {
  const px::io::Model model = array_model();
  EXPECT_EQ(model.targets(csv_source("x0,x1,label\n1,2,7\n3,4,3\n")).to_vector(),
            (std::vector<float>{1, 0}));
  EXPECT_EQ(model.targets(csv_source("x0,x1,digit\n1,2,3\n"), "digit").to_vector(),
            (std::vector<float>{0}));
  EXPECT_THAT(error_of([&] { model.targets(csv_source("x0,x1,label\n1,2,7\n3,4,9\n")); }),
              HasSubstr("rows.csv:3: class \"9\" is not one of the model's"));
}

TEST(ModelTargets, ARegressorsLabelsAreOneColumnOfValues) {
  px::io::Model model = array_model();
  model.info.task = "regression";
  const px::Tensor y = model.targets(array_source(tensor({0, 0}, {1, 2}), tensor({0.5f}, {1})));
  EXPECT_EQ(y.shape(), (px::Shape{1, 1}));
  EXPECT_FLOAT_EQ(y.at({0, 0}), 0.5f);
}

TEST(ModelColumns, UnusedAreNeitherFeaturesNorIgnoredNorTheTarget) {
  const px::data::Source rows = csv_source("id,x0,x1,y\na,1,2,p\nb,3,4,q\n");
  const std::vector<size_t> all = {0, 1};
  const px::data::TabularOptions options{.target = "y", .ignore = {"id"}};
  px::io::Model model = array_model();
  model.info.input.tabular = px::data::Preprocessing::fit(*rows.table, all, options);
  model.info.input.target = px::data::Target::fit(*rows.table, all, options);
  EXPECT_TRUE(model.unused_columns(*rows.table).empty());
  const px::data::Source more = csv_source("note,x1,id,x0,y,extra\nn,1,a,2,p,e\n");
  EXPECT_EQ(model.unused_columns(*more.table), (std::vector<std::string>{"note", "extra"}));
}
