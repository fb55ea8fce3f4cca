// Batch-1 inference on plexus' worker threads: the same results as the single-thread BLAS path on
// many shapes and thread counts, every part run once on a fixed thread, and safe use from several
// user threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <plexus/plexus.hpp>
#include <thread>
#include <vector>

#include "cpu/denormals.hpp"
#include "cpu/linear_row.hpp"
#include "cpu/workers.hpp"
#include "support/thread_setting.hpp"

namespace px = plexus;
using px::Tensor;
using px::testing::ThreadSetting;

namespace {

// One row through linear() with nothing recorded, at `threads` threads.
std::vector<float> linear_one_row(const Tensor& x, const Tensor& w, const Tensor& b, int threads) {
  px::set_num_threads(threads);
  px::NoGradGuard no_grad;
  return px::linear(x, w, b).to_vector();
}

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected, size_t in,
                  const std::string& where) {
  ASSERT_EQ(actual.size(), expected.size()) << where;
  // Sums of `in` products in another order: float rounding grows with sqrt(in).
  const float tolerance = 1e-5f * std::sqrt(static_cast<float>(in) + 1.0f);
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], tolerance * (1.0f + std::fabs(expected[i])))
        << where << " output " << i;
}

}  // namespace

TEST(Workers, BatchOneLinearMatchesTheSingleThreadPath) {
  ThreadSetting restore;
  uint64_t seed = 1;
  for (int64_t in : {1, 3, 15, 16, 17, 100, 784})
    for (int64_t out : {1, 2, 3, 4, 5, 7, 9, 31, 64, 129, 256, 513}) {
      const Tensor x = Tensor::randn({1, in}, seed++);
      const Tensor w = Tensor::randn({out, in}, seed++);
      const Tensor b = Tensor::randn({out}, seed++);
      const auto expected = linear_one_row(x, w, b, 1);
      const auto expected_no_bias = linear_one_row(x, w, Tensor(), 1);
      for (int threads = 2; threads <= 5; ++threads) {
        const std::string where = std::to_string(out) + " x " + std::to_string(in) + " at " +
                                  std::to_string(threads) + " threads";
        expect_close(linear_one_row(x, w, b, threads), expected, in, where);
        expect_close(linear_one_row(x, w, Tensor(), threads), expected_no_bias, in,
                     where + ", no bias");
      }
    }
}

TEST(Workers, RowsAreSplitAcrossThreadsWhereTheLayerIsLarge) {
  // 513 rows of 784 give every thread a part; the split must cover each row exactly once.
  std::vector<float> w(513 * 784), x(784, 1.0f), y(513, -1.0f);
  for (size_t r = 0; r < 513; ++r)
    for (size_t k = 0; k < 784; ++k) w[r * 784 + k] = static_cast<float>(r % 7);
  px::cpu::linear_row(x.data(), w.data(), nullptr, y.data(), 784, 513, 3);
  for (size_t r = 0; r < 513; ++r) ASSERT_EQ(y[r], 784.0f * static_cast<float>(r % 7)) << r;
}

TEST(Workers, ModelInEvalModeGivesTheSameOutputAtEveryThreadCount) {
  ThreadSetting restore;
  px::manual_seed(3);
  px::nn::Sequential model{px::nn::Linear(784, 256), px::nn::ReLU(), px::nn::Linear(256, 128),
                           px::nn::ReLU(), px::nn::Linear(128, 10)};
  model.eval();
  px::NoGradGuard no_grad;
  const Tensor x = Tensor::randn({1, 784}, 4);
  px::set_num_threads(1);
  const auto expected = model(x).to_vector();
  for (int threads = 2; threads <= 4; ++threads) {
    px::set_num_threads(threads);
    for (int call = 0; call < 3; ++call)
      expect_close(model(x).to_vector(), expected, 784, std::to_string(threads) + " threads");
  }
}

TEST(Workers, RecordedBatchOneProductsStillGetGradients) {
  ThreadSetting restore;
  px::set_num_threads(2);
  const Tensor x = Tensor::randn({1, 300}, 5);
  const Tensor w = Tensor::randn({200, 300}, 6).requires_grad();
  px::linear(x, w, Tensor()).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  // d sum(x W^T) / dW[j, k] = x[k] for every row j.
  const auto grad = w.grad().to_vector();
  const auto xs = x.to_vector();
  for (size_t j = 0; j < 200; j += 37)
    for (size_t k = 0; k < 300; ++k) ASSERT_EQ(grad[j * 300 + k], xs[k]);
}

