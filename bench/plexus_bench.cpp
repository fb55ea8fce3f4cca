// plexus on the workloads W1-W4 (../shared/DESIGN.md), written the way a user would write them:
// Sequential models, an optimizer, a loss, backward(). Prints the same JSON lines as the peers.
#include <plexus/data/fashion_mnist.hpp>
#include <plexus/plexus.hpp>

#include "bench_common.hpp"

namespace px = plexus;
using px::Tensor;

namespace {

px::nn::Sequential w1_model() {
  return px::nn::Sequential{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Linear(256, 128),
                            px::nn::ReLU(), px::nn::Linear(128, 10)};
}

double accuracy(px::nn::Module& model, const Tensor& images, const Tensor& labels) {
  px::NoGradGuard no_grad;
  model.eval();
  const Tensor predicted = px::argmax(model(images), 1);
  model.train();
  return px::mean(px::eq(predicted, labels)).item();
}

// W1: Fashion-MNIST, 784-256-128-10 ReLU, Adam 1e-3, batch 128, shuffled.
void w1(const bench::Args& args) {
  const auto train = px::data::load_fashion_mnist(true);
  const auto test = px::data::load_fashion_mnist(false);
  px::manual_seed(static_cast<uint64_t>(args.seed));
  px::nn::Sequential model = w1_model();
  px::optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  const auto n = static_cast<size_t>(train.images.shape(0));
  std::vector<int64_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<int64_t>(i);
  px::Generator generator(static_cast<uint64_t>(args.seed) + 1);

  const double start = bench::now_s();
  size_t samples = 0;
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[generator.below(i + 1)]);
    for (size_t begin = 0; begin < n; begin += bench::kW1Batch) {
      const size_t count = std::min(bench::kW1Batch, n - begin);
      const std::span<const int64_t> rows(order.data() + begin, count);
      const Tensor x = px::index_rows(train.images, rows);
      const Tensor y = px::index_rows(train.labels, rows);
      const Tensor loss = px::loss::cross_entropy(model(x), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      samples += count;
    }
  }
  const double seconds = bench::now_s() - start;
  bench::emit(
      "plexus", args, "samples_per_s", static_cast<double>(samples) / seconds,
      {bench::extra("test_accuracy", accuracy(model, test.images, test.labels)),
       bench::extra("peak_rss_mb", bench::peak_rss_mb()), bench::extra("seconds", seconds)});
}

// W2: the same network, inference only: batch-1 latency and batch-1024 throughput.
void w2(const bench::Args& args) {
  px::manual_seed(0);
  px::nn::Sequential model = w1_model();
  model.eval();
  px::NoGradGuard no_grad;
  const Tensor images = px::data::load_fashion_mnist(false).images;
  const Tensor one = images.slice_rows(0, 1);
  const Tensor batch = images.slice_rows(0, static_cast<int64_t>(bench::kW2Batch));
  const double latency =
      bench::median_seconds([&] { (void)model(one); }, 200, bench::w2_latency_calls(args));
  bench::emit("plexus", args, "latency_us_batch1", latency * 1e6);
  const double per_batch =
      bench::median_seconds([&] { (void)model(batch); }, 3, bench::w2_throughput_calls(args));
  bench::emit("plexus", args, "samples_per_s_batch1024", bench::kW2Batch / per_batch);
}

// W3: XOR, 2-8-1 sigmoid, full-batch gradient descent (lr 0.5) on MSE: the cost of one step.
void w3(const bench::Args& args) {
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(2, 8), px::nn::Sigmoid(), px::nn::Linear(8, 1),
                           px::nn::Sigmoid()};
  px::optim::SGD optimizer(model.parameters(), {.lr = 0.5});
  const Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const Tensor y = Tensor::from({0, 1, 1, 0}, {4, 1});
  auto step = [&] {
    const Tensor loss = px::loss::mse(model(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    return loss;
  };
  for (int i = 0; i < 100; ++i) step();
  const size_t steps = bench::w3_steps(args);
  const double start = bench::now_s();
  Tensor loss;
  for (size_t i = 0; i < steps; ++i) loss = step();
  const double seconds = bench::now_s() - start;
  bench::emit("plexus", args, "us_per_step", seconds / static_cast<double>(steps) * 1e6,
              {bench::extra("final_loss", loss.item())});
}

// W4: a wide MLP, 784-2048-2048-10 ReLU, batch 256, SGD: samples/s and GFLOP/s.
void w4(const bench::Args& args) {
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(784, 2048), px::nn::ReLU(), px::nn::Linear(2048, 2048),
                           px::nn::ReLU(), px::nn::Linear(2048, 10)};
  px::optim::SGD optimizer(model.parameters(), {.lr = 0.01});
  const auto batch = static_cast<int64_t>(bench::kW4Batch);
  const Tensor x = Tensor::randn({batch, 784}, 1);
  Tensor labels = Tensor::empty({batch});
  px::Generator generator(2);
  for (int64_t i = 0; i < batch; ++i) labels.data()[i] = static_cast<float>(generator.below(10));
  auto step = [&] {
    const Tensor loss = px::loss::cross_entropy(model(x), labels);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  };
  const double per_step = bench::median_seconds(step, 3, bench::w4_steps(args));
  const double samples_per_s = bench::kW4Batch / per_step;
  bench::emit("plexus", args, "samples_per_s", samples_per_s,
              {bench::extra("gflop_per_s", 6.0 * bench::kW4Weights * samples_per_s / 1e9)});
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::Args args = bench::parse_args(argc, argv);
    px::set_num_threads(args.threads);
    if (args.workload == "W1")
      w1(args);
    else if (args.workload == "W2")
      w2(args);
    else if (args.workload == "W3")
      w3(args);
    else if (args.workload == "W4")
      w4(args);
    else
      throw std::runtime_error("unknown workload " + args.workload);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plexus_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
