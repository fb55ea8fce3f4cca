// Every matrix product of plexus. BLAS itself runs single-threaded (cpu/threads.cpp): plexus splits
// a large product into blocks of output rows or columns, fixed by its shape alone, and computes
// each block with one single-threaded call of gemm_block (the BLAS's, or plexus' portable kernel
// where built with PLEXUS_BLAS=none), on its worker threads and the calling thread. So
// the bits of a result never depend on the thread count, nor on how a BLAS would split the product
// on this processor (OpenBLAS's AVX2 kernels give other bits at 1 and at 2 threads).
#include "cpu/blas.hpp"

#include <algorithm>
#include <atomic>
#include <bit>

#include "cpu/gemm_block.hpp"
#include "cpu/workers.hpp"
#include "plexus/cpu/threads.hpp"

namespace plexus::cpu {
namespace {

// How a product is cut: a function of its shape only, never of the thread count.
struct Blocks {
  size_t count;
  bool of_rows;  // blocks of C's rows, else of its columns
  size_t width;  // of the split dimension
};

// Block boundaries fall on multiples of the BLAS kernels' widest register tile (16 floats).
constexpr size_t kBlockAlign = 16;
// Each block is one more BLAS call, which packs the operand it shares with the others again. On
// W1's products at 1 thread, blocks at least 128 wide cost 3% over one call each, 64 wide 5.5%,
// 32 wide 7.5%, and rows 32 high instead of columns 17%; W4's, in 8 blocks, 2-13% (4 blocks
// were not measurably cheaper). Every block holds at least a million multiply-adds (about 20 us
// on one core), far more than a hand-off to a worker (about 1 us).
constexpr size_t kMinBlockWidth = 128;
constexpr size_t kMultiplyAddsPerBlock = size_t{1} << 20;
constexpr size_t kMaxBlocks = 8;

Blocks blocks_of(size_t m, size_t n, size_t k) {
  // Each block packs the whole other operand again: cutting the longer side of C repeats the
  // smaller share of the packing.
  const bool of_rows = m > n;
  const size_t width = of_rows ? m : n;
  const size_t multiply_adds = m * n * std::max<size_t>(k, 1);
  const size_t most =
      std::min({kMaxBlocks, multiply_adds / kMultiplyAddsPerBlock, width / kMinBlockWidth});
  // A power of two, so that 2, 4 or 8 threads get equal shares.
  return {std::bit_floor(std::max<size_t>(most, 1)), of_rows, width};
}

// Block `index` of `whole`: a range of C's rows or columns, with op(A) or op(B) cut to match.
GemmBlock block_of(const GemmBlock& whole, const Blocks& blocks, size_t index) {
  const size_t tiles = (blocks.width + kBlockAlign - 1) / kBlockAlign;
  const size_t begin = std::min(blocks.width, tiles * index / blocks.count * kBlockAlign);
  const size_t end = std::min(blocks.width, tiles * (index + 1) / blocks.count * kBlockAlign);
  GemmBlock block = whole;
  if (blocks.of_rows) {
    block.m = end - begin;
    block.a += whole.transpose_a ? begin : begin * whole.lda;
    block.c += begin * whole.ldc;
  } else {
    block.n = end - begin;
    block.b += whole.transpose_b ? begin * whole.ldb : begin;
    block.c += begin;
  }
  return block;
}

// The blocks of one product, claimed one at a time by whichever thread is free: the caller
// never waits for a block that no thread has started.
struct Job {
  GemmBlock whole;
  Blocks blocks;
  mutable std::atomic<size_t> next{0};
};

void run_blocks(const void* context, size_t) {
  const auto& job = *static_cast<const Job*>(context);
  for (size_t index; (index = job.next.fetch_add(1, std::memory_order_relaxed)) < job.blocks.count;)
    gemm_block(block_of(job.whole, job.blocks, index));
}

}  // namespace

void large_gemm(bool transpose_a, bool transpose_b, size_t m, size_t n, size_t k, float alpha,
                const float* a, const float* b, float beta, float* c) {
  if (m == 0 || n == 0) return;
  const GemmBlock whole{transpose_a, transpose_b,         m,    n, k, alpha, a, transpose_a ? m : k,
                        b,           transpose_b ? k : n, beta, c, n};
  Job job{whole, blocks_of(m, n, k)};
  const auto threads = static_cast<size_t>(num_threads());
  if (job.blocks.count == 1 || threads == 1) return run_blocks(&job, 0);
  run_on_workers(std::min(threads, job.blocks.count), run_blocks, &job);
}

}  // namespace plexus::cpu
