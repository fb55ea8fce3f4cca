// The primer's perceptron, forward and backward, against the installed library.
#include <cstdio>
#include <plexus/plexus.hpp>
namespace px = plexus;
int main() {
  px::Tensor x = px::Tensor::from({-1.f, 2.f}, {1, 2});
  px::Tensor w = px::Tensor::from({0.5f, -0.3f}, {2, 1}).requires_grad();
  px::Tensor y = px::sigmoid(px::matmul(x, w) + 0.1f);
  y.sum().backward();
  std::printf("y=%.6f dw=%.6f,%.6f\n", y.item(), w.grad().data()[0], w.grad().data()[1]);
}
