// Google Benchmark micro-benchmarks of plexus' hot ops at the shapes of the workloads: where a
// change to an op or to the graph shows first. Run: build-bench/bench/micro_ops
#include <benchmark/benchmark.h>

#include <plexus/plexus.hpp>

namespace px = plexus;
using px::Tensor;

namespace {

// A tensor allocated and freed: the cost every op pays for its output.
void BM_TensorAllocation(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Tensor::empty({128, 256}));
}
BENCHMARK(BM_TensorAllocation);

// Linear forward + backward, W1's first layer: [128, 784] x [256, 784]^T + b.
void BM_LinearForwardBackward(benchmark::State& state) {
  const auto in = state.range(0), out = state.range(1), batch = state.range(2);
  const Tensor x = Tensor::randn({batch, in}, 1);
  const Tensor w = Tensor::randn({out, in}, 2).requires_grad();
  const Tensor b = Tensor::zeros({out}).requires_grad();
  for (auto _ : state) {
    px::linear(x, w, b).sum().backward();
    w.zero_grad();
    b.zero_grad();
  }
  // forward and weight gradient (x needs none): 2 x 2 flops per weight per sample
  const double flops = 4.0 * static_cast<double>(in * out * batch);
  state.counters["flop/s"] = benchmark::Counter(
      flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
// Real time: BLAS runs on several threads.
BENCHMARK(BM_LinearForwardBackward)->Args({784, 256, 128})->Args({2048, 2048, 256})->UseRealTime();

// ReLU forward + backward on a hidden layer's activations.
void BM_ReluForwardBackward(benchmark::State& state) {
  const Tensor x = Tensor::randn({128, 256}, 1).requires_grad();
  for (auto _ : state) {
    px::relu(x).sum().backward();
    x.zero_grad();
  }
}
BENCHMARK(BM_ReluForwardBackward);

// The fused softmax + cross-entropy on W1's logits.
void BM_CrossEntropyForwardBackward(benchmark::State& state) {
  const Tensor logits = Tensor::randn({128, 10}, 1).requires_grad();
  Tensor labels = Tensor::empty({128});
  for (int64_t i = 0; i < 128; ++i) labels.data()[i] = static_cast<float>(i % 10);
  for (auto _ : state) {
    px::loss::cross_entropy(logits, labels).backward();
    logits.zero_grad();
  }
}
BENCHMARK(BM_CrossEntropyForwardBackward);

// One Adam step over W1's parameters (235,146 floats).
void BM_AdamStep(benchmark::State& state) {
  px::nn::Sequential model{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Linear(256, 128),
                           px::nn::ReLU(), px::nn::Linear(128, 10)};
  for (const Tensor& p : model.parameters()) p.set_grad(Tensor::randn(p.shape(), 3));
  px::optim::Adam adam(model.parameters(), {.lr = 1e-3});
  for (auto _ : state) adam.step();
}
BENCHMARK(BM_AdamStep);

// W3's whole training step: the overhead of the graph on a tiny network.
void BM_TinyNetworkStep(benchmark::State& state) {
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(2, 8), px::nn::Sigmoid(), px::nn::Linear(8, 1),
                           px::nn::Sigmoid()};
  px::optim::SGD sgd(model.parameters(), {.lr = 0.5});
  const Tensor x = Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const Tensor y = Tensor::from({0, 1, 1, 0}, {4, 1});
  for (auto _ : state) {
    const Tensor loss = px::loss::mse(model(x), y);
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }
}
BENCHMARK(BM_TinyNetworkStep);

// One training step of W1 (784-256-128-10, Adam, batch 128) or W4 (784-2048-2048-10, SGD, batch
// 256) beside batch-1 inference, which wakes plexus' workers. Second argument: 0, no inference
// (the workers do not exist yet, so run each W in its own process:
// --benchmark_filter=BM_TrainStep/W:1/ and then W:4/);
// 1, one inference before the steps (the workers exist, asleep); 2, an inference before every
// step, untimed (the workers may still be spinning when the step's BLAS threads start).
void BM_TrainStep(benchmark::State& state) {
  const bool wide = state.range(0) == 4;
  const int64_t hidden = wide ? 2048 : 256, batch = wide ? 256 : 128;
  px::manual_seed(0);
  px::nn::Sequential model{px::nn::Linear(784, hidden), px::nn::ReLU(),
                           px::nn::Linear(hidden, wide ? 2048 : 128), px::nn::ReLU(),
                           px::nn::Linear(wide ? 2048 : 128, 10)};
  std::unique_ptr<px::optim::Optimizer> optimizer;
  if (wide)
    optimizer =
        std::make_unique<px::optim::SGD>(model.parameters(), px::optim::SGDOptions{.lr = 0.01});
  else
    optimizer =
        std::make_unique<px::optim::Adam>(model.parameters(), px::optim::AdamOptions{.lr = 1e-3});
  const Tensor x = Tensor::randn({batch, 784}, 1);
  Tensor labels = Tensor::empty({batch});
  for (int64_t i = 0; i < batch; ++i) labels.data()[i] = static_cast<float>(i % 10);
  const Tensor one = x.slice_rows(0, 1);
  auto infer = [&] {
    px::NoGradGuard no_grad;
    model.eval();
    benchmark::DoNotOptimize(model(one));
    model.train();
  };
  if (state.range(1) == 1) infer();
  for (auto _ : state) {
    if (state.range(1) == 2) {
      state.PauseTiming();
      infer();
      state.ResumeTiming();
    }
    const Tensor loss = px::loss::cross_entropy(model(x), labels);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_TrainStep)
    ->ArgsProduct({{1, 4}, {0, 1, 2}})
    ->ArgNames({"W", "inference"})
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
