// px::Shape: the sizes of a tensor's dimensions. A small vector of int64_t that keeps up to four
// dimensions inline, so building a shape per op never touches the heap for the ranks networks use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace plexus {

class Shape {
 public:
  static constexpr size_t kInlineRank = 4;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(std::span<const int64_t> dims) { assign(dims.data(), dims.size()); }
  Shape(const Shape& other) { assign(other.data(), other.size()); }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.data(), other.size());
    return *this;
  }

  size_t size() const { return rank_; }
  size_t rank() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  const int64_t* data() const { return rank_ <= kInlineRank ? inline_ : heap_.data(); }
  int64_t* data() { return rank_ <= kInlineRank ? inline_ : heap_.data(); }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + rank_; }
  int64_t operator[](size_t i) const { return data()[i]; }
  int64_t& operator[](size_t i) { return data()[i]; }
  int64_t back() const { return data()[rank_ - 1]; }

  /// Product of the dimensions; 1 for a scalar (rank 0).
  size_t numel() const {
    size_t n = 1;
    for (int64_t d : *this) n *= static_cast<size_t>(d);
    return n;
  }

  void push_back(int64_t d);
  void resize(size_t rank, int64_t fill = 1);

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (size_t i = 0; i < a.rank_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  /// "[128, 784]"
  std::string str() const;

 private:
  // Inline: shapes are copied for every op, and the common case is four stores.
  void assign(const int64_t* dims, size_t rank) {
    if (rank > kInlineRank) [[unlikely]] {
      heap_.assign(dims, dims + rank);
    } else {
      for (size_t i = 0; i < rank; ++i) inline_[i] = dims[i];
      if (!heap_.empty()) heap_.clear();
    }
    rank_ = rank;
  }

  size_t rank_ = 0;
  int64_t inline_[kInlineRank] = {};
  std::vector<int64_t> heap_;  // used only above kInlineRank dimensions
};

std::ostream& operator<<(std::ostream& out, const Shape& shape);

}  // namespace plexus
