// How small a product must be for cpu::small_gemm to beat BLAS, and how it compares with
// libxsmm's JIT kernels (when the build found libxsmm): nanoseconds per call of each kernel at
// W3's shapes and on a sweep of cubes. bench/RESULTS.md ("Speed, second round: W3") records the
// numbers and the threshold (kSmallGemmMaxFlops) taken from them. Run: build-bench/bench/small_gemm
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <vector>

#include "cpu/small_gemm.hpp"
#if PLEXUS_BENCH_LIBXSMM
#include <libxsmm.h>
#endif

namespace {

// C[M, N] = op(A) op(B) + beta C with op given by the flags (row-major, as cpu::gemm).
struct Shape {
  bool transpose_a, transpose_b;
  int m, n, k;
  float beta;
};

Shape shape_of(const benchmark::State& state) {
  return {state.range(0) != 0,
          state.range(1) != 0,
          static_cast<int>(state.range(2)),
          static_cast<int>(state.range(3)),
          static_cast<int>(state.range(4)),
          static_cast<float>(state.range(5))};
}

struct Operands {
  std::vector<float> a, b, c;
  explicit Operands(const Shape& s)
      : a(static_cast<size_t>(s.m * s.k), 0.5f),
        b(static_cast<size_t>(s.k * s.n), 0.25f),
        c(static_cast<size_t>(s.m * s.n), 0.0f) {}
};

void BM_Blas(benchmark::State& state) {
  const Shape s = shape_of(state);
  Operands x(s);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, s.transpose_a ? CblasTrans : CblasNoTrans,
                s.transpose_b ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, 1.0f, x.a.data(),
                s.transpose_a ? s.m : s.k, x.b.data(), s.transpose_b ? s.k : s.n, s.beta,
                x.c.data(), s.n);
    benchmark::DoNotOptimize(x.c.data());
  }
}

void BM_SmallGemm(benchmark::State& state) {
  const Shape s = shape_of(state);
  Operands x(s);
  for (auto _ : state) {
    plexus::cpu::small_gemm(s.transpose_a, s.transpose_b, static_cast<size_t>(s.m),
                            static_cast<size_t>(s.n), static_cast<size_t>(s.k), 1.0f, x.a.data(),
                            x.b.data(), s.beta, x.c.data());
    benchmark::DoNotOptimize(x.c.data());
  }
}

#if PLEXUS_BENCH_LIBXSMM
// libxsmm is column-major: row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so
// B comes first. Dispatch looks the JIT kernel up (or generates it) for the shape; a library
// would pay it per call unless it kept one kernel per call site and shape.
libxsmm_smmfunction dispatch(const Shape& s) {
  const int flags = (s.transpose_b ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) |
                    (s.transpose_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
  const libxsmm_blasint lda = s.transpose_b ? s.k : s.n, ldb = s.transpose_a ? s.m : s.k;
  const libxsmm_blasint ldc = s.n;
  const float alpha = 1.0f;
  return libxsmm_smmdispatch(s.n, s.m, s.k, &lda, &ldb, &ldc, &alpha, &s.beta, &flags, nullptr);
}

void BM_LibxsmmDispatchAndCall(benchmark::State& state) {
  const Shape s = shape_of(state);
  Operands x(s);
  if (!dispatch(s)) return state.SkipWithError("libxsmm has no kernel for this shape");
  for (auto _ : state) {
    dispatch(s)(x.b.data(), x.a.data(), x.c.data());
    benchmark::DoNotOptimize(x.c.data());
  }
}

void BM_LibxsmmCallOnly(benchmark::State& state) {
  const Shape s = shape_of(state);
  Operands x(s);
  const libxsmm_smmfunction kernel = dispatch(s);
  if (!kernel) return state.SkipWithError("libxsmm has no kernel for this shape");
  for (auto _ : state) {
    kernel(x.b.data(), x.a.data(), x.c.data());
    benchmark::DoNotOptimize(x.c.data());
  }
}
#endif

// {transpose_a, transpose_b, M, N, K, beta}: W3's products (forward x W^T + b, the weight
// gradients dy^T x, the input gradient dy W), then cubes and W1-like batch rows.
void shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"ta", "tb", "m", "n", "k", "beta"});
  for (const auto& s : std::vector<std::vector<int64_t>>{{0, 1, 4, 8, 2, 1},
                                                         {1, 0, 8, 2, 4, 0},
                                                         {0, 0, 4, 8, 1, 0},
                                                         {1, 0, 1, 8, 4, 0},
                                                         {0, 1, 4, 1, 8, 1}})
    b->Args(s);
  for (int64_t n : {4, 5, 6, 7, 8, 12, 16, 24, 32, 48}) {
    b->Args({0, 1, n, n, n, 1});
    b->Args({0, 0, n, n, n, 0});
    b->Args({1, 0, n, n, n, 0});
  }
}

BENCHMARK(BM_Blas)->Apply(shapes);
BENCHMARK(BM_SmallGemm)->Apply(shapes);
#if PLEXUS_BENCH_LIBXSMM
BENCHMARK(BM_LibxsmmDispatchAndCall)->Apply(shapes);
BENCHMARK(BM_LibxsmmCallOnly)->Apply(shapes);
#endif

}  // namespace

BENCHMARK_MAIN();
