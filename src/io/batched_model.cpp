// BatchedModel: a queue of callers' rows, drained by one thread into shared forward passes.
#include "plexus/io/batched_model.hpp"

#include <vector>

#include "plexus/ops/shape_ops.hpp"

namespace plexus::io {

BatchedModel::BatchedModel(Model& model, size_t max_rows)
    : model_(model), max_rows_(max_rows), worker_([this] { loop(); }) {}

BatchedModel::~BatchedModel() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Tensor BatchedModel::forward(const Tensor& inputs) {
  Job job{inputs, {}, nullptr, false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  wake_.notify_one();
  done_.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
  return job.outputs;
}

void BatchedModel::loop() {
  for (;;) {
    std::vector<Job*> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      size_t rows = 0;
      while (!queue_.empty()) {
        const auto n = static_cast<size_t>(queue_.front()->inputs.shape(0));
        if (!batch.empty() && rows + n > max_rows_) break;
        rows += n;
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    run(batch);
    {
      std::lock_guard lock(mutex_);
      for (Job* job : batch) job->done = true;
    }
    done_.notify_all();
  }
}

void BatchedModel::run(const std::vector<Job*>& batch) {
  try {
    std::vector<Tensor> inputs;
    for (const Job* job : batch) inputs.push_back(job->inputs);
    const Tensor outputs = model_.forward(batch.size() == 1 ? inputs.front() : concat(inputs, 0));
    int64_t begin = 0;
    for (Job* job : batch) {
      const int64_t end = begin + job->inputs.shape(0);
      job->outputs = outputs.slice_rows(begin, end);
      begin = end;
    }
  } catch (...) {
    for (Job* job : batch) job->error = std::current_exception();
  }
}

}  // namespace plexus::io
