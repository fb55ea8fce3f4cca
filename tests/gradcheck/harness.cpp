// Runs every registered case through px::gradcheck, and checks that every op has a case.
#include "gradcheck/harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "autograd/op.hpp"

namespace plexus::testing {

namespace {
std::vector<GradcheckCase>& table() {
  static std::vector<GradcheckCase> cases;
  return cases;
}

std::vector<Tensor> make_inputs(const GradcheckCase& c, uint64_t seed) {
  if (c.make_inputs) return c.make_inputs();
  std::vector<Tensor> inputs;
  for (const Shape& shape : c.shapes) {
    Tensor t = c.low ? Tensor::rand(shape, seed, *c.low, *c.high) : Tensor::randn(shape, seed);
    if (c.avoid_kink_at)
      for (size_t i = 0; i < t.numel(); ++i) {
        float& v = t.data()[i];
        const float d = v - *c.avoid_kink_at;
        if (std::fabs(d) < 0.05f) v = *c.avoid_kink_at + (d < 0 ? -0.05f : 0.05f) + d;
      }
    inputs.push_back(t);
    ++seed;
  }
  return inputs;
}
}  // namespace

bool register_gradcheck(std::vector<GradcheckCase> cases) {
  for (GradcheckCase& c : cases) table().push_back(std::move(c));
  return true;
}

const std::vector<GradcheckCase>& gradcheck_cases() { return table(); }

TEST(Gradcheck, EveryOpMatchesFiniteDifferences) {
  ASSERT_FALSE(gradcheck_cases().empty());
  for (const GradcheckCase& c : gradcheck_cases()) {
    SCOPED_TRACE(c.name);
    const std::vector<Tensor> all = make_inputs(c, 1234);
    // Constant inputs are closed over; the checker varies the others.
    std::vector<size_t> varied;
    for (size_t i = 0; i < all.size(); ++i)
      if (std::find(c.constant_inputs.begin(), c.constant_inputs.end(), i) ==
          c.constant_inputs.end())
        varied.push_back(i);
    std::vector<Tensor> checked;
    for (size_t i : varied) checked.push_back(all[i]);
    auto f = [&](const std::vector<Tensor>& in) {
      std::vector<Tensor> full = all;
      for (size_t k = 0; k < varied.size(); ++k) full[varied[k]] = in[k];
      return c.f(full);
    };
    const GradcheckResult result = gradcheck(f, checked, {.eps = c.eps, .tolerance = c.tolerance});
    EXPECT_TRUE(result.ok) << c.name << "\n" << result.report;
  }
}

TEST(Gradcheck, EveryOpHasACase) {
  std::set<std::string> covered;
  for (const GradcheckCase& c : gradcheck_cases()) covered.insert(c.ops.begin(), c.ops.end());
  for (size_t i = 1; i < autograd::kOpCount; ++i) {
    const std::string name(autograd::kOpNames[i]);
    EXPECT_TRUE(covered.count(name)) << "op '" << name << "' has no gradient check";
  }
}

}  // namespace plexus::testing