TEST(Workers, EveryPartRunsOnceOnItsOwnWorkerOrTheCaller) {
  // A worker late to its part (asleep, or off its core on a busy machine) leaves it to the caller;
  // otherwise part p runs on worker p, the same thread every call, and no part on another's.
  constexpr size_t kParts = 4;
  const auto caller = std::this_thread::get_id();
  std::vector<std::thread::id> worker_of(kParts, caller);
  for (int call = 0; call < 200; ++call) {
    std::vector<std::atomic<int>> runs(kParts);
    std::vector<std::thread::id> ids(kParts);
    px::cpu::run_on_workers(kParts, [&](size_t part) {
      runs[part].fetch_add(1);
      ids[part] = std::this_thread::get_id();
    });
    ASSERT_EQ(ids[0], caller);
    for (size_t p = 0; p < kParts; ++p) {
      ASSERT_EQ(runs[p].load(), 1) << "part " << p << ", call " << call;
      if (ids[p] == caller) continue;
      if (worker_of[p] == caller) worker_of[p] = ids[p];
      ASSERT_EQ(ids[p], worker_of[p]) << "part " << p << ", call " << call;
    }
  }
  for (size_t p = 1; p < kParts; ++p) {
    if (worker_of[p] == caller) continue;
    for (size_t q = 1; q < p; ++q) EXPECT_NE(worker_of[p], worker_of[q]);
  }
}

TEST(Workers, SeveralUserThreadsAtOnceGetCorrectResults) {
  std::vector<float> w(256 * 784), x(784);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i % 13) - 6.0f;
  for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(k % 5) - 2.0f;
  std::vector<float> expected(256);
  px::cpu::linear_row(x.data(), w.data(), nullptr, expected.data(), 784, 256, 1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u)
    users.emplace_back([&] {
      std::vector<float> y(256);
      for (int call = 0; call < 300; ++call) {
        px::cpu::linear_row(x.data(), w.data(), nullptr, y.data(), 784, 256, 2);
        if (y != expected) wrong.fetch_add(1);
      }
    });
  for (auto& user : users) user.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A part on a worker runs in the caller's float environment (here: denormals flushed, as in an
// optimizer's step), so its bits are those the caller would get.
TEST(Workers, APartOnAWorkerRunsInTheCallersFloatEnvironment) {
  struct Seen {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<bool> on_worker{false};
    std::atomic<unsigned> worker_environment{0};
  } seen;
  const px::cpu::FlushDenormals flush;
  const unsigned expected = px::cpu::float_environment();
  // A worker takes its part unless it is late (asleep, or off its core on a busy machine): part 0
  // gives it a millisecond.
  for (int call = 0; call < 1000 && !seen.on_worker; ++call)
    px::cpu::run_on_workers(2, [&](size_t part) {
      if (part == 0) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
        while (!seen.on_worker && std::chrono::steady_clock::now() < until) {
        }
        return;
      }
      if (std::this_thread::get_id() == seen.caller) return;
      seen.worker_environment = px::cpu::float_environment();
      seen.on_worker = true;
    });
  if (!seen.on_worker) GTEST_SKIP() << "no part ran on a worker (a busy machine)";
  EXPECT_EQ(seen.worker_environment, expected);
}

// A large gather (a mini-batch of a wide table) is shared by the threads: every row lands where
// it belongs, repeated and out-of-order indices included.
TEST(Workers, IndexRowsSharedByTheThreadsCopiesEveryRow) {
  ThreadSetting restore;
  const int64_t rows = 300, width = 1000;
  const Tensor table = Tensor::randn({rows, width}, 11);
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < 257; ++i) indices.push_back((i * 37 + 5) % rows);
  indices.push_back(indices.front());
  for (int threads : {1, 2, 3}) {
    px::set_num_threads(threads);
    const auto gathered = px::index_rows(table, indices).to_vector();
    ASSERT_EQ(gathered.size(), indices.size() * width);
    for (size_t r = 0; r < indices.size(); ++r)
      for (int64_t c = 0; c < width; ++c)
        ASSERT_EQ(gathered[r * width + c], table.data()[indices[r] * width + c])
            << "row " << r << " column " << c << " at " << threads << " threads";
  }
}

// relu on a large batch is shared by the threads: every element of the forward and of the
// backward (written, then accumulated when x feeds two relus) is that element's own, at any count
// of threads and at a length that is no multiple of the parts' alignment.
TEST(Workers, ReluSharedByTheThreadsComputesEveryElement) {
  ThreadSetting restore;
  const int64_t n = 3 * 8192 + 5;
  const Tensor values = Tensor::randn({n}, 12);
  const Tensor weights = Tensor::randn({n}, 13);
  for (int threads : {1, 2, 3}) {
    px::set_num_threads(threads);
    Tensor x = values.clone().requires_grad();
    const Tensor y = px::relu(x);
    px::sum(px::mul(px::add(y, px::relu(x)), weights)).backward();
    const auto out = y.to_vector();
    const auto grad = x.grad().to_vector();
    for (int64_t i = 0; i < n; ++i) {
      const float v = values.data()[i];
      ASSERT_EQ(out[i], v > 0 ? v : 0.0f) << "element " << i << " at " << threads << " threads";
      ASSERT_EQ(grad[i], v > 0 ? 2 * weights.data()[i] : 0.0f)
          << "gradient " << i << " at " << threads << " threads";
    }
  }
}
