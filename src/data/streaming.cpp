// StreamingTable: the fitting pass, and StreamBatches, the source of one part's batches. A
// producer thread reads chunks (in the epoch's order), keeps the part's rows, transforms them and
// hands them over through a bounded queue; the training thread draws rows from the shuffle
// buffer into batches. Rows cross the queue as plain floats, so each thread's tensor blocks stay
// in its own cache (tensor/storage.hpp).
#include "plexus/data/streaming.hpp"

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>
#include <variant>

#include "base/check.hpp"
#include "data/cells.hpp"
#include "plexus/data/streaming_fit.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::data {

namespace {

// The rows of `chunk` that fall in `part`, as positions in its table.
std::vector<size_t> rows_in(const CsvChunk& chunk, Part part, const StreamingOptions& options) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < chunk.rows; ++i)
    if (assign_part(chunk.first_row + i, options.seed, options.test_fraction,
                    options.validation_fraction) == part)
      rows.push_back(i);
  return rows;
}

uint64_t epoch_seed(uint64_t seed, size_t epoch, uint64_t salt) {
  return seed ^ (0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(epoch) + 1)) ^ salt;
}

// One chunk's rows of a part, transformed: x [rows, F] and y [rows] as floats.
struct ChunkRows {
  std::vector<float> x, y;
  size_t rows = 0;
};

// The producer's hand-over: chunks, then an end (or the error that ended it).
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

  // False when the consumer has stopped listening.
  bool push(ChunkRows rows) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || chunks_.size() < capacity_; });
    if (stopped_) return false;
    chunks_.push_back(std::move(rows));
    changed_.notify_all();
    return true;
  }
  void finish(std::exception_ptr error) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    error_ = std::move(error);
    changed_.notify_all();
  }
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }
  // The next chunk; none at the end. Rethrows the producer's error.
  std::optional<ChunkRows> pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !chunks_.empty() || finished_; });
    if (chunks_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return std::nullopt;
    }
    ChunkRows rows = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    return rows;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<ChunkRows> chunks_;
  size_t capacity_;
  bool finished_ = false, stopped_ = false;
  std::exception_ptr error_;
};

}  // namespace

class StreamBatches : public BatchSource {
 public:
  StreamBatches(const StreamingTable& table, Part part, const StreamBatchOptions& options)
      : table_(table),
        part_(part),
        options_(options),
        width_(table.features()),
        classification_(table.target().task == Task::classification),
        // No larger than the part: a buffer that holds every row is a full shuffle already.
        capacity_(options.shuffle ? std::min<size_t>(options.shuffle_rows, rows()) : 0) {
    PLEXUS_CHECK(options.batch_size >= 1, "stream: batch_size must be at least 1");
    buffer_x_.resize(capacity_ * width_);
    buffer_y_.resize(capacity_);
  }
  ~StreamBatches() override { stop(); }

  size_t rows() const override { return static_cast<size_t>(table_.rows(part_)); }
  size_t batch_size() const override { return options_.batch_size; }

  void start_epoch(size_t epoch) override {
    stop();
    const CsvStream& stream = table_.stream();
    // Units of reading: a chunk of a plain file, or a whole compressed file (read in order).
    std::vector<std::pair<size_t, size_t>> units;  // (file, chunk index) or (file, npos)
    std::vector<bool> file_listed(stream.files().size(), false);
    for (size_t i = 0; i < stream.chunks().size(); ++i) {
      const size_t file = stream.chunks()[i].file;
      if (!stream.compressed(file))
        units.emplace_back(file, i);
      else if (!file_listed[file])
        units.emplace_back(file, static_cast<size_t>(-1));
      if (stream.compressed(file)) file_listed[file] = true;
    }
    if (options_.shuffle) {
      Generator generator(epoch_seed(table_.options_.seed, epoch, 0x5eed));
      for (size_t i = units.size(); i > 1; --i)
        std::swap(units[i - 1], units[static_cast<size_t>(generator.below(i))]);
    }
    random_.emplace(epoch_seed(table_.options_.seed, epoch, 0xb0ff));
    buffered_ = 0;
    current_.reset();
    at_ = 0;
    queue_ = std::make_unique<ChunkQueue>(table_.options_.prefetch_chunks);
    producer_ = std::thread([this, units = std::move(units)] { produce(units); });
  }

