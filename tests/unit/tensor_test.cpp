// Tensor creation, inspection, views and the errors of misuse.
#include <gtest/gtest.h>

#include <cmath>

#include <plexus/plexus.hpp>
#include <type_traits>

namespace px = plexus;
using px::Tensor;

TEST(Shape, KeepsUpToFourDimensionsInline) {
  static_assert(sizeof(px::Shape) < 128);
  px::Shape s{128, 784};
  EXPECT_EQ(s.rank(), 2u);
  EXPECT_EQ(s.numel(), 128u * 784u);
  EXPECT_EQ(s.str(), "[128, 784]");
  px::Shape big{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(big.numel(), 720u);
  EXPECT_EQ(big[5], 6);
  int64_t product = 1;
  for (int64_t d : big) product *= d;
  EXPECT_EQ(product, 720);
  EXPECT_EQ(px::Shape{}.numel(), 1u);
}

TEST(Tensor, FromValuesKeepsRowMajorOrder) {
  const Tensor t = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.shape(), (px::Shape{2, 3}));
  EXPECT_EQ(t.at({1, 0}), 4.f);
  EXPECT_EQ(t.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const std::vector<float> values{7, 8};
  EXPECT_EQ(Tensor::from(values, {2}).at({1}), 8.f);
}

TEST(Tensor, FactoriesFillAsNamed) {
  EXPECT_EQ(Tensor::zeros({2, 2}).to_vector(), std::vector<float>(4, 0.f));
  EXPECT_EQ(Tensor::ones({3}).to_vector(), std::vector<float>(3, 1.f));
  EXPECT_EQ(Tensor::full({2}, 2.5f).to_vector(), std::vector<float>(2, 2.5f));
  EXPECT_EQ(Tensor::arange(4).to_vector(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(Tensor::arange(1, 2, 0.25f).to_vector(), (std::vector<float>{1, 1.25f, 1.5f, 1.75f}));
  EXPECT_EQ(Tensor::scalar(3.f).item(), 3.f);
}

TEST(Tensor, RandomFactoriesRepeatForTheSameSeed) {
  EXPECT_EQ(Tensor::randn({50}, 7).to_vector(), Tensor::randn({50}, 7).to_vector());
  EXPECT_NE(Tensor::randn({50}, 7).to_vector(), Tensor::randn({50}, 8).to_vector());
  const Tensor u = Tensor::rand({10000}, 1, -2.f, 3.f);
  EXPECT_GE(px::min(u).item(), -2.f);
  EXPECT_LT(px::max(u).item(), 3.f);
  EXPECT_NEAR(u.mean().item(), 0.5f, 0.05f);
  const Tensor n = Tensor::randn({20000}, 3, 1.f, 2.f);
  EXPECT_NEAR(n.mean().item(), 1.f, 0.05f);
  EXPECT_NEAR(std::sqrt(px::mean(px::square(n - 1.f)).item()), 2.f, 0.05f);
}

TEST(Tensor, CopiesShareStorageAndCloneDoesNot) {
  Tensor a = Tensor::zeros({3});
  Tensor b = a;
  b.data()[0] = 5.f;
  EXPECT_EQ(a.data()[0], 5.f);
  Tensor c = a.clone();
  c.data()[1] = 1.f;
  EXPECT_EQ(a.data()[1], 0.f);
}

TEST(Tensor, ReshapeAndSliceRowsAreViews) {
  Tensor a = Tensor::arange(12).reshape({3, 4});
  EXPECT_EQ(a.shape(), (px::Shape{3, 4}));
  EXPECT_EQ(a.reshape({-1, 6}).shape(), (px::Shape{2, 6}));
  Tensor rows = a.slice_rows(1, 3);
  EXPECT_EQ(rows.shape(), (px::Shape{2, 4}));
  EXPECT_EQ(rows.at({0, 0}), 4.f);
  rows.data()[0] = -1.f;
  EXPECT_EQ(a.at({1, 0}), -1.f);
}

TEST(Tensor, TransposeSwapsIndices) {
  const Tensor a = Tensor::arange(6).reshape({2, 3});
  const Tensor t = a.transpose();
  EXPECT_EQ(t.shape(), (px::Shape{3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(t.at({j, i}), a.at({i, j}));
}

TEST(Tensor, DefaultConstructedIsEmptyAndAssignable) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW(t.shape(), px::Error);
  EXPECT_THROW(t + t, px::Error);
  t = Tensor::ones({2});
  EXPECT_TRUE(t.defined());
}

TEST(Tensor, MisuseThrowsClearErrors) {
  const Tensor a = Tensor::ones({2, 3});
  EXPECT_THROW(a.item(), px::Error);
  EXPECT_THROW(a.slice_rows(1, 3), px::Error);
  EXPECT_THROW(a.reshape({4, 2}), px::Error);
  EXPECT_THROW(Tensor::from({1, 2, 3}, {2, 2}), px::Error);
  EXPECT_THROW(Tensor::zeros({2, -1}), px::Error);
  EXPECT_THROW(Tensor::zeros({int64_t{1} << 32, int64_t{1} << 32}), px::Error);  // overflow
  EXPECT_THROW(a.at({2, 0}), px::Error);
  try {
    (void)a.item();
  } catch (const px::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
  }
}

TEST(Threads, OneSettingForBlasAndPlexus) {
  const int before = px::num_threads();
  px::set_num_threads(1);
  EXPECT_EQ(px::num_threads(), 1);
  px::set_num_threads(before);
  EXPECT_THROW(px::set_num_threads(0), px::Error);
}
