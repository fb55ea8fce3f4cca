// io::BatchedModel: callers on many threads each get the outputs of their own rows, whether their
// rows shared a forward pass with others' or not, and a failing pass reaches every caller in it.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "plexus/io/batched_model.hpp"
#include "plexus/nn/activation.hpp"
#include "plexus/nn/linear.hpp"

namespace px = plexus;

namespace {

px::io::Model small_model() {
  px::io::Model model;
  model.network.push_back(px::nn::Linear(3, 8, true, 1));
  model.network.push_back(px::nn::ReLU());
  model.network.push_back(px::nn::Linear(8, 2, true, 2));
  return model;
}

}  // namespace

TEST(BatchedModel, EveryCallerGetsItsOwnRowsOutputs) {
  px::io::Model model = small_model();
  std::vector<px::Tensor> inputs, expected;
  for (int i = 0; i < 16; ++i) {
    inputs.push_back(px::Tensor::randn({1 + i % 5, 3}, 100 + i));
    expected.push_back(model.forward(inputs.back()));
  }
  std::vector<px::Tensor> outputs(inputs.size());
  {
    px::io::BatchedModel batched(model, /*max_rows=*/7);
    std::vector<std::thread> callers;
    for (size_t i = 0; i < inputs.size(); ++i)
      callers.emplace_back([&, i] { outputs[i] = batched.forward(inputs[i]); });
    for (auto& caller : callers) caller.join();
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(outputs[i].shape(), expected[i].shape()) << "caller " << i;
    for (size_t k = 0; k < outputs[i].numel(); ++k)
      EXPECT_NEAR(outputs[i].data()[k], expected[i].data()[k], 1e-6) << "caller " << i;
  }
}

TEST(BatchedModel, AForwardErrorReachesTheCaller) {
  px::io::Model model = small_model();
  px::io::BatchedModel batched(model);
  EXPECT_THROW(batched.forward(px::Tensor::zeros({2, 5})), px::Error);  // 5 features, not 3
  EXPECT_EQ(batched.forward(px::Tensor::zeros({2, 3})).shape(), (px::Shape{2, 2}));
}
