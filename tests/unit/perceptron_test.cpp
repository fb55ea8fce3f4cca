// The primer's perceptron (§1, figure 4): one Linear(2, 1) neuron and a sigmoid, fed x = (-1, 2),
// with its weights set by hand and every number worked out by hand below.
#include <gtest/gtest.h>

#include <cmath>
#include <plexus/plexus.hpp>

namespace px = plexus;
using px::Tensor;

// w = (0.5, 1.0), b = -0.5, x = (-1, 2):
//   z = w . x + b = 0.5 * (-1) + 1.0 * 2 - 0.5 = 1.0
//   y = sigmoid(z) = 1 / (1 + e^-1) = 0.7310586
// Back-propagating dy/dy = 1 through y = sigmoid(z):
//   dy/dz = y (1 - y) = 0.7310586 * 0.2689414 = 0.1966119
//   dy/dw = dy/dz * x = (-0.1966119, 0.3932239)
//   dy/db = dy/dz     =  0.1966119
//   dy/dx = dy/dz * w = ( 0.0983060, 0.1966119)
TEST(Perceptron, PrimerExampleWorkedByHand) {
  px::nn::Linear neuron(2, 1);
  const float w[] = {0.5f, 1.0f};
  std::copy_n(w, 2, neuron.weight.data());
  neuron.bias.data()[0] = -0.5f;
  // The Sequential's copy of `neuron` shares its tensors, as copies of a Tensor do.
  px::nn::Sequential perceptron{neuron, px::nn::Sigmoid()};

  const Tensor x = Tensor::from({-1.f, 2.f}, {1, 2}).requires_grad();
  const Tensor z = neuron(x);
  EXPECT_FLOAT_EQ(z.item(), 1.0f);
  const Tensor y = perceptron(x);
  EXPECT_NEAR(y.item(), 0.7310586f, 1e-6f);
  EXPECT_FLOAT_EQ(y.item(), 1.0f / (1.0f + std::exp(-1.0f)));

  y.backward();
  EXPECT_NEAR(neuron.weight.grad().at({0, 0}), -0.1966119f, 1e-6f);
  EXPECT_NEAR(neuron.weight.grad().at({0, 1}), 0.3932239f, 1e-6f);
  EXPECT_NEAR(neuron.bias.grad().item(), 0.1966119f, 1e-6f);
  EXPECT_NEAR(x.grad().at({0, 0}), 0.0983060f, 1e-6f);
  EXPECT_NEAR(x.grad().at({0, 1}), 0.1966119f, 1e-6f);
}