  std::optional<Batch> next() override {
    PLEXUS_CHECK(queue_ != nullptr, "stream: next() before start_epoch()");
    const size_t b = options_.batch_size;
    Tensor x = Tensor::empty({static_cast<int64_t>(b), static_cast<int64_t>(width_)});
    std::vector<float> y(b);
    size_t count = 0;
    while (count < b) {
      if (current_ && at_ < current_->rows) {
        const float* row = current_->x.data() + at_ * width_;
        const float label = current_->y[at_];
        ++at_;
        if (buffered_ < capacity_) {  // filling the buffer
          std::memcpy(buffer_x_.data() + buffered_ * width_, row, width_ * sizeof(float));
          buffer_y_[buffered_++] = label;
          continue;
        }
        if (capacity_ == 0) {  // no shuffling: rows in file order
          emit(x, y, count++, row, label);
          continue;
        }
        // The buffer is full: a random row of it leaves, the new one takes its place.
        const auto slot = static_cast<size_t>(random_->below(capacity_));
        emit(x, y, count++, buffer_x_.data() + slot * width_, buffer_y_[slot]);
        std::memcpy(buffer_x_.data() + slot * width_, row, width_ * sizeof(float));
        buffer_y_[slot] = label;
        continue;
      }
      if (!input_done_) {
        current_ = queue_->pop();
        at_ = 0;
        if (!current_) input_done_ = true;
        continue;
      }
      if (buffered_ == 0) break;
      // No more input: the buffer empties in random order.
      const auto slot = static_cast<size_t>(random_->below(buffered_));
      emit(x, y, count++, buffer_x_.data() + slot * width_, buffer_y_[slot]);
      --buffered_;
      std::memcpy(buffer_x_.data() + slot * width_, buffer_x_.data() + buffered_ * width_,
                  width_ * sizeof(float));
      buffer_y_[slot] = buffer_y_[buffered_];
    }
    if (count == 0) return std::nullopt;
    const auto n = static_cast<int64_t>(count);
    Batch batch;
    batch.x = count == b ? x : x.slice_rows(0, n).clone();
    batch.y = classification_ ? Tensor::from(std::span<const float>(y.data(), count), {n})
                              : Tensor::from(std::span<const float>(y.data(), count), {n, 1});
    return batch;
  }

 private:
  void emit(Tensor& x, std::vector<float>& y, size_t at, const float* row, float label) const {
    std::memcpy(x.data() + at * width_, row, width_ * sizeof(float));
    y[at] = label;
  }

  void stop() {
    if (queue_) queue_->stop();
    if (producer_.joinable()) producer_.join();
    queue_.reset();
    input_done_ = false;
  }

  void produce(const std::vector<std::pair<size_t, size_t>>& units) {
    const CsvStream& stream = table_.stream();
    bool listening = true;
    const auto deliver = [&](const Table& chunk_table, const CsvChunk& chunk) {
      if (!listening) return;
      const std::vector<size_t> rows = rows_in(chunk, part_, table_.options_);
      if (rows.empty()) return;
      ChunkRows out;
      out.rows = rows.size();
      {
        const Tensor x = table_.preprocessing_.transform(chunk_table, rows);
        out.x.assign(x.data(), x.data() + x.numel());
        const Tensor y = table_.target_.encode(chunk_table, rows);
        out.y.assign(y.data(), y.data() + y.numel());
      }
      if (options_.standardise_target && !classification_)
        for (float& value : out.y)
          value = static_cast<float>((value - table_.target_mean_) / table_.target_std_);
      listening = queue_->push(std::move(out));
    };
    try {
      for (const auto& [file, chunk] : units) {
        if (!listening) break;
        if (chunk == static_cast<size_t>(-1))
          stream.read_file(file, deliver);
        else
          deliver(stream.read(stream.chunks()[chunk]), stream.chunks()[chunk]);
      }
      queue_->finish(nullptr);
    } catch (...) {
      queue_->finish(std::current_exception());
    }
  }

