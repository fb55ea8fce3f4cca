// The primer's perceptron, y = sigmoid(w . x + b), trained by gradient descent on a toy task:
// learn logical AND of two inputs. Prints the forward pass for the primer's x = (-1, 2), then the
// loss falling as the weights learn.
#include <cstdio>
#include <plexus/plexus.hpp>

namespace px = plexus;

int main() {
  px::Tensor w = px::Tensor::from({0.5f, -0.3f}, {2, 1}).requires_grad();
  px::Tensor b = px::Tensor::from({0.1f}, {1}).requires_grad();

  // Forward pass, step by step, for the primer's input x = (-1, 2).
  const px::Tensor x = px::Tensor::from({-1.f, 2.f}, {1, 2});
  const px::Tensor z = px::matmul(x, w) + b;
  const px::Tensor y = 1.f / (1.f + px::exp(-z));
  std::printf("x = (-1, 2), w = (0.5, -0.3), b = 0.1\n");
  std::printf("z = w.x + b = %.4f\ny = sigmoid(z) = %.4f\n", z.item(), y.item());

  // Training: four samples of AND, squared error, full-batch gradient descent.
  const px::Tensor inputs = px::Tensor::from({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const px::Tensor targets = px::Tensor::from({0, 0, 0, 1}, {4, 1});
  const float learning_rate = 2.0f;
  for (int epoch = 0; epoch <= 2000; ++epoch) {
    const px::Tensor p = 1.f / (1.f + px::exp(-(px::matmul(inputs, w) + b)));
    const px::Tensor loss = px::mean(px::square(p - targets));
    loss.backward();
    {
      px::NoGradGuard no_grad;
      for (px::Tensor param : {w, b}) {
        for (size_t i = 0; i < param.numel(); ++i)
          param.data()[i] -= learning_rate * param.grad().data()[i];
        param.zero_grad();
      }
    }
    if (epoch % 400 == 0) std::printf("epoch %4d  loss %.5f\n", epoch, loss.item());
  }
  px::NoGradGuard no_grad;
  const px::Tensor p = 1.f / (1.f + px::exp(-(px::matmul(inputs, w) + b)));
  std::printf("AND predictions: %.3f %.3f %.3f %.3f\n", p.data()[0], p.data()[1], p.data()[2],
              p.data()[3]);
  return 0;
}
