// The same bits at any thread count: cpu::gemm cuts a product into blocks fixed by its shape, and
// BLAS itself runs single-threaded. ctest runs these a second time with OpenBLAS forced to its
// AVX2 kernels (unit.gemm_threads_avx2), whose own threading gives other bits at 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <plexus/plexus.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/blas.hpp"
#include "cpu/linear_row.hpp"
#include "support/thread_setting.hpp"

namespace px = plexus;
using px::Tensor;
using px::testing::ThreadSetting;

// OpenBLAS's, where the tests link it.
extern "C" int openblas_get_num_threads() __attribute__((weak));

namespace {

std::vector<float> random_values(size_t count, uint64_t seed) {
  return Tensor::randn({static_cast<int64_t>(count)}, seed).to_vector();
}

struct Shape3 {
  size_t m, n, k;
};

std::string name_of(const Shape3& s, bool transpose_a, bool transpose_b, float beta) {
  std::ostringstream name;
  name << s.m << " x " << s.n << " x " << s.k << (transpose_a ? " A^T" : "")
       << (transpose_b ? " B^T" : "") << ", beta " << beta;
  return name.str();
}

// Element `index` of C = 0.75 op(A) op(B) + beta C in double precision: the reference that
// catches a block cut at the wrong offset.
double reference_element(bool transpose_a, bool transpose_b, const Shape3& s,
                         const std::vector<float>& a, const std::vector<float>& b, float beta,
                         const std::vector<float>& c, size_t index) {
  const size_t i = index / s.n, j = index % s.n;
  double sum = 0.0;
  for (size_t p = 0; p < s.k; ++p)
    sum += double{a[transpose_a ? p * s.m + i : i * s.k + p]} *
           double{b[transpose_b ? j * s.k + p : p * s.n + j]};
  return 0.75 * sum + (beta == 0.0f ? 0.0 : beta * double{c[index]});
}

}  // namespace

TEST(GemmThreads, BlasRunsSingleThreaded) {
  if (!openblas_get_num_threads) GTEST_SKIP() << "not linked with OpenBLAS";
  ThreadSetting restore;
  px::set_num_threads(4);
  EXPECT_EQ(openblas_get_num_threads(), 1);
}

TEST(GemmThreads, EveryPathGivesTheSameBitsAtOneTwoAndFourThreads) {
  ThreadSetting restore;
  // W1's and W4's products, matrix-vector (n = 1, m = 1, short outputs over long sums), outer
  // products (k = 1), and sizes that do not divide into whole blocks.
  const std::vector<Shape3> shapes = {
      {128, 256, 784}, {784, 256, 128}, {128, 784, 256}, {256, 784, 128}, {128, 10, 128},
      {128, 128, 256}, {2000, 1, 50},   {1, 256, 784},   {1, 2000, 128},  {16, 1, 4096},
      {1, 16, 4096},   {256, 784, 1},   {1000, 3, 1},    {300, 517, 70},  {2048, 64, 512}};
  uint64_t seed = 1;
  for (const Shape3& s : shapes)
    for (const bool transpose_a : {false, true})
      for (const bool transpose_b : {false, true})
        for (const float beta : {0.0f, 0.5f}) {
          const std::string where = name_of(s, transpose_a, transpose_b, beta);
          const auto a = random_values(s.m * s.k, seed++);
          const auto b = random_values(s.k * s.n, seed++);
          const auto c = random_values(s.m * s.n, seed++);
          auto product_at = [&](int threads) {
            px::set_num_threads(threads);
            std::vector<float> out = c;
            px::cpu::gemm(transpose_a, transpose_b, s.m, s.n, s.k, 0.75f, a.data(), b.data(), beta,
                          out.data());
            return out;
          };
          const auto one = product_at(1);
          // Every 7th element (every block holds some), against the reference.
          const double tolerance = 1e-5 * std::sqrt(static_cast<double>(s.k) + 1.0);
          for (size_t i = 0; i < one.size(); i += 7) {
            const double expected =
                reference_element(transpose_a, transpose_b, s, a, b, beta, c, i);
            ASSERT_NEAR(one[i], expected, tolerance * (1.0 + std::fabs(expected)))
                << where << ", element " << i;
          }
          for (const int threads : {2, 4})
            for (int call = 0; call < 3; ++call) {
              const auto many = product_at(threads);
              ASSERT_EQ(std::memcmp(many.data(), one.data(), one.size() * sizeof(float)), 0)
                  << where << " at " << threads << " threads";
            }
        }
}

