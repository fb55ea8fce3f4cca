// gradcheck: autograd gradients against central finite differences. Forward values are float32,
// so the loss is accumulated in double and the step is eps ~ 1e-3; that gives about three
// significant digits, plenty to catch a wrong backward.
#include <cmath>
#include <iomanip>
#include <sstream>

#include "plexus/autograd.hpp"
#include "plexus/error.hpp"
#include "plexus/ops.hpp"

namespace plexus {
namespace {

double weighted_sum(const Tensor& y, const Tensor& weights) {
  double total = 0.0;
  for (size_t i = 0; i < y.numel(); ++i)
    total += static_cast<double>(y.data()[i]) * static_cast<double>(weights.data()[i]);
  return total;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  // Leaves of our own, so the caller's tensors and their gradients are untouched.
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) leaves.push_back(t.clone().requires_grad());

  const Tensor probe = f(leaves);
  PLEXUS_CHECK(probe.defined(), "gradcheck: the function returned an empty tensor");
  const Tensor weights = Tensor::rand(probe.shape(), options.seed, -1.0f, 1.0f);
  PLEXUS_CHECK(probe.needs_grad(), "gradcheck: the output does not depend on any input");
  sum(probe * weights).backward();

  GradcheckResult result;
  std::ostringstream report;
  report << std::setprecision(6);
  for (size_t k = 0; k < leaves.size(); ++k) {
    const Tensor analytic = leaves[k].grad();
    float* x = leaves[k].data();
    double worst = 0.0;
    size_t worst_index = 0;
    double worst_analytic = 0.0, worst_numeric = 0.0;
    for (size_t i = 0; i < leaves[k].numel(); ++i) {
      const float saved = x[i];
      double numeric;
      {
        NoGradGuard no_grad;
        x[i] = saved + options.eps;
        const double plus = weighted_sum(f(leaves), weights);
        x[i] = saved - options.eps;
        const double minus = weighted_sum(f(leaves), weights);
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
      if (error > worst || (i == 0 && k >= result.max_relative_error.size())) {
        worst = error;
        worst_index = i;
        worst_analytic = a;
        worst_numeric = numeric;
      }
    }
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

}  // namespace plexus
