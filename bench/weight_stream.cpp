// The weight-streaming bound of W2 at batch 1: no library can run the 784-256-128-10 network on
// one row faster than it can read the network's weights and biases (235,146 floats, 919 KiB).
// This program reads exactly those bytes, with the same threads, each thread the same share of
// each layer's rows every call (so its share stays in its own core's cache, as plexus does), and
// waits between layers for all threads to finish, as layer-by-layer inference must: the cheapest
// hand-off there is, all threads spinning on a counter. The reads are sums, 16 floats wide, so the
// arithmetic costs less than any real product. Also reported: the same read with one hand-off per
// call instead of one per layer (what the layer hand-offs cost).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "bench_common.hpp"

namespace {

using Lanes = float __attribute__((vector_size(64)));
constexpr size_t kLanes = 16;

#if defined(__x86_64__)
#define BENCH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BENCH_CLONES
#endif

// Prefetching this far ahead (4 KiB) reads L2 about 15% faster than the hardware prefetchers
// alone (measured on W2's 940 KB).
constexpr size_t kPrefetchAhead = 1024;

// The sum of n floats (n a multiple of 16), eight vectors at a time, so loads and not the add
// latency limit it.
BENCH_CLONES float sum(const float* p, size_t n) {
  Lanes a[8] = {}, v;
  size_t i = 0;
  for (; i + 8 * kLanes <= n; i += 8 * kLanes)
    for (size_t j = 0; j < 8; ++j) {
      __builtin_prefetch(p + i + j * kLanes + kPrefetchAhead);
      std::memcpy(&v, p + i + j * kLanes, sizeof v);
      a[j] += v;
    }
  for (; i < n; i += kLanes) {
    std::memcpy(&v, p + i, sizeof v);
    a[0] += v;
  }
  for (size_t j = 1; j < 8; ++j) a[0] += a[j];
  float total = 0.0f;
  for (size_t l = 0; l < kLanes; ++l) total += a[0][l];
  return total;
}

// One layer's weights [out, in] and bias [out], rows padded to 16 floats.
struct Layer {
  size_t in, out;
  std::vector<float> weights, bias;
  Layer(size_t in_, size_t out_)
      : in(in_), out(out_), weights(in * out, 1e-3f), bias((out + kLanes - 1) / kLanes * kLanes) {}
};

// Spins until done() holds. After 64 checks it yields the core between checks: where the threads
// share a core (a busy machine), a pure spin would wait out a whole time slice per hand-off.
template <class Done>
void spin_until(Done done) {
  for (unsigned i = 0; !done(); ++i)
    if (i >= 64) std::this_thread::yield();
}

// Thread t's share of a layer: rows [out * t / threads, out * (t + 1) / threads) and the same
// share of the bias's 16-float blocks.
float read_share(const Layer& layer, size_t t, size_t threads) {
  const size_t begin = layer.out * t / threads, end = layer.out * (t + 1) / threads;
  const size_t blocks = layer.bias.size() / kLanes;
  const size_t bias_begin = blocks * t / threads * kLanes;
  const size_t bias_end = blocks * (t + 1) / threads * kLanes;
  return sum(layer.weights.data() + begin * layer.in, (end - begin) * layer.in) +
         sum(layer.bias.data() + bias_begin, bias_end - bias_begin);
}

// Threads 1..T-1 spin on `calls` for the next call and on `arrived` at each hand-off; thread 0
// (the timing thread) starts each call. They never sleep: the cheapest hand-off, not a fair use of
// a shared machine, which is why plexus' workers sleep after a short spin.
class Streamer {
 public:
  Streamer(const std::vector<Layer>& layers, size_t threads, bool per_layer)
      : layers_(layers), threads_(threads), per_layer_(per_layer), sink_(threads) {
    for (size_t t = 1; t < threads; ++t) helpers_.emplace_back([this, t] { help(t); });
  }
  ~Streamer() {
    stop_.store(true);
    calls_.fetch_add(1);
    for (auto& h : helpers_) h.join();
  }

  void call() {
    calls_.fetch_add(1, std::memory_order_release);
    run(0, ++call_count_);
  }
  float checksum() const {
    float total = 0.0f;
    for (float s : sink_) total += s;
    return total;
  }

 private:
  void help(size_t t) {
    for (uint64_t seen = 0;;) {
      uint64_t now = seen;
      spin_until([&] { return (now = calls_.load(std::memory_order_acquire)) != seen; });
      if (stop_.load()) return;
      seen = now;
      run(t, now);
    }
  }

  // Each hand-off h of call c waits for arrived to reach threads * (hand-offs so far).
  void run(size_t t, uint64_t call) {
    const size_t handoffs = per_layer_ ? layers_.size() : 1;
    float total = 0.0f;
    for (size_t l = 0; l < layers_.size(); ++l) {
      total += read_share(layers_[l], t, threads_);
      if (l + 1 == layers_.size()) sink_[t] = total;  // before the last hand-off publishes it
      if (per_layer_ || l + 1 == layers_.size()) {
        const size_t h = per_layer_ ? l + 1 : 1;
        const uint64_t target = ((call - 1) * handoffs + h) * threads_;
        arrived_.fetch_add(1, std::memory_order_acq_rel);
        spin_until([&] { return arrived_.load(std::memory_order_acquire) >= target; });
      }
    }
  }

  const std::vector<Layer>& layers_;
  size_t threads_;
  bool per_layer_;
  std::vector<float> sink_;
  std::vector<std::thread> helpers_;
  alignas(64) std::atomic<uint64_t> calls_{0};
  alignas(64) std::atomic<uint64_t> arrived_{0};
  alignas(64) std::atomic<bool> stop_{false};
  uint64_t call_count_ = 0;
};

double median_us(const std::vector<Layer>& layers, size_t threads, bool per_layer,
                 const bench::Args& args) {
  Streamer streamer(layers, threads, per_layer);
  const double seconds =
      bench::median_seconds([&] { streamer.call(); }, 200, bench::w2_latency_calls(args));
  if (streamer.checksum() == 0.0f) std::fputs("weight_stream: nothing was read\n", stderr);
  return seconds * 1e6;
}

}  // namespace

int main(int argc, char** argv) try {
  const bench::Args args = bench::parse_args(argc, argv);
  if (args.workload != "W2") return 0;  // a bound of batch-1 inference only
  const std::vector<Layer> layers = {{784, 256}, {256, 128}, {128, 10}};
  const auto threads = static_cast<size_t>(std::max(1, args.threads));
  const double per_layer = median_us(layers, threads, true, args);
  const double one_handoff = median_us(layers, threads, false, args);
  bench::emit("stream", args, "latency_us_batch1", per_layer,
              {bench::extra("one_handoff_us", one_handoff),
               bench::extra("bytes", 4.0 * (256 * 785 + 128 * 257 + 10 * 129))});
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "weight_stream: %s\n", e.what());
  return 2;
}
