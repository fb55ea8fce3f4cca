// The primer's activation functions (§ activation functions, figure 2): f and f' for sigmoid,
// tanh, relu and the others, f' taken by autograd. Checks the ranges the primer states: sigmoid
// in [0, 1] with f' in [0, 0.25]; tanh in [-1, 1] with f' in [0, 1]; relu' is 0 or 1.
// Usage: activations [--out DIR] [--full]
#include <algorithm>
#include <functional>

#include "common.hpp"

namespace px = plexus;
using primer::claim;

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);
  const size_t points = args.full ? 2001 : 401;
  const float lo = -6.f, hi = 6.f;

  struct Activation {
    std::string name;
    std::function<px::Tensor(const px::Tensor&)> f;
  };
  const std::vector<Activation> activations = {
      {"sigmoid", [](const px::Tensor& x) { return px::sigmoid(x); }},
      {"tanh", [](const px::Tensor& x) { return px::tanh(x); }},
      {"relu", [](const px::Tensor& x) { return px::relu(x); }},
      {"leaky_relu", [](const px::Tensor& x) { return px::leaky_relu(x, 0.1f); }},
      {"elu", [](const px::Tensor& x) { return px::elu(x); }},
      {"gelu", [](const px::Tensor& x) { return px::gelu(x); }},
      {"silu", [](const px::Tensor& x) { return px::silu(x); }},
      {"softplus", [](const px::Tensor& x) { return px::softplus(x); }},
  };

  px::plot::Figure values, derivatives;
  values.title("activation functions f(x)").xlabel("x").ylabel("f(x)").ylim(-1.5, 3);
  derivatives.title("their derivatives f'(x), by autograd").xlabel("x").ylabel("f'(x)");
  std::printf("%-10s  %9s %9s  %9s %9s\n", "", "min f", "max f", "min f'", "max f'");
  for (const Activation& a : activations) {
    const px::Tensor x =
        px::Tensor::arange(lo, hi + 1e-4f, (hi - lo) / (points - 1)).requires_grad();
    const px::Tensor y = a.f(x);
    y.sum().backward();  // each y_i depends on x_i alone, so d(sum y)/dx_i = f'(x_i)
    const std::vector<double> xs = primer::to_doubles(x), fs = primer::to_doubles(y),
                              ds = primer::to_doubles(x.grad());
    const auto [fmin, fmax] = std::minmax_element(fs.begin(), fs.end());
    const auto [dmin, dmax] = std::minmax_element(ds.begin(), ds.end());
    std::printf("%-10s  %9.4f %9.4f  %9.4f %9.4f\n", a.name.c_str(), *fmin, *fmax, *dmin, *dmax);
    if (a.name == "sigmoid" || a.name == "tanh" || a.name == "relu") {
      claim((a.name + "_min").c_str(), *fmin);
      claim((a.name + "_max").c_str(), *fmax);
      claim((a.name + "_dmin").c_str(), *dmin);
      claim((a.name + "_dmax").c_str(), *dmax);
    }
    if (a.name == "relu") {
      const bool only_0_or_1 =
          std::all_of(ds.begin(), ds.end(), [](double d) { return d == 0.0 || d == 1.0; });
      claim("relu_d_is_0_or_1", only_0_or_1 ? 1 : 0);
    }
    values.line({a.name, xs, fs});
    derivatives.line({a.name, xs, ds});
  }
  primer::save(values, args, "activations");
  primer::save(derivatives, args, "activations_derivative");
  return 0;
}
