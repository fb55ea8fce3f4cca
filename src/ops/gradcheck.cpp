// gradcheck: autograd gradients against central finite differences. Forward values are float32,
// so the loss is accumulated in double and the step is eps ~ 1e-3; that gives about three
// significant digits, plenty to catch a wrong backward.
#include <cmath>
#include <iomanip>
#include <sstream>

#include "base/check.hpp"
#include "plexus/ops/elementwise.hpp"
#include "plexus/ops/gradcheck.hpp"
#include "plexus/ops/reduce.hpp"

namespace plexus {
namespace {

double weighted_sum(const Tensor& y, const Tensor& weights) {
  double total = 0.0;
  for (size_t i = 0; i < y.numel(); ++i)
    total += static_cast<double>(y.data()[i]) * static_cast<double>(weights.data()[i]);
  return total;
}

// Compares the gradients that backward() left in leaves[k].grad() with central differences of
// weighted_sum(evaluate(), weights), perturbing each element of each leaf in place.
GradcheckResult compare(const std::vector<Tensor>& leaves, const std::function<Tensor()>& evaluate,
                        const Tensor& weights, const GradcheckOptions& options) {
  GradcheckResult result;
  std::ostringstream report;
  report << std::setprecision(6);
  for (size_t k = 0; k < leaves.size(); ++k) {
    const Tensor analytic = leaves[k].grad();
    Tensor leaf = leaves[k];  // a handle: perturbing its data perturbs the caller's tensor
    float* x = leaf.data();
    double worst = -1.0;
    size_t worst_index = 0;
    double worst_analytic = 0.0, worst_numeric = 0.0;
    for (size_t i = 0; i < leaves[k].numel(); ++i) {
      const float saved = x[i];
      double numeric;
      {
        NoGradGuard no_grad;
        x[i] = saved + options.eps;
        const double plus = weighted_sum(evaluate(), weights);
        x[i] = saved - options.eps;
        const double minus = weighted_sum(evaluate(), weights);
        x[i] = saved;
        // NOTE: divide by the step actually taken in float32, not the nominal eps.
        const double step =
            static_cast<double>(saved + options.eps) - static_cast<double>(saved - options.eps);
        numeric = (plus - minus) / step;
      }
      const double a = analytic.defined() ? analytic.data()[i] : 0.0;
      const double scale = std::max({std::fabs(a), std::fabs(numeric), options.abs_floor});
      const double error = std::isfinite(a) && std::isfinite(numeric)
                               ? std::fabs(a - numeric) / scale
                               : (a == numeric ? 0.0 : INFINITY);
      if (error > worst) {
        worst = error;
        worst_index = i;
        worst_analytic = a;
        worst_numeric = numeric;
      }
    }
    worst = std::max(worst, 0.0);
    result.max_relative_error.push_back(worst);
    const bool ok = worst <= options.tolerance;
    result.ok = result.ok && ok;
    report << "input " << k << " " << leaves[k].shape() << ": worst relative error " << worst
           << " at element " << worst_index << " (analytic " << worst_analytic << ", numeric "
           << worst_numeric << ")" << (ok ? "" : "  <-- FAILS") << "\n";
  }
  result.report = report.str();
  return result;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  // Leaves of our own, so the caller's tensors and their gradients are untouched.
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    PLEXUS_CHECK(t.defined(), "gradcheck: input ", leaves.size(), " is empty");
    leaves.push_back(t.clone().requires_grad());
  }
  const Tensor probe = f(leaves);
  PLEXUS_CHECK(probe.defined(), "gradcheck: the function returned an empty tensor");
  PLEXUS_CHECK(probe.needs_grad(), "gradcheck: the output does not depend on any input");
  const Tensor weights = Tensor::rand(probe.shape(), options.seed, -1.0f, 1.0f);
  sum(probe * weights).backward();
  return compare(
      leaves, [&] { return f(leaves); }, weights, options);
}

GradcheckResult gradcheck(const std::function<Tensor()>& loss,
                          const std::vector<Tensor>& parameters, const GradcheckOptions& options) {
  for (size_t k = 0; k < parameters.size(); ++k)
    PLEXUS_CHECK(parameters[k].defined() && parameters[k].is_leaf() && parameters[k].needs_grad(),
                 "gradcheck: parameter ", k, " is not a leaf that requires grad");
  // The parameters' own gradients are set aside and put back afterwards.
  std::vector<Tensor> saved_grads;
  for (const Tensor& p : parameters) {
    saved_grads.push_back(p.grad());
    p.zero_grad();
  }
  struct Restore {
    const std::vector<Tensor>& parameters;
    const std::vector<Tensor>& grads;
    ~Restore() {
      for (size_t k = 0; k < parameters.size(); ++k) parameters[k].set_grad(grads[k]);
    }
  } restore{parameters, saved_grads};
  const Tensor probe = loss();
  PLEXUS_CHECK(probe.defined(), "gradcheck: the function returned an empty tensor");
  PLEXUS_CHECK(probe.needs_grad(), "gradcheck: the output does not depend on any parameter");
  const Tensor weights = Tensor::rand(probe.shape(), options.seed, -1.0f, 1.0f);
  sum(probe * weights).backward();
  return compare(parameters, loss, weights, options);
}

}  // namespace plexus
