// The code shown in README.md, run as written (with small random data standing in for images),
// so the documentation cannot drift from the API.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <plexus/plexus.hpp>

namespace px = plexus;

TEST(Readme, TensorAndAutogradSnippetRuns) {
  px::Tensor x = px::Tensor::from({-1.f, 2.f}, {1, 2});
  px::Tensor w = px::Tensor::randn({2, 1}, /*seed=*/0).requires_grad();
  px::Tensor y = px::sigmoid(px::matmul(x, w));
  y.sum().backward();
  EXPECT_EQ(w.grad().shape(), (px::Shape{2, 1}));
}

TEST(Readme, FitAndHandWrittenLoopSnippetsRun) {
  const px::Tensor images = px::Tensor::rand({300, 784}, 1);
  px::Tensor labels = px::Tensor::empty({300});
  for (int64_t i = 0; i < 300; ++i) labels.data()[i] = static_cast<float>(i % 10);

  px::manual_seed(0);  // initialisation and dropout repeat exactly
  px::nn::Sequential model{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Dropout(0.2),
                           px::nn::Linear(256, 10)};
  px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  auto [train, validation] = px::data::train_validation_split({images, labels}, 0.1, /*seed=*/0);
  px::train::History history =
      px::train::fit(model, optimizer, "cross_entropy", train,
                     {.epochs = 2,
                      .batch_size = 128,
                      .validation = validation,
                      .metrics = {"accuracy"},
                      .callbacks = {px::train::EarlyStopping{
                          .monitor = "val_loss", .patience = 3, .restore_best_weights = true}},
                      .verbose = 0});
  EXPECT_EQ(history.epochs(), 2u);

  for (const px::data::Batch& batch :
       px::data::DataLoader(train, {.batch_size = 128, .shuffle = true})) {
    px::Tensor loss = px::loss::cross_entropy(model(batch.x), batch.y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    EXPECT_TRUE(std::isfinite(loss.item()));
  }
}

TEST(Readme, TabularPipelineSnippetRuns) {
  // houses.csv: an id, a numeric and a categorical input, and a price that follows them.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "plexus_readme_tabular";
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "houses.csv");
    csv << "id,rooms,kind,price\n";
    for (int i = 0; i < 200; ++i)
      csv << i << "," << i % 7 + 1 << "," << (i % 3 ? "flat" : "house") << ","
          << 50.5 + 20 * (i % 7) + (i % 3 ? 0 : 40) + 0.25 * (i % 5) << "\n";
  }
  const std::filesystem::path houses = dir / "houses.csv", saved = dir / "houses.plx";

  px::data::Table table = px::data::read_csv(houses);
  px::data::PreparedData data =
      px::data::prepare_table(table, {.target = "price", .ignore = {"id"}}, {.seed = 0});
  px::train::TrainedModel trained = px::train::train_model(data, px::train::Recipe{.epochs = 50});
  px::metrics::Scores scores = px::metrics::evaluate(
      px::io::forward_in_batches(trained.network, data.x_test), data.y_test, data.task);
  px::io::save_model(trained.network, saved, px::train::model_info(data));
  px::io::Model model = px::io::load_model(saved);

  EXPECT_EQ(data.x_test.shape(0), 40);  // 20% held out
  EXPECT_GT(scores.r2, 0.9);
  EXPECT_EQ(model.predict(table).shape(0), 200);
  std::filesystem::remove_all(dir);
}
