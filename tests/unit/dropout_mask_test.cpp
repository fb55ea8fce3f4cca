// Dropout's mask is defined by the global row: a shard of a batch, told where it starts, draws
// the rows of the whole batch's mask (what makes data-parallel training match one process).
#include <gtest/gtest.h>

#include <plexus/ops/dropout.hpp>
#include <plexus/plexus.hpp>

namespace px = plexus;
using px::Tensor;

namespace {

TEST(DropoutMask, AShardDrawsTheRowsOfTheWholeBatch) {
  const Tensor x = Tensor::randn({10, 7}, 1);
  px::Generator whole_generator(5), shard_generator(5);
  const Tensor whole = px::dropout(x, 0.5f, whole_generator);
  Tensor shard;
  {
    const px::BatchRowOffsetGuard at(6);
    EXPECT_EQ(px::batch_row_offset(), 6);
    shard = px::dropout(x.slice_rows(6, 10), 0.5f, shard_generator);
  }
  EXPECT_EQ(px::batch_row_offset(), 0);
  EXPECT_EQ(shard.to_vector(), whole.slice_rows(6, 10).to_vector());
}

TEST(DropoutMask, RowsAndCallsDrawDifferentMasks) {
  const Tensor x = Tensor::ones({2000, 50});
  px::Generator generator(9);
  const auto first = px::dropout(x, 0.3f, generator).to_vector();
  const auto second = px::dropout(x, 0.3f, generator).to_vector();
  EXPECT_NE(first, second);
  size_t dropped = 0, same_as_next_row = 0, same_as_next_column = 0, columns = 0;
  for (size_t i = 0; i < first.size(); ++i) {
    dropped += first[i] == 0.0f;
    if (i + 50 < first.size()) same_as_next_row += first[i] == first[i + 50];
    if (i % 50 != 49) {
      same_as_next_column += first[i] == first[i + 1];
      ++columns;
    }
  }
  const double n = static_cast<double>(first.size());
  EXPECT_NEAR(static_cast<double>(dropped) / n, 0.3, 0.01);
  // Independent rows agree with probability 0.3^2 + 0.7^2 = 0.58.
  EXPECT_NEAR(static_cast<double>(same_as_next_row) / n, 0.58, 0.01);
  // The columns of a row are independent draws too.
  EXPECT_NEAR(static_cast<double>(same_as_next_column) / static_cast<double>(columns), 0.58, 0.01);
}

}  // namespace
