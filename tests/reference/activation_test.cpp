// Every activation fixture (tests/reference/fixtures/activations) against plexus: the output and
// the input gradient of a random upstream gradient, at rtol 1e-5 / atol 1e-6. A fixture whose
// activation or attribute this file does not know fails, so new cases cannot be skipped silently.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>
#include <string>

#include "reference/fixture.hpp"

namespace px = plexus;
using px::Tensor;
using px::testing::Fixture;

namespace {

// The activation a fixture names, applied to x; an empty tensor for an unknown name.
Tensor apply(px::testing::TrackedFixture& attrs, const Tensor& x) {
  const std::string name = attrs.string("activation");
  if (name == "sigmoid") return px::sigmoid(x);
  if (name == "tanh") return px::tanh(x);
  if (name == "relu") return px::relu(x);
  if (name == "leaky_relu") return px::leaky_relu(x, attrs.number("slope"));
  if (name == "elu") return px::elu(x, attrs.number("alpha"));
  if (name == "selu") return px::selu(x);
  if (name == "silu") return px::silu(x);
  if (name == "softplus") return px::softplus(x, attrs.number("beta"), attrs.number("threshold"));
  if (name == "softmax") return px::softmax(x, static_cast<int64_t>(attrs.number("axis")));
  if (name == "log_softmax") return px::log_softmax(x, static_cast<int64_t>(attrs.number("axis")));
  if (name == "gelu") {
    const std::string approximate = attrs.string("approximate");
    if (approximate == "none") return px::gelu(x, px::GeluApproximation::none);
    if (approximate == "tanh") return px::gelu(x, px::GeluApproximation::tanh);
    ADD_FAILURE() << "unknown gelu approximation '" << approximate << "'";
    return Tensor();
  }
  ADD_FAILURE() << "unknown activation '" << name << "'";
  return Tensor();
}

}  // namespace

TEST(ActivationReference, EveryFixtureMatchesTorchForwardAndBackward) {
  const std::vector<std::string> names = px::testing::fixture_names("activations");
  ASSERT_GE(names.size(), 18u) << "activation fixtures are missing";
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Fixture fixture = px::testing::load_fixture("activations", name);
    px::testing::TrackedFixture attrs(fixture);
    const Tensor x = fixture.tensor("x").requires_grad();
    const Tensor y = apply(attrs, x);
    attrs.expect_all_attrs_used();
    if (!y.defined()) continue;
    EXPECT_TRUE(px::testing::tensors_close(y, fixture.tensor("y"))) << "forward";
    y.backward(fixture.tensor("dy"));
    EXPECT_TRUE(px::testing::tensors_close(x.grad(), fixture.tensor("dx"))) << "backward";
  }
}
