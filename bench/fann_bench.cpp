// FANN 2.2 (float) on the four workloads, printing the JSON lines of bench_common.hpp.
// FANN is single-threaded, has no ReLU (FANN_LINEAR_PIECE clips to [0, 1]) and no softmax, and
// trains either per sample (incremental) or on the whole data set (batch, RPROP, Quickprop).
// So W1/W2 use its usual classifier: tanh-like FANN_SIGMOID_SYMMETRIC hidden units, sigmoid
// outputs on one-hot targets, squared error, and per-sample SGD (the closest to mini-batches).
// There is no W4: FANN has neither mini-batches nor BLAS.
#include <floatfann.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <random>
#include <vector>

#include "bench_common.hpp"

namespace {

const char* kImpl = "fann";

/// 784-256-128-10 classifier as FANN builds one; weights uniform in [-0.1, 0.1], seeded.
fann* fashion_net() {
  fann* net = fann_create_standard(4, 784, 256, 128, 10);
  if (!net) throw std::runtime_error("fann_create_standard failed");
  fann_set_activation_function_hidden(net, FANN_SIGMOID_SYMMETRIC);
  fann_set_activation_function_output(net, FANN_SIGMOID);
  std::srand(0);  // FANN draws its initial weights from rand()
  fann_randomize_weights(net, -0.1f, 0.1f);
  return net;
}

size_t predict(fann* net, const float* image) {
  float* out = fann_run(net, const_cast<float*>(image));  // FANN's API is not const-correct
  return size_t(std::max_element(out, out + 10) - out);
}

// W1: per-sample (incremental) backprop, shuffled, lr 0.01, no momentum, plain squared error.
void train_fashion(const bench::Args& args) {
  bench::FashionMnist data = bench::load_fashion_mnist();
  fann* net = fashion_net();
  fann_set_training_algorithm(net, FANN_TRAIN_INCREMENTAL);
  fann_set_train_error_function(net, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(net, 0.01f);
  fann_set_learning_momentum(net, 0.0f);
  std::vector<size_t> order(data.train.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937 rng(0);
  float target[10];

  double start = bench::now_s();
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t row : order) {
      std::fill(std::begin(target), std::end(target), 0.0f);
      target[data.train.labels[row]] = 1.0f;
      fann_train(net, data.train.images.data() + row * 784, target);
    }
  }
  double seconds = bench::now_s() - start;

  size_t correct = 0;
  for (size_t i = 0; i < data.test.size(); ++i)
    correct += predict(net, data.test.images.data() + i * 784) == data.test.labels[i];
  double samples = double(args.epochs) * double(data.train.size());
  bench::emit(
      kImpl, args, "samples_per_s", samples / seconds,
      {bench::extra("test_accuracy", double(correct) / double(data.test.size())),
       bench::extra("peak_rss_mb", bench::peak_rss_mb()), bench::extra("epochs", args.epochs),
       bench::extra("train_s", seconds), bench::extra("hidden", "sigmoid_symmetric"),
       bench::extra("training", "incremental")});
  fann_destroy(net);
}

// W2: fann_run on one sample; "batch 1024" is 1024 fann_run calls, FANN having no batches.
void infer_fashion(const bench::Args& args) {
  bench::Split test = bench::read_split(bench::kFashionMnistDir, "t10k");
  fann* net = fashion_net();
  // fann_run is an opaque library call that writes into the network: nothing is optimised away.
  float* image = test.images.data();
  double latency =
      bench::median_seconds([&] { fann_run(net, image); }, 200, bench::w2_latency_calls(args));
  bench::emit(kImpl, args, "latency_us_batch1", latency * 1e6,
              {bench::extra("hidden", "sigmoid_symmetric")});
  auto batch = [&] {
    for (size_t i = 0; i < bench::kW2Batch; ++i) fann_run(net, image + i * 784);
  };
  double batch_time = bench::median_seconds(batch, 1, bench::w2_throughput_calls(args));
  bench::emit(kImpl, args, "samples_per_s_batch1024", double(bench::kW2Batch) / batch_time,
              {bench::extra("hidden", "sigmoid_symmetric")});
  fann_destroy(net);
}

// W3: 2-8-1 sigmoid, FANN_TRAIN_BATCH: one fann_train_epoch over the 4 samples is one step.
// NOTE: FANN's batch step is w += lr/N * sum((t - y) f'(.) x), the gradient of the half mean
// squared error, so lr 1.0 here is PyTorch's lr 0.5 on MSELoss. Steepness 0.5 makes FANN_SIGMOID
// the logistic 1 / (1 + e^-x).
void train_xor(const bench::Args& args) {
  fann* net = fann_create_standard(3, 2, 8, 1);
  fann_set_activation_function_hidden(net, FANN_SIGMOID);
  fann_set_activation_function_output(net, FANN_SIGMOID);
  fann_set_training_algorithm(net, FANN_TRAIN_BATCH);
  fann_set_train_error_function(net, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(net, 1.0f);
  fann_set_learning_momentum(net, 0.0f);
  std::srand(0);
  fann_randomize_weights(net, -1.0f, 1.0f);
  fann_train_data* data = fann_create_train(4, 2, 1);
  for (unsigned i = 0; i < 4; ++i) {
    data->input[i][0] = float(i >> 1);
    data->input[i][1] = float(i & 1);
    data->output[i][0] = float((i >> 1) ^ (i & 1));
  }

  float mse = 0;
  double start = bench::now_s();
  for (size_t step = 0; step < bench::kW3Steps; ++step) mse = fann_train_epoch(net, data);
  double seconds = bench::now_s() - start;
  // fann_train_epoch reports FANN's MSE, which halves the error of symmetric outputs only:
  // with sigmoid outputs it is the plain mean squared error, before that step.
  bench::emit(kImpl, args, "us_per_step", seconds / bench::kW3Steps * 1e6,
              {bench::extra("final_mse", mse), bench::extra("steps", double(bench::kW3Steps))});
  fann_destroy_train(data);
  fann_destroy(net);
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  if (args.threads != 1) std::fprintf(stderr, "fann_bench: FANN is single-threaded\n");
  if (args.workload == "W1")
    train_fashion(args);
  else if (args.workload == "W2")
    infer_fashion(args);
  else if (args.workload == "W3")
    train_xor(args);
  else if (args.workload != "W4")
    throw std::runtime_error("unknown workload " + args.workload);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fann_bench: %s\n", e.what());
  return 2;
}
