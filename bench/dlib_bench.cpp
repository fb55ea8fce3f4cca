// dlib 19.24's DNN on the four workloads, printing the JSON lines of bench_common.hpp.
// dlib runs its GEMMs in the system BLAS (OpenBLAS here), whose thread count can only be set
// through OPENBLAS_NUM_THREADS before start-up (the runner does it); dlib's own loops are serial.
// Training is dlib's manual loop (compute_parameter_gradients + update_parameters), without
// dnn_trainer's background thread and learning-rate schedule.
#include <dlib/dnn.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "bench_common.hpp"

namespace {

using dlib::fc;
using dlib::input;
using dlib::matrix;
using dlib::relu;
using dlib::sig;

// Each sample is a 784 x 1 matrix<float>; a batch tensor is [n, 1, 784, 1].
using FashionNet =
    dlib::loss_multiclass_log<fc<10, relu<fc<128, relu<fc<256, input<matrix<float>>>>>>>>;
using WideNet =
    dlib::loss_multiclass_log<fc<10, relu<fc<2048, relu<fc<2048, input<matrix<float>>>>>>>>;
using XorNet = dlib::loss_mean_squared<sig<fc<1, sig<fc<8, input<matrix<float>>>>>>>;

const char* kImpl = "dlib";

bench::Extra blas_threads() {
  const char* value = std::getenv("OPENBLAS_NUM_THREADS");
  return bench::extra("blas_threads", value ? value : "unset");
}

/// dlib records the input layer's sample expansion factor in to_tensor(); call it once so
/// that batches can then be fed as ready-made tensors.
template <class Net>
void prepare(Net& net, long features) {
  matrix<float> sample(features, 1);
  sample = 0;
  dlib::resizable_tensor x;
  net.to_tensor(&sample, &sample + 1, x);
}

/// x = the given rows of split.images, as a [rows, 1, 784, 1] tensor; labels to match.
void gather(const bench::Split& split, std::span<const size_t> rows, dlib::resizable_tensor& x,
            std::vector<unsigned long>& labels) {
  x.set_size(long(rows.size()), 1, 784, 1);
  labels.resize(rows.size());
  float* out = x.host_write_only();
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy_n(split.images.data() + rows[i] * 784, 784, out + i * 784);
    labels[i] = split.labels[rows[i]];
  }
}

std::vector<size_t> iota(size_t n) {
  std::vector<size_t> rows(n);
  std::iota(rows.begin(), rows.end(), size_t{0});
  return rows;
}

double test_accuracy(FashionNet& net, const bench::Split& test) {
  std::vector<size_t> rows = iota(test.size());
  dlib::resizable_tensor x;
  std::vector<unsigned long> labels;
  size_t correct = 0;
  for (size_t begin = 0; begin < rows.size(); begin += 1000) {
    size_t count = std::min<size_t>(1000, rows.size() - begin);
    gather(test, std::span(rows).subspan(begin, count), x, labels);
    const float* logits = net.subnet().forward(x).host();
    for (size_t i = 0; i < count; ++i)
      correct += size_t(std::max_element(logits + i * 10, logits + i * 10 + 10) -
                        (logits + i * 10)) == labels[i];
  }
  return double(correct) / double(test.size());
}

// W1: Fashion-MNIST, Adam lr 1e-3 (no weight decay), batch 128, shuffled.
void train_fashion(const bench::Args& args) {
  bench::FashionMnist data = bench::load_fashion_mnist();
  FashionNet net;
  prepare(net, 784);
  std::vector<dlib::adam> solvers(FashionNet::num_computational_layers,
                                  dlib::adam(/*weight_decay=*/0, 0.9f, 0.999f));
  std::vector<size_t> order = iota(data.train.size());
  std::mt19937 rng(0);
  dlib::resizable_tensor x;
  std::vector<unsigned long> labels;

  double start = bench::now_s();
  for (int epoch = 0; epoch < args.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t begin = 0; begin < order.size(); begin += bench::kW1Batch) {
      size_t count = std::min(bench::kW1Batch, order.size() - begin);
      gather(data.train, std::span(order).subspan(begin, count), x, labels);
      net.compute_parameter_gradients(x, labels.begin());
      net.update_parameters(solvers, 1e-3);
    }
  }
  double seconds = bench::now_s() - start;

  double samples = double(args.epochs) * double(data.train.size());
  bench::emit(
      kImpl, args, "samples_per_s", samples / seconds,
      {bench::extra("test_accuracy", test_accuracy(net, data.test)),
       bench::extra("peak_rss_mb", bench::peak_rss_mb()), bench::extra("epochs", args.epochs),
       bench::extra("train_s", seconds), blas_threads()});
}

