// ONNX and C export at the unit level: the files written, the header's documentation of the
// inputs and outputs, weights that read back exactly, every registered activation handled, and
// the errors (a bad name, a folder that cannot be written, a layer without an export, logits of a
// regressor, a build without protobuf).
// tests/export/ runs the exported models against plexus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <plexus/plexus.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::testing::error_of;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const char* kCsv =
    "id,age,colour,score,label\n"
    "a,31,red,0.5,yes\n"
    "b,45,blue,1.5,no\n"
    "c,22,green,-0.5,yes\n"
    "d,60,red,2.5,no\n";

px::io::Model classifier() {
  px::manual_seed(3);
  std::istringstream in(kCsv);
  const px::data::Table table = px::data::read_csv(in, "rows.csv");
  const std::vector<size_t> rows = {0, 1, 2, 3};
  px::data::TabularOptions options{.target = "label", .ignore = {"id"}};
  px::io::Model m;
  m.info.input.tabular = px::data::Preprocessing::fit(table, rows, options);
  m.info.input.target = px::data::Target::fit(table, rows, options);
  m.info.classes = m.info.input.target->classes;
  m.info.features = {"age", "colour", "score"};
  const auto in_features = static_cast<int64_t>(m.info.input.tabular->output_features());
  m.network =
      px::nn::Sequential{px::nn::Linear(in_features, 6), px::nn::ReLU(), px::nn::Linear(6, 2)};
  m.network.eval();
  return m;
}

px::io::Model regressor() {
  px::io::Model m;
  m.info.task = "regression";
  m.info.input.scale = 0.5f;
  m.network = px::nn::Sequential{px::nn::Linear(4, 3), px::nn::Tanh(), px::nn::Linear(3, 1)};
  return m;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("export_" + name);
  fs::remove_all(dir);
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class Custom : public px::nn::Module {
 public:
  px::Tensor forward(const px::Tensor& x) override { return x; }
  std::string name() const override { return "Custom()"; }
};

}  // namespace

TEST(ExportC, WritesHeaderAndSourceDocumentingInputsAndOutputs) {
  const fs::path dir = temp_dir("c_files");
  px::io::export_c(classifier(), dir, "churn");
  const std::string h = read_text(dir / "churn.h");
  const std::string c = read_text(dir / "churn.c");
  EXPECT_THAT(h, HasSubstr("#define CHURN_FEATURES 3\n"));
  EXPECT_THAT(h, HasSubstr("#define CHURN_OUTPUTS 2\n"));
  EXPECT_THAT(h, HasSubstr("void churn_predict(const float* features, float* outputs);"));
  EXPECT_THAT(h, HasSubstr("int churn_predict_class(const float* features);"));
  EXPECT_THAT(h, HasSubstr("extern \"C\""));
  // The feature order, the categories by index (sorted, as one-hot encoding orders them) and the
  // class names.
  EXPECT_THAT(h, HasSubstr("[0] age: numeric"));
  EXPECT_THAT(h, HasSubstr("[1] colour: categorical, 3 categories"));
  EXPECT_THAT(h, HasSubstr("0 = blue\n"));
  EXPECT_THAT(h, HasSubstr("2 = red\n"));
  EXPECT_THAT(h, HasSubstr("[2] score: numeric"));
  EXPECT_THAT(h, HasSubstr("[0] no\n"));
  EXPECT_THAT(h, HasSubstr("[1] yes\n"));
  EXPECT_THAT(c, HasSubstr("#include \"churn.h\""));
  EXPECT_THAT(c, HasSubstr("#include <math.h>"));
  EXPECT_THAT(c, HasSubstr("void churn_predict(const float* features, float* outputs) {"));
  EXPECT_THAT(c, Not(HasSubstr("malloc")));
  // Only the helpers the layers use: no Tanh here.
  EXPECT_THAT(c, HasSubstr("px_relu"));
  EXPECT_THAT(c, Not(HasSubstr("px_tanh")));
}

TEST(ExportC, WeightsReadBackExactly) {
  const px::io::Model model = classifier();
  const fs::path dir = temp_dir("c_weights");
  px::io::export_c(model, dir, "m");
  const std::string c = read_text(dir / "m.c");
  const auto begin = c.find("layer0_weight[");
  ASSERT_NE(begin, std::string::npos);
  const auto open = c.find('{', begin), close = c.find('}', begin);
  std::vector<float> parsed;
  const std::string body = c.substr(open + 1, close - open - 1);
  const std::regex number(R"([-+0-9.eE]+f)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), number);
       it != std::sregex_iterator(); ++it)
    parsed.push_back(std::strtof(it->str().c_str(), nullptr));
  const auto& linear = dynamic_cast<const px::nn::Linear&>(*model.network.children()[0].second);
  EXPECT_EQ(parsed, linear.weight.to_vector());
}

TEST(ExportC, RegressorHasValuesAndNoClassFunction) {
  const fs::path dir = temp_dir("c_regressor");
  px::io::export_c(regressor(), dir, "price_v2");
  const std::string h = read_text(dir / "price_v2.h");
  EXPECT_THAT(h, HasSubstr("regression, 1 value"));
  EXPECT_THAT(h, HasSubstr("the predicted values"));
  EXPECT_THAT(h, HasSubstr("#define PRICE_V2_FEATURES 4\n"));
  EXPECT_THAT(h, HasSubstr("multiplied by\n * 0.5"));
  EXPECT_THAT(h, Not(HasSubstr("predict_class")));
  EXPECT_THAT(read_text(dir / "price_v2.c"), HasSubstr("x[i] = features[i] * 0.5f;"));
}

