// The models of the export check (tests/export/run.sh): six small ones, trained a few steps on a
// generated table with numeric and categorical columns, that together hold every layer type (with
// arguments off their defaults) and every way of filling gaps (mean imputation; the default one,
// with missing indicators and a missing category, and robust scaling), two ensembles, a
// 784-256-128-10 image classifier (the compile-time check), and one model per activation in the
// registry (act_<name>: the activation alone, with its defaults, on values from -30 to 30, so that
// each branch and kink is crossed). Each is saved with io::save_model, loaded back and exported to
// ONNX and C; beside them go raw rows in the exporters' convention (category indices, NaN for
// missing) and plexus' own outputs on the same rows. An activation that an exporter refuses is left
// out, provided the message names it.
//   make_models OUT_DIR   writes OUT_DIR/<model>.{plx,onnx,h,c,rows,expected} and models.txt
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <plexus/plexus.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace px = plexus;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kColours = {"red", "green", "blue"};
const std::vector<std::string> kSizes = {"S", "M", "L", "XL"};

std::string number(float v) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", static_cast<double>(v));
  return text;
}

// A CSV table: x1, colour, x2, size, then the target. `unseen` adds categories that training
// never saw; the columns named in `gaps` have some cells empty.
std::string make_csv(size_t rows, unsigned seed, bool classification, bool unseen,
                     const std::vector<std::string>& gaps) {
  auto gap = [&](const char* column) {
    return std::find(gaps.begin(), gaps.end(), column) != gaps.end();
  };
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::ostringstream csv;
  csv << "x1,colour,x2,size,target\n";
  for (size_t r = 0; r < rows; ++r) {
    const float x1 = uniform(rng) * 3.0f + 10.0f, x2 = uniform(rng);
    const size_t colour = rng() % kColours.size(), size = rng() % kSizes.size();
    const float score =
        std::sin(x1) + x2 * (static_cast<float>(colour) - 1.0f) + 0.3f * static_cast<float>(size);
    std::string colour_cell = kColours[colour], size_cell = kSizes[size];
    if (unseen && r % 17 == 3) colour_cell = "purple";
    if (unseen && r % 23 == 5) size_cell = "XXL";
    std::string x1_cell = number(x1), x2_cell = number(x2);
    if (gap("x1") && r % 11 == 2) x1_cell = "";
    if (gap("colour") && r % 13 == 4) colour_cell = "";
    if (gap("x2") && r % 19 == 7) x2_cell = "";
    if (gap("size") && r % 29 == 11) size_cell = "";
    csv << x1_cell << "," << colour_cell << "," << x2_cell << "," << size_cell << ",";
    if (classification)
      csv << (score < -0.5f ? "low" : score < 0.8f ? "mid" : "high") << "\n";
    else
      csv << number(score) << "\n";
  }
  return csv.str();
}

px::data::Table table_of(const std::string& csv, const std::string& source) {
  std::istringstream in(csv);
  return px::data::read_csv(in, source);
}

std::vector<size_t> all_rows(const px::data::Table& t) {
  std::vector<size_t> rows(t.rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  return rows;
}

// The raw feature rows in the exporters' convention.
std::vector<std::vector<float>> raw_rows(const px::io::ModelInfo& info, const px::data::Table& t) {
  std::vector<std::vector<float>> out(t.rows());
  for (const auto& column : info.input.tabular->columns()) {
    if (column.kind == px::data::ColumnKind::ignored) continue;
    const auto col = static_cast<size_t>(t.column_index(column.name));
    for (size_t r = 0; r < t.rows(); ++r) {
      const std::string cell(t.cell(r, col));
      if (cell.empty()) {
        out[r].push_back(NAN);
      } else if (column.kind == px::data::ColumnKind::numeric) {
        out[r].push_back(std::stof(cell));
      } else {
        const auto& cats = column.categories;
        out[r].push_back(
            static_cast<float>(std::find(cats.begin(), cats.end(), cell) - cats.begin()));
      }
    }
  }
  return out;
}

void write_matrix(const fs::path& path, const std::vector<std::vector<float>>& rows) {
  std::ofstream out(path);
  out << rows.size() << " " << (rows.empty() ? 0 : rows[0].size()) << "\n";
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i)
      out << (i ? " " : "") << (std::isnan(row[i]) ? std::string("nan") : number(row[i]));
    out << "\n";
  }
}