TEST(GemmThreads, BatchOneInferenceGivesTheSameBitsAtAnyThreadCount) {
  ThreadSetting restore;
  for (size_t in : {3, 17, 784})
    for (size_t out : {1, 5, 10, 129, 256, 513}) {
      const auto x = random_values(in, in + out);
      const auto w = random_values(in * out, in * out);
      std::vector<float> one(out), many(out);
      px::cpu::linear_row(x.data(), w.data(), nullptr, one.data(), in, out, 1);
      for (size_t threads = 2; threads <= 5; ++threads) {
        px::cpu::linear_row(x.data(), w.data(), nullptr, many.data(), in, out, threads);
        ASSERT_EQ(std::memcmp(many.data(), one.data(), out * sizeof(float)), 0)
            << out << " x " << in << " at " << threads << " threads";
      }
    }
  // Through a network, as a user calls it: one row in eval mode, nothing recorded.
  px::nn::Sequential model{px::nn::Linear(784, 256, true, 1), px::nn::ReLU(),
                           px::nn::Linear(256, 128, true, 2), px::nn::ReLU(),
                           px::nn::Linear(128, 10, true, 3)};
  model.eval();
  px::NoGradGuard no_grad;
  const Tensor x = Tensor::randn({1, 784}, 4);
  px::set_num_threads(1);
  const auto expected = model(x).to_vector();
  px::set_num_threads(2);
  const auto actual = model(x).to_vector();
  EXPECT_EQ(std::memcmp(actual.data(), expected.data(), expected.size() * sizeof(float)), 0);
}

TEST(GemmThreads, TrainingGivesTheSameWeightsAtOneAndTwoThreads) {
  ThreadSetting restore;
  const Tensor x = Tensor::randn({128, 784}, 5);
  std::vector<float> labels(128);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<float>(i * 7 % 10);
  const Tensor y = Tensor::from(labels, {128});
  auto weights_after_training = [&](int threads) {
    px::set_num_threads(threads);
    px::nn::Sequential model{
        px::nn::Linear(784, 256, true, 1), px::nn::BatchNorm1d(256),          px::nn::ReLU(),
        px::nn::Dropout(0.2f, 2),          px::nn::Linear(256, 128, true, 3), px::nn::ReLU(),
        px::nn::Linear(128, 10, true, 4)};
    px::optim::Adam opt(model.parameters(), {.lr = 1e-3});
    for (int step = 0; step < 3; ++step) {
      opt.zero_grad();
      px::loss::cross_entropy(model(x), y).backward();
      opt.step();
    }
    std::vector<float> all;
    for (const Tensor& p : model.parameters()) {
      const auto values = p.to_vector();
      all.insert(all.end(), values.begin(), values.end());
    }
    return all;
  };
  const auto one = weights_after_training(1);
  const auto two = weights_after_training(2);
  ASSERT_EQ(one.size(), two.size());
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0);
}

// A large parameter's update is shared with plexus' workers: the same bits at 1 and 2 threads,
// and the workers' share flushes denormal moments as the caller's does.
TEST(GemmThreads, AdamSharedWithWorkersGivesTheBitsOfOneThread) {
  ThreadSetting restore;
  const size_t n = 200'000;  // W1's first layer, shared at two threads
  std::vector<float> grads(n);
  for (size_t i = 0; i < n; ++i) grads[i] = i % 3 == 0 ? 1e-20f : std::sin(0.001f * i);
  auto state_after_steps = [&](int threads) {
    px::set_num_threads(threads);
    std::vector<Tensor> params{Tensor::randn({static_cast<int64_t>(n)}, 7).requires_grad()};
    px::optim::Adam adam(params, {.lr = 1e-3});
    for (int step = 0; step < 3; ++step) {
      params[0].set_grad(Tensor::from(grads, {static_cast<int64_t>(n)}));
      adam.step();
    }
    std::vector<float> all = params[0].to_vector();
    for (const auto& [name, tensor] : adam.state_dict().tensors) {
      const auto values = tensor.to_vector();
      all.insert(all.end(), values.begin(), values.end());
    }
    return all;
  };
  // The workers start outside a step, as in training (a thread inherits its creator's float
  // environment): a product that is shared starts them.
  px::set_num_threads(2);
  (void)px::matmul(Tensor::randn({512, 512}, 8), Tensor::randn({512, 512}, 9));
  const auto one = state_after_steps(1);
  const auto two = state_after_steps(2);
  ASSERT_EQ(one.size(), two.size());
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0);
#if defined(__SSE2__)
  // exp_avg_sq of every third element (g = 1e-20) is flushed to zero, in both threads' shares
  // (x86; WebAssembly has no flush mode and keeps the denormal, cpu/denormals.hpp).
  for (size_t i = 0; i < n; i += 3) ASSERT_EQ(two[2 * n + i], 0.0f) << "element " << i;
#endif
}
