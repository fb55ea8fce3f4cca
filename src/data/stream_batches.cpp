// StreamBatches, the source of one part's batches of a StreamingTable. Each lane this process
// reads has a LaneReader: a producer thread reads its units (in the epoch's order: a CSV's
// chunks or a .npy's rows), keeps the part's rows, transforms them and hands them over through a
// bounded queue, and the training thread draws the lane's rows from its shuffle buffer. Every
// process schedules every lane's share of each batch the same way (from the lanes' row counts
// alone) and fills only its own lanes' shares. Rows cross the queue as plain floats, so each
// thread's tensor blocks stay in its own cache (tensor/storage.hpp).
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/data/streaming.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::data {

namespace {

uint64_t epoch_seed(uint64_t seed, size_t epoch, uint64_t salt) {
  return seed ^ (0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(epoch) + 1)) ^ salt;
}

// One unit's rows of a part, transformed: x [rows, F] and y [rows] as floats.
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

// One lane's rows of a part in one epoch: its units in the epoch's order, read ahead on a thread,
// through the lane's shuffle buffer (capacity 0: in unit order).
class LaneReader {
 public:
  LaneReader(const StreamingTable& table, Part part, size_t lane, const StreamBatchOptions& options,
             size_t capacity, size_t epoch)
      : table_(table),
        part_(part),
        options_(options),
        width_(table.features()),
        capacity_(capacity),
        buffer_x_(capacity * width_),
        buffer_y_(capacity),
        random_(epoch_seed(table.options_.seed, epoch, 0xb0ff + 0x100 * lane)),
        queue_(table.options_.prefetch_chunks) {
    std::vector<size_t> units;
    for (size_t unit = lane; unit < table.unit_count_; unit += table.options_.lanes)
      units.push_back(unit);
    if (options.shuffle) {
      Generator generator(epoch_seed(table.options_.seed, epoch, 0x5eed + 0x100 * lane));
      for (size_t i = units.size(); i > 1; --i)
        std::swap(units[i - 1], units[static_cast<size_t>(generator.below(i))]);
    }
    producer_ = std::thread([this, units = std::move(units)] {
      try {
        if (table_.npy_)
          produce_npy(units);
        else
          produce_csv(units);
        queue_.finish(nullptr);
      } catch (const std::exception& e) {
        queue_.finish(std::make_exception_ptr(Error(table_.located(e))));
      }
    });
  }
  ~LaneReader() {
    queue_.stop();
    producer_.join();
  }
  LaneReader(const LaneReader&) = delete;
  LaneReader& operator=(const LaneReader&) = delete;

  // The lane's next row into `x`, `y` (the schedule asks only for rows the lane has).
  void next_row(float* x, float& y) {
    while (true) {
      if (current_ && at_ < current_->rows) {
        const float* row = current_->x.data() + at_ * width_;
        const float label = current_->y[at_++];
        if (buffered_ < capacity_) {  // filling the buffer
          std::memcpy(buffer_x_.data() + buffered_ * width_, row, width_ * sizeof(float));
          buffer_y_[buffered_++] = label;
          continue;
        }
        if (capacity_ == 0) {  // no shuffling: rows in unit order
          std::memcpy(x, row, width_ * sizeof(float));
          y = label;
          return;
        }
        // The buffer is full: a random row of it leaves, the new one takes its place.
        const auto slot = static_cast<size_t>(random_.below(capacity_));
        std::memcpy(x, buffer_x_.data() + slot * width_, width_ * sizeof(float));
        y = buffer_y_[slot];
        std::memcpy(buffer_x_.data() + slot * width_, row, width_ * sizeof(float));
        buffer_y_[slot] = label;
        return;
      }
      if (!input_done_) {
        current_ = queue_.pop();
        at_ = 0;
        if (!current_) input_done_ = true;
        continue;
      }
      PLEXUS_CHECK(buffered_ > 0, table_.name(),
                   ": fewer rows than when it was first read (the file changed during training?)");
      // No more input: the buffer empties in random order.
      const auto slot = static_cast<size_t>(random_.below(buffered_));
      std::memcpy(x, buffer_x_.data() + slot * width_, width_ * sizeof(float));
      y = buffer_y_[slot];
      --buffered_;
      std::memcpy(buffer_x_.data() + slot * width_, buffer_x_.data() + buffered_ * width_,
                  width_ * sizeof(float));
      buffer_y_[slot] = buffer_y_[buffered_];
      return;
    }
  }

 private:
  // A unit's transformed rows of the part to the queue; false when the consumer stopped.
  bool hand_over(ChunkRows rows) {
    if (options_.standardise_target && table_.target().task == Task::regression)
      for (float& value : rows.y)
        value = static_cast<float>((value - table_.target_mean_) / table_.target_std_);
    return queue_.push(std::move(rows));
  }

  bool in_part(size_t unit, uint64_t row) const {
    return assign_part(stream_row_key(unit, row), table_.options_.seed,
                       table_.options_.test_fraction, table_.options_.validation_fraction) == part_;
  }

  void produce_csv(const std::vector<size_t>& units) {
    const CsvStream& stream = *table_.stream_;
    for (const size_t unit : units) {
      bool listening = true;
      uint64_t rows = 0;
      table_.bytes_read_ +=
          stream.read_unit(table_.units_[unit], [&](const Table& chunk, uint64_t first) {
            rows += chunk.rows();
            if (!listening) return;
            std::vector<size_t> kept;
            for (size_t i = 0; i < chunk.rows(); ++i)
              if (in_part(unit, first + i)) kept.push_back(i);
            if (kept.empty()) return;
            ChunkRows out;
            out.rows = kept.size();
            {
              const Tensor x = table_.preprocessing_.transform(chunk, kept);
              out.x.assign(x.data(), x.data() + x.numel());
              const Tensor y = table_.target_.encode(chunk, kept);
              out.y.assign(y.data(), y.data() + y.numel());
            }
            listening = hand_over(std::move(out));
          });
      if (!listening) return;
      PLEXUS_CHECK(rows == table_.unit_rows_[unit], stream.name(),
                   ": the rows changed since the file was first read");
    }
  }

  // A .npy's rows as prepare_arrays gives them: every value times the scale, a class label as
  // its index.
  void produce_npy(const std::vector<size_t>& units) {
    const NpyStream& stream = *table_.npy_;
    const float scale = table_.prepared_.scale;
    const std::vector<float>& classes = table_.label_values_;
    std::vector<float> x, y;
    for (const size_t unit : units) {
      table_.bytes_read_ += stream.read_unit(unit, x, y);
      ChunkRows out;
      out.x.reserve(x.size());
      out.y.reserve(y.size());
      for (size_t i = 0; i < y.size(); ++i) {
        if (!in_part(unit, i)) continue;
        const float* row = x.data() + i * width_;
        for (size_t j = 0; j < width_; ++j)
          out.x.push_back(scale == 1.0f ? row[j] : row[j] * scale);
        float label = y[i];
        if (!classes.empty()) {
          const auto at = std::lower_bound(classes.begin(), classes.end(), label);
          PLEXUS_CHECK(at != classes.end() && *at == label, stream.files()[1], ": label ",
                       number_text(label), " of row ", stream.unit_range(unit).first + i,
                       " was not in the file when it was first read (the file changed?)");
          label = static_cast<float>(at - classes.begin());
        }
        out.y.push_back(label);
        ++out.rows;
      }
      if (out.rows > 0 && !hand_over(std::move(out))) return;
    }
  }

  const StreamingTable& table_;
  Part part_;
  const StreamBatchOptions& options_;
  size_t width_;
  size_t capacity_;
  std::vector<float> buffer_x_, buffer_y_;
  size_t buffered_ = 0;
  Generator random_;
  ChunkQueue queue_;
  std::thread producer_;
  std::optional<ChunkRows> current_;
  size_t at_ = 0;
  bool input_done_ = false;
};

class StreamBatches : public BatchSource {
 public:
  StreamBatches(const StreamingTable& table, Part part, const StreamBatchOptions& options)
      : table_(table),
        part_(part),
        options_(options),
        width_(table.features()),
        classification_(table.target().task == Task::classification),
        lanes_(table.options_.lanes) {
    PLEXUS_CHECK(options.batch_size >= 1, "stream: batch_size must be at least 1");
    for (size_t lane = 0; lane < lanes_; ++lane) lane_rows_.push_back(table.rows(part, lane));
  }

  size_t rows() const override { return static_cast<size_t>(table_.rows(part_)); }
  size_t batch_size() const override { return options_.batch_size; }

  void start_epoch(size_t epoch) override {
    readers_.clear();
    const auto [first, last] = table_.own_lanes();
    // A lane's buffer holds its share of the rows, and no more than the lane's rows (a buffer
    // that holds every row is a full shuffle already).
    const size_t share = options_.shuffle ? std::max<size_t>(options_.shuffle_rows / lanes_, 1) : 0;
    for (size_t lane = first; lane < last; ++lane)
      readers_.push_back(std::make_unique<LaneReader>(
          table_, part_, lane, options_,
          std::min<size_t>(share, static_cast<size_t>(lane_rows_[lane])), epoch));
    scheduled_.assign(lanes_, 0);
    emitted_ = 0;
  }

  std::optional<Batch> next() override {
    PLEXUS_CHECK(scheduled_.size() == lanes_, "stream: next() before start_epoch()");
    if (emitted_ == rows()) return std::nullopt;
    // The batch's rows: one at a time, from the lane furthest behind its even pace through the
    // epoch (the j-th of a lane's n rows is due at (j + 0.5) / n), ties to the lower lane; the
    // same on every process.
    std::vector<size_t> take(lanes_, 0);
    for (size_t k = 0; k < options_.batch_size && emitted_ < rows(); ++k, ++emitted_) {
      size_t pick = lanes_;
      double due = 0;
      for (size_t lane = 0; lane < lanes_; ++lane) {
        if (scheduled_[lane] == lane_rows_[lane]) continue;
        const double at =
            (static_cast<double>(scheduled_[lane]) + 0.5) / static_cast<double>(lane_rows_[lane]);
        if (pick == lanes_ || at < due) pick = lane, due = at;
      }
      ++scheduled_[pick];
      ++take[pick];
    }
    // This process's rows: its lanes' shares, in lane order.
    const auto [first, last] = table_.own_lanes();
    size_t offset = 0, global = 0, mine = 0;
    for (size_t lane = 0; lane < lanes_; ++lane) {
      if (lane < first) offset += take[lane];
      if (lane >= first && lane < last) mine += take[lane];
      global += take[lane];
    }
    const auto n = static_cast<int64_t>(mine);
    Tensor x = Tensor::empty({n, static_cast<int64_t>(width_)});
    std::vector<float> y(mine);
    size_t at = 0;
    for (size_t lane = first; lane < last; ++lane)
      for (size_t i = 0; i < take[lane]; ++i, ++at)
        readers_[lane - first]->next_row(x.data() + at * width_, y[at]);
    if (table_.options_.share.processes > 1) share_ = BatchShare{offset, global};
    Batch batch;
    batch.x = x;
    batch.y = classification_ ? Tensor::from(std::span<const float>(y.data(), mine), {n})
                              : Tensor::from(std::span<const float>(y.data(), mine), {n, 1});
    return batch;
  }

  std::optional<BatchShare> share() const override { return share_; }

 private:
  const StreamingTable& table_;
  Part part_;
  StreamBatchOptions options_;
  size_t width_;
  bool classification_;
  size_t lanes_;
  std::vector<uint64_t> lane_rows_;
  std::vector<std::unique_ptr<LaneReader>> readers_;
  std::vector<uint64_t> scheduled_;
  size_t emitted_ = 0;
  std::optional<BatchShare> share_;
};

std::unique_ptr<BatchSource> StreamingTable::batches(Part part,
                                                     const StreamBatchOptions& options) const {
  return std::make_unique<StreamBatches>(*this, part, options);
}

}  // namespace plexus::data
