// The embedding lookup (px::embedding): rows picked by index, the scatter-add of its gradient,
// and its refusal of indices that are not rows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>
#include <vector>

#include "support/error_of.hpp"

namespace px = plexus;
using px::Tensor;
using px::testing::error_of;
using ::testing::HasSubstr;

TEST(Embedding, PicksTheRowOfEachIndexKeepingTheInputsShape) {
  const Tensor weight = Tensor::from({0, 1, 10, 11, 20, 21}, {3, 2});
  const Tensor y = px::embedding(Tensor::from({2, 0, 1, 2}, {2, 2}), weight);
  ASSERT_EQ(y.shape(), (px::Shape{2, 2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{20, 21, 0, 1, 10, 11, 20, 21}));
}

TEST(Embedding, GradientAddsUpOverRepeatedIndicesAndLeavesUnusedRowsAtZero) {
  const Tensor weight = Tensor::zeros({4, 2}).requires_grad();
  const Tensor y = px::embedding(Tensor::from({1, 3, 1}, {3}), weight);
  y.backward(Tensor::from({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_EQ(weight.grad().to_vector(), (std::vector<float>{0, 0, 6, 8, 0, 0, 3, 4}));
}

TEST(Embedding, RefusesAnIndexThatIsNotARow) {
  const Tensor weight = Tensor::zeros({3, 2});
  for (const float bad : {3.0f, -1.0f, 1.5f, std::nanf("")}) {
    const std::string message = error_of([&] {
      px::embedding(Tensor::from({0, bad}, {2}), weight);
    });
    EXPECT_THAT(message, HasSubstr("embedding: index ")) << bad;
    EXPECT_THAT(message, HasSubstr("from 0 to 2")) << bad;
  }
}