std::vector<std::vector<float>> rows_of(const px::Tensor& t) {
  const auto n = static_cast<size_t>(t.shape()[0]), k = static_cast<size_t>(t.shape()[1]);
  const std::vector<float> flat = t.to_vector();
  std::vector<std::vector<float>> out(n);
  for (size_t r = 0; r < n; ++r) out[r].assign(flat.begin() + r * k, flat.begin() + (r + 1) * k);
  return out;
}

// Saves, loads back, exports, and writes the rows and plexus' outputs on them. models.txt lists
// the model, whether it is a classifier, and the floor of onnxruntime's relative error (outputs
// smaller than it compare absolutely).
void finish(const std::string& name, const px::nn::Sequential& network,
            const px::io::ModelInfo& info, const px::data::Table& test,
            const std::vector<std::vector<float>>& raw, const fs::path& dir, std::ofstream& list,
            double onnx_floor = 1e-3) {
  px::io::save_model(network, dir / (name + ".plx"), info);
  px::io::Model model = px::io::load_model(dir / (name + ".plx"));
  if (px::io::onnx_export_available()) px::io::export_onnx(model, dir / (name + ".onnx"));
  px::io::export_c(model, dir, name);
  const px::Tensor x = model.preprocess(test);
  const px::Tensor y =
      model.info.task == "classification" ? model.predict_proba(x) : model.forward(x);
  write_matrix(dir / (name + ".rows"), raw);
  write_matrix(dir / (name + ".expected"), rows_of(y));
  list << name << " " << (model.info.task == "classification" ? 1 : 0) << " " << onnx_floor << "\n";
}

// The table's gaps and how the model fills them: none, mean imputation of gaps in x1, colour and
// x2, or the default imputation with robust scaling, fitted on gaps in x1 and colour and applied
// to gaps in every column (indicators and a missing category; fills without them in x2 and size).
enum class Gaps { none, mean, automatic };

void tabular_model(const std::string& name, px::nn::Sequential network, bool classification,
                   Gaps gaps, unsigned seed, const fs::path& dir, std::ofstream& list) {
  const std::vector<std::string> train_gaps = gaps == Gaps::none ? std::vector<std::string>{}
                                              : gaps == Gaps::mean
                                                  ? std::vector<std::string>{"x1", "colour", "x2"}
                                                  : std::vector<std::string>{"x1", "colour"};
  const std::vector<std::string> test_gaps =
      gaps == Gaps::automatic ? std::vector<std::string>{"x1", "colour", "x2", "size"} : train_gaps;
  const px::data::Table train =
      table_of(make_csv(240, seed, classification, false, train_gaps), name + "_train.csv");
  const auto rows = all_rows(train);
  px::data::TabularOptions options{
      .target = "target",
      .categorical = {"size"},
      .impute = gaps == Gaps::none   ? px::data::Impute::none
                : gaps == Gaps::mean ? px::data::Impute::mean
                                     : px::data::Impute::automatic,
      .scaling = gaps == Gaps::automatic ? px::data::Scaling::robust : px::data::Scaling::standard,
      .task = classification ? px::data::Task::classification : px::data::Task::regression};
  px::io::ModelInfo info;
  info.input.tabular = px::data::Preprocessing::fit(train, rows, options);
  info.input.target = px::data::Target::fit(train, rows, options);
  info.task = classification ? "classification" : "regression";
  info.classes = info.input.target->classes;
  info.features = {"x1", "colour", "x2", "size"};
  // A network ending in Sort is a quantile regressor at these levels, trained on their loss.
  const bool quantiles = network[network.size() - 1].type() == "Sort";
  if (quantiles) info.quantiles = {0.1, 0.5, 0.9};
  const px::Tensor levels = px::Tensor::from({0.1f, 0.5f, 0.9f}, {3});

  // A few steps, so that batch norm's running statistics and the weights move off their starts.
  const px::Tensor x = info.input.tabular->transform(train, rows);
  const px::Tensor y = info.input.target->encode(train, rows);
  px::optim::Adam adam(network.parameters(), {.lr = 1e-2});
  network.train();
  for (int step = 0; step < 20; ++step) {
    adam.zero_grad();
    const px::Tensor out = network(x);
    (classification ? px::loss::cross_entropy(out, y)
     : quantiles    ? px::loss::pinball(out, y, levels)
                    : px::loss::mse(out, y))
        .backward();
    adam.step();
  }
  network.eval();

  const px::data::Table test =
      table_of(make_csv(300, seed + 1000, classification, true, test_gaps), name + "_test.csv");
  finish(name, network, info, test, raw_rows(info, test), dir, list);
}

