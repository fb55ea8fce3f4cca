// The code shown in README.md, run as written (with small random data standing in for images),
// so the documentation cannot drift from the API.
#include <gtest/gtest.h>

#include <cmath>

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
