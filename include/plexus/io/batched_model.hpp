// A loaded model shared by many threads: each caller hands in its preprocessed rows, one thread
// owns the network (Model::forward puts it in eval mode, so it writes to it) and runs the rows of
// every caller waiting at that moment as one forward pass. What `plexus serve` answers with.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "plexus/io/model_file.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::io {

class BatchedModel {
 public:
  /// `max_rows`: a forward pass takes the waiting callers' rows up to this many (a caller with
  /// more runs alone). `model` must outlive this object.
  explicit BatchedModel(Model& model, size_t max_rows = 4096);
  /// Answers the callers already waiting, then stops the inference thread.
  ~BatchedModel();
  BatchedModel(const BatchedModel&) = delete;
  BatchedModel& operator=(const BatchedModel&) = delete;

  /// The network's outputs [N, K] for preprocessed `inputs` [N, F]; rethrows the forward pass's
  /// error. Thread-safe.
  Tensor forward(const Tensor& inputs);

 private:
  struct Job {
    Tensor inputs;
    Tensor outputs;
    std::exception_ptr error;
    bool done = false;
  };

  void loop();
  void run(const std::vector<Job*>& batch);

  Model& model_;
  size_t max_rows_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Job*> queue_;
  bool stop_ = false;
  std::thread worker_;  // last: it starts once the members above exist
};

}  // namespace plexus::io