void image_model(const fs::path& dir, std::ofstream& list) {
  px::nn::Sequential network{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Linear(256, 128),
                             px::nn::ReLU(), px::nn::Linear(128, 10)};
  network.eval();
  px::io::ModelInfo info;
  info.input.scale = 1.0f / 255.0f;
  for (int k = 0; k < 10; ++k) info.classes.push_back(std::to_string(k));
  std::ostringstream csv;
  for (int i = 0; i < 784; ++i) {
    char column[16];  // not "p" + std::to_string(i): GCC 12 warns falsely (-Wrestrict) on it
    std::snprintf(column, sizeof(column), "p%d", i);
    info.features.emplace_back(column);
    csv << (i ? "," : "") << info.features.back();
  }
  csv << "\n";
  std::mt19937 rng(5);
  std::vector<std::vector<float>> raw(40);
  for (auto& row : raw) {
    for (int i = 0; i < 784; ++i) {
      row.push_back(static_cast<float>(rng() % 256));
      csv << (i ? "," : "") << row.back();
    }
    csv << "\n";
  }
  finish("wide", network, info, table_of(csv.str(), "pixels.csv"), raw, dir, list);
}

// The activation alone on raw values: its outputs are plexus' activation of the features.
void activation_model(const px::nn::ActivationInfo& activation, const fs::path& dir,
                      std::ofstream& list) {
  constexpr int kFeatures = 6;
  // Both sides of every kink (0, Softplus' threshold 20) and the saturated ends, then values where
  // the activations curve most.
  const std::vector<float> special = {-30.0f, -20.5f, -6.0f, -2.5f, -1.0f, -0.3f,
                                      -1e-3f, 0.0f,   1e-3f, 0.3f,  1.0f,  2.5f,
                                      6.0f,   19.9f,  20.0f, 20.1f, 30.0f, 0.0f};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-8.0f, 8.0f);
  std::vector<std::vector<float>> raw(24, std::vector<float>(kFeatures));
  for (size_t r = 0; r < raw.size(); ++r)
    for (size_t i = 0; i < kFeatures; ++i) {
      const size_t k = r * kFeatures + i;
      raw[r][i] = k < special.size() ? special[k] : uniform(rng);
    }
  px::io::ModelInfo model_info;
  model_info.task = "regression";
  std::ostringstream csv;
  for (int i = 0; i < kFeatures; ++i) {
    char column[16];  // not "x" + std::to_string(i): GCC 12 warns falsely (-Wrestrict) on it
    std::snprintf(column, sizeof(column), "x%d", i);
    model_info.features.emplace_back(column);
    csv << (i ? "," : "") << model_info.features.back();
  }
  csv << "\n";
  for (const auto& row : raw) {
    for (size_t i = 0; i < row.size(); ++i) csv << (i ? "," : "") << number(row[i]);
    csv << "\n";
  }
  const std::string name = "act_" + activation.name;
  try {
    // NOTE: onnxruntime computes exp, erf and the logistic with its own approximations, whose
    // error is absolute (up to about 2e-7, e.g. SiLU at -8); the raw outputs of an activation come
    // that close to 0, so they compare absolutely below 0.05, not 1e-3.
    finish(name, px::nn::Sequential{px::nn::make_activation(activation.name)}, model_info,
           table_of(csv.str(), name + ".csv"), raw, dir, list, 0.05);
  } catch (const px::Error& e) {
    if (std::string(e.what()).find(activation.type) == std::string::npos) throw;
    std::cout << name << ": not exported (" << e.what() << ")\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_models OUT_DIR\n";
    return 2;
  }
  try {
    const fs::path dir = argv[1];
    fs::create_directories(dir);
    std::ofstream list(dir / "models.txt");
    px::manual_seed(11);
    namespace nn = px::nn;
    tabular_model("norms",
                  nn::Sequential{nn::Linear(9, 16), nn::BatchNorm1d(16), nn::ReLU(),
                                 nn::Dropout(0.2), nn::Linear(16, 12), nn::LayerNorm(12),
                                 nn::GELU(), nn::Linear(12, 8), nn::Tanh(), nn::Linear(8, 3)},
                  true, Gaps::none, 1, dir, list);
    tabular_model(
        "activations",
        nn::Sequential{nn::Linear(9, 16), nn::LeakyReLU(0.05f), nn::Linear(16, 16), nn::ELU(0.7f),
                       nn::Linear(16, 12), nn::SELU(), nn::Linear(12, 12),
                       nn::GELU(px::GeluApproximation::tanh), nn::Linear(12, 3), nn::LogSoftmax()},
        true, Gaps::mean, 2, dir, list);
    tabular_model(
        "regressor",
        nn::Sequential{nn::Linear(9, 16), nn::SiLU(), nn::Linear(16, 16), nn::Softplus(2.0f, 1.5f),
                       nn::Linear(16, 8, false), nn::BatchNorm1d(8, 1e-3f, 0.1f, false),
                       nn::Sigmoid(), nn::Linear(8, 8), nn::LayerNorm(8, 1e-5f, false),
                       nn::Softmax(), nn::Linear(8, 1)},
        false, Gaps::mean, 3, dir, list);
    // Ensembles: members of different shapes, averaged (before the classifier's softmax); the
    // regressor's sits between other layers.
    const auto members = [](bool batch_norm) {
      nn::Sequential first{nn::Linear(9, 8)};
      if (batch_norm) first.push_back(nn::BatchNorm1d(8));
      first.push_back(nn::ReLU());
      first.push_back(nn::Linear(8, 3));
      return std::vector<nn::Sequential>{
          first, nn::Sequential{nn::Linear(9, 12), nn::Tanh(), nn::Dropout(0.1), nn::Linear(12, 3)},
          nn::Sequential{nn::Linear(9, 3)}};
    };
    tabular_model("ensemble", nn::Sequential{nn::Ensemble(members(true))}, true, Gaps::none, 4, dir,
                  list);
    tabular_model("ensemble_regressor",
                  nn::Sequential{nn::Linear(9, 9), nn::ReLU(), nn::Ensemble(members(false)),
                                 nn::Linear(3, 1)},
                  false, Gaps::none, 6, dir, list);
    // Quantiles: three outputs sorted per row (ONNX: TopK ascending; C: px_sort). The Sigmoid
    // keeps them off 0, where a relative error would measure rounding, not the export.
    tabular_model(
        "quantiles",
        nn::Sequential{nn::Linear(9, 16), nn::ReLU(), nn::Linear(16, 3), nn::Sigmoid(), nn::Sort()},
        false, Gaps::mean, 7, dir, list);
    // x1 and its indicator, colour's 3 categories and its missing one, x2, size's 4 categories.
    tabular_model("gaps",
                  nn::Sequential{nn::Linear(11, 16), nn::ReLU(), nn::Linear(16, 8), nn::Tanh(),
                                 nn::Linear(8, 3)},
                  true, Gaps::automatic, 4, dir, list);
    // x1 and x2 (inputs 0 and 4) embedded, the one-hot inputs passed through; x1 spans
    // several periods of the larger frequencies.
    tabular_model(
        "embedded",
        nn::Sequential{nn::FeatureScale(9, true), nn::PeriodicEmbedding(9, {0, 4}, 8, 3, 0.5f),
                       nn::Linear(15, 12), nn::ReLU(), nn::Linear(12, 3)},
        true, Gaps::mean, 4, dir, list);
    // Every input embedded (the one-hot ones too), defaults, then a scale without a bias. A
    // classifier: a regressor's outputs near 0 would measure rounding, not the export.
    tabular_model(
        "embedded_all",
        nn::Sequential{nn::PeriodicEmbedding(9, {0, 1, 2, 3, 4, 5, 6, 7, 8}), nn::FeatureScale(36),
                       nn::Linear(36, 8), nn::SiLU(), nn::Linear(8, 3)},
        true, Gaps::none, 5, dir, list);
    image_model(dir, list);
    for (const auto& info : px::nn::activations()) activation_model(info, dir, list);
  } catch (const std::exception& e) {
    std::cerr << "make_models: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
