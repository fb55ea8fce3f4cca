#include "plexus/tensor/shape.hpp"

#include <ostream>
#include <sstream>

namespace plexus {

void Shape::push_back(int64_t d) {
  if (rank_ == kInlineRank) heap_.assign(inline_, inline_ + kInlineRank);
  if (rank_ >= kInlineRank) {
    heap_.push_back(d);
  } else {
    inline_[rank_] = d;
  }
  ++rank_;
}

void Shape::resize(size_t rank, int64_t fill) {
  while (rank_ < rank) push_back(fill);
  if (rank < rank_) {
    if (rank_ > kInlineRank && rank <= kInlineRank) {
      for (size_t i = 0; i < rank; ++i) inline_[i] = heap_[i];
      heap_.clear();
    } else if (rank > kInlineRank) {
      heap_.resize(rank);
    }
    rank_ = rank;
  }
}

std::string Shape::str() const {
  std::ostringstream out;
  out << *this;
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Shape& shape) {
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  return out << ']';
}

}  // namespace plexus