TEST(ExportC, RejectsNamesThatAreNotCIdentifiers) {
  for (const std::string name : {"", "2fast", "my-model", "a b", "model.v1"})
    EXPECT_THAT(error_of([&] { px::io::export_c(classifier(), temp_dir("c_names"), name); }),
                HasSubstr("is not a C identifier"))
        << name;
}

TEST(ExportC, AFolderThatCannotBeWrittenIsAnErrorNamingIt) {
  const fs::path dir = temp_dir("c_blocked");
  fs::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  const fs::path target = dir / "file" / "out";  // below a regular file: never creatable
  EXPECT_THAT(error_of([&] { px::io::export_c(classifier(), target, "m"); }),
              HasSubstr("cannot create the folder " + target.string()));
}

TEST(Export, ALayerWithoutAnExportIsNamed) {
  px::io::Model model = regressor();
  model.network.push_back(Custom());
  const std::string message = error_of([&] { px::io::export_c(model, temp_dir("custom"), "m"); });
  EXPECT_THAT(message, HasSubstr("C export: layer 3 (Custom()) of type Custom has no export"));
}

namespace {

// Passes when `run` exports, or throws an Error that names `type`; fails on any other outcome.
::testing::AssertionResult exports_or_names(const std::function<void()>& run,
                                            const std::string& type) {
  try {
    run();
    return ::testing::AssertionSuccess();
  } catch (const px::Error& e) {
    const std::string message = e.what();
    if (message.find(type) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "refused without naming " << type << ": " << message;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not a plexus::Error: " << e.what();
  }
}

}  // namespace

// Every activation in the registry, with its default arguments, between two Linear layers: each
// exporter exports it or refuses with a message naming it. tests/export runs the exported ones
// against plexus' own forward pass.
TEST(Export, EveryRegisteredActivationExportsOrIsRefusedByName) {
  ASSERT_FALSE(px::nn::activations().empty());
  for (const auto& info : px::nn::activations()) {
    px::io::Model model = regressor();
    model.network = px::nn::Sequential{px::nn::Linear(4, 3), px::nn::make_activation(info.name),
                                       px::nn::Linear(3, 2)};
    const fs::path dir = temp_dir("activation_" + info.name);
    EXPECT_TRUE(exports_or_names([&] { px::io::export_c(model, dir, "m"); }, info.type))
        << info.type;
    if (px::io::onnx_export_available()) {
      fs::create_directories(dir);
      EXPECT_TRUE(exports_or_names([&] { px::io::export_onnx(model, dir / "m.onnx"); }, info.type))
          << info.type;
    }
  }
}

TEST(Export, AnActivationThatCannotExportIsRefusedByName) {
  px::io::Model model = regressor();
  model.network =
      px::nn::Sequential{px::nn::Linear(4, 3), px::nn::Softmax(0), px::nn::Linear(3, 1)};
  EXPECT_THAT(error_of([&] { px::io::export_c(model, temp_dir("softmax_dim"), "m"); }),
              HasSubstr("C export: layer 1 (Softmax(dim=0)) normalises over dimension 0; only the "
                        "feature dimension (-1 or 1) exports"));
  if (!px::io::onnx_export_available()) return;
  const fs::path dir = temp_dir("softmax_dim_onnx");
  fs::create_directories(dir);
  EXPECT_THAT(error_of([&] { px::io::export_onnx(model, dir / "m.onnx"); }),
              HasSubstr("ONNX export: layer 1 (Softmax(dim=0)) normalises over dimension 0"));
}

TEST(Export, ClassCountMustMatchTheOutputs) {
  px::io::Model model = classifier();
  model.info.classes = {"a", "b", "c"};
  EXPECT_THAT(error_of([&] { px::io::export_c(model, temp_dir("classes"), "m"); }),
              HasSubstr("the model has 3 classes but the network gives 2 outputs"));
}

TEST(ExportOnnx, WritesAModelOrSaysWhatToInstall) {
  const fs::path dir = temp_dir("onnx");
  fs::create_directories(dir);
  if (!px::io::onnx_export_available()) {
    EXPECT_EQ(error_of([&] { px::io::export_onnx(classifier(), dir / "m.onnx"); }),
              "ONNX export needs protobuf: install libprotobuf-dev protobuf-compiler libonnx-dev "
              "and rebuild");
    return;
  }
  px::io::export_onnx(classifier(), dir / "m.onnx");
  const std::string bytes = read_text(dir / "m.onnx");
  for (const char* part : {"features", "probabilities", "batch", "Gemm", "Equal", "Softmax"})
    EXPECT_THAT(bytes, HasSubstr(part));
  px::io::export_onnx(classifier(), dir / "logits.onnx", {.logits = true});
  EXPECT_THAT(read_text(dir / "logits.onnx"), HasSubstr("logits"));
  px::io::export_onnx(regressor(), dir / "r.onnx");
  EXPECT_THAT(read_text(dir / "r.onnx"), HasSubstr("predictions"));
}

TEST(ExportOnnx, Errors) {
  if (!px::io::onnx_export_available()) GTEST_SKIP() << "built without protobuf";
  const fs::path dir = temp_dir("onnx_errors");
  fs::create_directories(dir);
  EXPECT_THAT(error_of([&] { px::io::export_onnx(regressor(), dir / "r.onnx", {.logits = true}); }),
              HasSubstr("logits are a classifier's output"));
  const fs::path blocked = dir / "missing_folder" / "m.onnx";
  EXPECT_THAT(error_of([&] { px::io::export_onnx(classifier(), blocked); }),
              HasSubstr("ONNX export: cannot write " + blocked.string()));
}
