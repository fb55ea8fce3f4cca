// Trains a fully-connected network on Fashion-MNIST (Debian's dataset-fashion-mnist) with the
// Keras-like fit loop: 784-256-128-10 ReLU, dropout, Adam, mini-batches of 128, a validation
// split for early stopping, then the accuracy on the 10,000 test images.
// Usage: fashion_mnist [epochs] [threads]
#include <cstdio>
#include <cstdlib>
#include <plexus/data/fashion_mnist.hpp>
#include <plexus/plexus.hpp>

namespace px = plexus;

int main(int argc, char** argv) {
  try {
    const size_t epochs = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 5;
    if (argc > 2) px::set_num_threads(std::atoi(argv[2]));

    const auto train = px::data::load_fashion_mnist(true);
    const auto test = px::data::load_fashion_mnist(false);
    const auto [fit_data, validation] = px::data::train_validation_split(
        px::data::Dataset(train.images, train.labels), 0.1, /*seed=*/0, /*stratify=*/true);

    px::manual_seed(0);
    px::nn::Sequential model{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Dropout(0.1),
                             px::nn::Linear(256, 128), px::nn::ReLU(), px::nn::Linear(128, 10)};
    std::printf("%s\n", model.summary().c_str());
    px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});

    px::train::EarlyStoppingCallback early_stopping(
        {.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
    const px::train::History history = px::train::fit(model, optimizer, "cross_entropy", fit_data,
                                                      {.epochs = epochs,
                                                       .batch_size = 128,
                                                       .validation = validation,
                                                       .metrics = {"accuracy"},
                                                       .callbacks = {early_stopping}});

    const auto result =
        px::train::evaluate(model, "cross_entropy", px::data::Dataset(test.images, test.labels),
                            {.metrics = {"accuracy"}});
    std::printf("test loss %.4f, test accuracy %.2f%% after %zu epochs\n", result.loss,
                100.0 * result.metric("accuracy"), history.epochs());
    return 0;
  } catch (const px::Error& e) {
    std::fprintf(stderr, "fashion_mnist: error: %s\n", e.what());
    return 2;
  }
}