  const StreamingTable& table_;
  Part part_;
  StreamBatchOptions options_;
  size_t width_;
  bool classification_;
  size_t capacity_;
  std::vector<float> buffer_x_, buffer_y_;
  size_t buffered_ = 0;
  std::optional<Generator> random_;
  std::unique_ptr<ChunkQueue> queue_;
  std::thread producer_;
  std::optional<ChunkRows> current_;
  size_t at_ = 0;
  bool input_done_ = false;
};

StreamingTable::StreamingTable(CsvStream stream, const StreamingOptions& options)
    : stream_(std::make_unique<CsvStream>(std::move(stream))), options_(options) {
  PLEXUS_CHECK(options.test_fraction >= 0 && options.validation_fraction >= 0 &&
                   options.test_fraction + options.validation_fraction < 1,
               "stream: the test and validation fractions must leave rows to train on");
  PreprocessingAccumulator fitting(stream_->columns(), options.columns, stream_->name());
  const std::vector<std::string>& columns = stream_->columns();
  const std::string& target_name = options.columns.target;
  int target_column = static_cast<int>(columns.size()) - 1;
  // A regression target's mean and variance over the training rows (Welford), for
  // standardising it; a classification target ignores them.
  double count = 0, mean = 0, m2 = 0;
  stream_->scan([&](const Table& table, const CsvChunk& chunk) {
    if (chunk.first_row == 0 && !target_name.empty())
      target_column = table.column_index(target_name);
    std::vector<size_t> train_rows;
    for (size_t i = 0; i < chunk.rows; ++i) {
      const Part part = assign_part(chunk.first_row + i, options.seed, options.test_fraction,
                                    options.validation_fraction);
      ++rows_[static_cast<size_t>(part)];
      if (part != Part::train) continue;
      train_rows.push_back(i);
      const internal::Cell cell =
          internal::parse_cell(table.cell(i, static_cast<size_t>(target_column)));
      if (cell.kind != internal::CellKind::number) continue;
      const double value = static_cast<float>(cell.value);
      count += 1;
      const double delta = value - mean;
      mean += delta / count;
      m2 += delta * (value - mean);
    }
    fitting.add(table, train_rows);
  });
  PLEXUS_CHECK(rows() > 0, stream_->name(), ": the file is empty (no rows)");
  PLEXUS_CHECK(rows(Part::train) > 0, stream_->name(), ": no training rows among ", rows());
  target_ = fitting.target();
  preprocessing_ = fitting.preprocessing();
  missing_ = fitting.missing_cells();
  target_mean_ = mean;
  target_std_ = count > 0 ? std::sqrt(m2 / count) : 1.0;
  if (!(target_std_ > 0)) target_std_ = 1;
  prepared_.task = target_.task;
  prepared_.classes = target_.classes;
  for (const ColumnInfo& column : preprocessing_.columns())
    if (column.kind != ColumnKind::ignored) prepared_.features.push_back(column.name);
  // No rows in memory: the width alone, which is what a network is built from.
  prepared_.x_train = Tensor::empty({0, static_cast<int64_t>(features())});
  prepared_.preprocessing = preprocessing_;
  prepared_.target = target_;
}

StreamingTable::~StreamingTable() = default;

std::unique_ptr<BatchSource> StreamingTable::batches(Part part,
                                                     const StreamBatchOptions& options) const {
  return std::make_unique<StreamBatches>(*this, part, options);
}

}  // namespace plexus::data
