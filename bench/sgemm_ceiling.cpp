// The ceiling: OpenBLAS cblas_sgemm alone, at exactly the GEMM shapes of each workload.
// A fully-connected layer In -> Out at batch B runs three GEMMs of 2*B*In*Out flops each
// (forward, input gradient, weight gradient), so 6 flops per weight per sample bound training.
// Nothing else (bias, activation, loss, optimizer) is timed: no library can beat these numbers.
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

#include "bench_common.hpp"

namespace {

// B = batch size, In = input features, Out = output features. Activations are row-major [B, In]
// and [B, Out]; a library may store the weight as [Out, In] (PyTorch, plexus) or [In, Out]
// (dlib), which changes the transposes OpenBLAS sees, and its speed. Both layouts are timed and
// the faster one is the ceiling.
enum class Layout { out_in, in_out };

struct Gemm {
  CBLAS_TRANSPOSE trans_a, trans_b;
  int m, n, k;
  double flops() const { return 2.0 * m * n * k; }
};

constexpr CBLAS_TRANSPOSE N = CblasNoTrans, T = CblasTrans;

// Y[B, Out] = X W^T (or X W)
Gemm forward(Layout w, int batch, int in, int out) {
  return {N, w == Layout::out_in ? T : N, batch, out, in};
}
// dX[B, In] = dY W (or dY W^T)
Gemm input_grad(Layout w, int batch, int in, int out) {
  return {N, w == Layout::out_in ? N : T, batch, in, out};
}
// dW[Out, In] = dY^T X (or dW[In, Out] = X^T dY)
Gemm weight_grad(Layout w, int batch, int in, int out) {
  return w == Layout::out_in ? Gemm{T, N, out, in, batch} : Gemm{T, N, in, out, batch};
}

/// Median seconds per call of one row-major GEMM, C[m,n] = op(A) op(B), on random data.
double time_gemm(const Gemm& g, bool quick) {
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  std::vector<float> a(size_t(g.m) * g.k), b(size_t(g.k) * g.n), c(size_t(g.m) * g.n);
  for (auto& v : a) v = normal(rng);
  for (auto& v : b) v = normal(rng);
  int lda = g.trans_a == N ? g.k : g.m;
  int ldb = g.trans_b == N ? g.n : g.k;
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, g.trans_a, g.trans_b, g.m, g.n, g.k, 1.0f, a.data(), lda, b.data(),
                ldb, 0.0f, c.data(), g.n);
  };
  // A one-row product is a matrix-vector product: time sgemv too, and keep the faster.
  auto call_gemv = [&] {
    if (g.trans_b == T)  // B is [n, k]: c = B a
      cblas_sgemv(CblasRowMajor, N, g.n, g.k, 1.0f, b.data(), g.k, a.data(), 1, 0.0f, c.data(), 1);
    else  // B is [k, n]: c = B^T a
      cblas_sgemv(CblasRowMajor, T, g.k, g.n, 1.0f, b.data(), g.n, a.data(), 1, 0.0f, c.data(), 1);
  };
  // At least 15 calls, and as many as fit in the time budget.
  auto time = [&](auto&& f) {
    const double budget = quick ? 0.03 : 0.2, single = bench::median_seconds(f, 3, 3);
    return bench::median_seconds(f, 0, std::max<size_t>(15, size_t(budget / single)));
  };
  double seconds = time(call);
  return g.m == 1 && g.trans_a == N ? std::min(seconds, time(call_gemv)) : seconds;
}

struct Timed {
  std::vector<double> seconds;  // per GEMM, in the order given
  double total_seconds = 0, flops = 0;
  double gflop_per_s() const { return flops / total_seconds / 1e9; }
};

/// The GEMMs of a stack of layers (three per layer when training, the forward one otherwise),
/// timed in whichever weight layout is faster in total.
Timed time_network(int batch, const std::vector<int>& widths, bool training, bool quick) {
  Timed best;
  for (Layout layout : {Layout::out_in, Layout::in_out}) {
    Timed timed;
    for (size_t l = 0; l + 1 < widths.size(); ++l) {
      std::vector<Gemm> gemms = {forward(layout, batch, widths[l], widths[l + 1])};
      if (training) {
        gemms.push_back(input_grad(layout, batch, widths[l], widths[l + 1]));
        gemms.push_back(weight_grad(layout, batch, widths[l], widths[l + 1]));
      }
      for (const Gemm& g : gemms) {
        timed.seconds.push_back(time_gemm(g, quick));
        timed.total_seconds += timed.seconds.back();
        timed.flops += g.flops();
      }
    }
    if (best.seconds.empty() || timed.total_seconds < best.total_seconds) best = timed;
  }
  return best;
}

/// Training: 6 flops per weight per sample at the GEMMs' flop-weighted rate.
void training_ceiling(const bench::Args& args, int batch, const std::vector<int>& widths) {
  Timed timed = time_network(batch, widths, /*training=*/true, args.quick);
  // The first layer's input gradient (the second GEMM) is never needed when training: a trainer
  // that skips it can go this much faster than the 6-flops-per-weight bound.
  double without_dx0 = timed.total_seconds - timed.seconds[1];
  bench::emit("sgemm", args, "samples_per_s", batch / timed.total_seconds,
              {bench::extra("gflop_per_s", timed.gflop_per_s()),
               bench::extra("samples_per_s_skip_input_grad", batch / without_dx0)});
}

/// Inference: the forward GEMMs only, at batch 1 (latency) and batch 1024 (throughput).
void inference_ceiling(const bench::Args& args, const std::vector<int>& widths) {
  Timed one = time_network(1, widths, /*training=*/false, args.quick);
  bench::emit("sgemm", args, "latency_us_batch1", one.total_seconds * 1e6,
              {bench::extra("gflop_per_s", one.gflop_per_s())});
  Timed batch = time_network(int(bench::kW2Batch), widths, /*training=*/false, args.quick);
  bench::emit("sgemm", args, "samples_per_s_batch1024", bench::kW2Batch / batch.total_seconds,
              {bench::extra("gflop_per_s", batch.gflop_per_s())});
}

}  // namespace

int main(int argc, char** argv) try {
  bench::Args args = bench::parse_args(argc, argv);
  openblas_set_num_threads(args.threads);
  if (args.workload == "W1")
    training_ceiling(args, bench::kW1Batch, {784, 256, 128, 10});
  else if (args.workload == "W2")
    inference_ceiling(args, {784, 256, 128, 10});
  else if (args.workload == "W4")
    training_ceiling(args, bench::kW4Batch, {784, 2048, 2048, 10});
  // W3 (2-8-1) has no GEMM worth a ceiling: it prints nothing.
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "sgemm_ceiling: %s\n", e.what());
  return 2;
}
