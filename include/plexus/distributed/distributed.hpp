// px::distributed: data-parallel training over MPI (OpenMPI). Each process takes its shard of every
// global batch; the sums that make the processes agree (gradients, synchronised batch norm, the
// loss) run in a fixed order, so a run repeats bit for bit at a given process count and every
// process holds the same bits. Built with MPI where CMake finds it; without it init() throws,
// saying what to install, and the rest of plexus works as before.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/error.hpp"
#include "plexus/ops/norm.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::distributed {

/// Whether plexus was built with MPI.
bool available();
/// Joins the job mpirun started (a process started without mpirun is a job of one); once per
/// process. Throws plexus::Error where plexus was built without MPI.
void init();
/// Leaves the job (at exit, after the last collective); nothing when init() was not called.
void finalize();
/// Whether init() was called (and finalize() not yet).
bool initialized();
/// This process's number in the job, 0 .. world_size() - 1; 0 before init().
int rank();
/// Processes in the job; 1 before init().
int world_size();

/// Replaces `values` by their sum over all processes, with the same bits on every process.
/// Floats: a reduce-scatter then an all-gather; process c adds up chunk c in rank order, so each
/// element is summed once, in one order, and copied to the others. Every process must call it
/// with the same number of values.
void all_reduce_sum(std::span<float> values);
/// The same for a few doubles (batch statistics, losses): gathered, then added in rank order.
void all_reduce_sum(std::span<double> values);
/// The rows of every process, in rank order: [R_0 + R_1 + ..., ...] from each process's
/// [R_p, ...] (rank 1 or 2, the same width everywhere).
Tensor all_gather_rows(const Tensor& local);
/// Every process's text, in rank order.
std::vector<std::string> all_gather(const std::string& text);

/// What agree_on_errors throws: every process of the job throws it at the same point, so the job
/// can end in order (rank 0 reporting) rather than by abort().
class JobError : public Error {
 public:
  using Error::Error;
};
/// A collective that makes a failure on any process a failure on all: every process passes its
/// error (or none); if any has one, every process throws JobError "<what> failed on rank R:
/// <error>" naming each failed rank.
void agree_on_errors(const std::optional<std::string>& error, std::string_view what);
/// A collective that checks every process holds the same `tensors` (their shapes and a hash of
/// their bytes): each process reads its own copy of the data, and one that read other data would
/// silently train another model. Throws JobError (through agree_on_errors) naming the ranks that
/// differ from rank 0, with `hint` (what to do) appended.
void check_same_data(std::span<const Tensor> tensors, std::string_view hint);
/// Ends every process of the job with `exit_code` (MPI_Abort); std::exit without MPI.
[[noreturn]] void abort(int exit_code);

/// The rows of a global batch that one process takes: contiguous, sizes differing by at most
/// one, the first (rows % world_size) processes one more (64 rows on 3: 22 + 21 + 21).
struct Shard {
  int64_t offset = 0;
  int64_t rows = 0;
};
Shard shard_of(int64_t rows, int rank, int world_size);

/// Sums the gradients of `parameters` over all processes: flattened into one buffer, one
/// all_reduce_sum, copied back. Parameters without a gradient are left out (the same ones on
/// every process, since they run the same network).
class GradientReducer {
 public:
  explicit GradientReducer(std::vector<Tensor> parameters);
  void all_reduce();

 private:
  std::vector<Tensor> parameters_;
  std::vector<float> buffer_;
};

/// Synchronised batch norm: batch statistics summed over all processes.
class SyncBatchStatistics : public BatchStatisticsReducer {
 public:
  void sum(std::span<double> values) override { all_reduce_sum(values); }
};

}  // namespace plexus::distributed