// W2: forward only, on tensors made beforehand (PyTorch's inputs are tensors too).
void infer_fashion(const bench::Args& args) {
  bench::Split test = bench::read_split(bench::kFashionMnistDir, "t10k");
  FashionNet net;
  prepare(net, 784);
  std::vector<size_t> rows = iota(bench::kW2Batch);
  dlib::resizable_tensor one, batch;
  std::vector<unsigned long> labels;
  gather(test, std::span(rows).first(1), one, labels);
  gather(test, rows, batch, labels);
  auto& body = net.subnet();  // the network without its loss layer: logits out

  double latency =
      bench::median_seconds([&] { body.forward(one); }, 200, bench::w2_latency_calls(args));
  bench::emit(kImpl, args, "latency_us_batch1", latency * 1e6, {blas_threads()});
  double batch_time =
      bench::median_seconds([&] { body.forward(batch); }, 3, bench::w2_throughput_calls(args));
  bench::emit(kImpl, args, "samples_per_s_batch1024", double(bench::kW2Batch) / batch_time,
              {blas_threads()});
}

// W3: XOR, full-batch plain gradient descent on the mean squared error.
// NOTE: dlib's loss_mean_squared returns mean((y - t)^2) but back-propagates (y - t) / N, half
// of that loss's gradient, so lr 1.0 here is PyTorch's lr 0.5 on MSELoss. sgd(0, 0) turns off
// weight decay and momentum; dlib still writes the step into a velocity buffer, then adds it.
void train_xor(const bench::Args& args) {
  XorNet net;
  prepare(net, 2);
  dlib::resizable_tensor x(4, 1, 2, 1);
  const float inputs[] = {0, 0, 0, 1, 1, 0, 1, 1};
  std::copy(std::begin(inputs), std::end(inputs), x.host_write_only());
  const std::vector<float> targets = {0, 1, 1, 0};
  std::vector<dlib::sgd> solvers(XorNet::num_computational_layers,
                                 dlib::sgd(/*weight_decay=*/0, /*momentum=*/0));

  double loss = 0, start = bench::now_s();
  for (size_t step = 0; step < bench::kW3Steps; ++step) {
    loss = net.compute_parameter_gradients(x, targets.begin());
    net.update_parameters(solvers, 1.0);
  }
  double seconds = bench::now_s() - start;
  bench::emit(kImpl, args, "us_per_step", seconds / bench::kW3Steps * 1e6,
              {bench::extra("final_mse", loss), bench::extra("steps", double(bench::kW3Steps))});
}

// W4: one fixed random batch, plain SGD lr 0.01, cross-entropy on random labels.
void train_wide(const bench::Args& args) {
  WideNet net;
  prepare(net, 784);
  dlib::resizable_tensor x(long(bench::kW4Batch), 1, 784, 1);
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<unsigned long> label(0, 9);
  for (float& v : x) v = normal(rng);
  std::vector<unsigned long> labels(bench::kW4Batch);
  for (auto& l : labels) l = label(rng);
  std::vector<dlib::sgd> solvers(WideNet::num_computational_layers, dlib::sgd(0, 0));
  auto step = [&] {
    net.compute_parameter_gradients(x, labels.begin());
    net.update_parameters(solvers, 0.01);
  };

  for (int i = 0; i < 3; ++i) step();
  size_t steps = bench::w4_steps(args);
  double start = bench::now_s();
  for (size_t i = 0; i < steps; ++i) step();
  double samples_per_s = double(steps * bench::kW4Batch) / (bench::now_s() - start);
  bench::emit(kImpl, args, "samples_per_s", samples_per_s,
              {bench::extra("gflop_per_s", 6 * bench::kW4Weights * samples_per_s / 1e9),
               bench::extra("steps", double(steps)), blas_threads()});
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  if (!env || std::atoi(env) != args.threads)
    std::fprintf(stderr, "dlib_bench: OPENBLAS_NUM_THREADS is %s, not --threads %d\n",
                 env ? env : "unset", args.threads);
  if (args.workload == "W1")
    train_fashion(args);
  else if (args.workload == "W2")
    infer_fashion(args);
  else if (args.workload == "W3")
    train_xor(args);
  else if (args.workload == "W4")
    train_wide(args);
  else
    throw std::runtime_error("unknown workload " + args.workload);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dlib_bench: %s\n", e.what());
  return 2;
}
