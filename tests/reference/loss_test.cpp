// Every loss fixture (tests/reference/fixtures/losses) against plexus: the loss and the gradient
// of its first input, at rtol 1e-5 / atol 1e-6. The BCE clamp cases have gradients of +-1e12 / N;
// they pass at the same bounds (rtol dominates there). A fixture whose loss, option or tensor
// this file does not know fails, so new cases cannot be skipped silently.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>
#include <string>

#include "reference/fixture.hpp"

namespace px = plexus;
namespace loss = plexus::loss;
using px::Tensor;
using px::testing::Fixture;

namespace {

using Case = px::testing::TrackedFixture;

loss::Reduction reduction_of(Case& c) {
  const std::string r = c.string("reduction");
  if (r == "sum") return loss::Reduction::sum;
  if (r == "none") return loss::Reduction::none;
  EXPECT_EQ(r, "mean") << "unknown reduction";
  return loss::Reduction::mean;
}

// The loss a fixture names, on `input` (its first tensor); an empty tensor for an unknown name.
Tensor apply(Case& c, const Tensor& input) {
  const std::string name = c.string("loss");
  const loss::Reduction r = reduction_of(c);
  const Tensor target = c.tensor("target");
  const Tensor sample_weight = c.optional_tensor("sample_weight");
  if (name == "mse" && sample_weight.defined()) {
    EXPECT_EQ(r, loss::Reduction::mean) << "row weights make a mean";
    return loss::mse(input, target, sample_weight);
  }
  if (name == "mse") return loss::mse(input, target, r);
  if (name == "mae") return loss::mae(input, target, r);
  if (name == "huber") return loss::huber(input, target, c.number("delta"), r);
  if (name == "smooth_l1") return loss::smooth_l1(input, target, c.number("beta"), r);
  if (name == "log_cosh") return loss::log_cosh(input, target, r);
  if (name == "quantile") return loss::quantile(input, target, c.number("q"), r);
  if (name == "pinball" && sample_weight.defined()) {
    EXPECT_EQ(r, loss::Reduction::mean) << "row weights make a mean";
    return loss::pinball(input, target, c.tensor("levels"), sample_weight);
  }
  if (name == "pinball") return loss::pinball(input, target, c.tensor("levels"), r);
  if (name == "hinge") return loss::hinge(input, target, r);
  if (name == "binary_cross_entropy") return loss::binary_cross_entropy(input, target, r);
  if (name == "binary_cross_entropy_with_logits")
    return loss::binary_cross_entropy_with_logits(
        input, target, {.reduction = r, .pos_weight = c.optional_tensor("pos_weight")});
  if (name == "cross_entropy") {
    const std::string type = c.string("target_type");
    EXPECT_TRUE(type == "probabilities" ? target.rank() == 2 : type == "class_index")
        << "unknown target_type '" << type << "'";
    return loss::cross_entropy(
        input, target,
        {.reduction = r,
         .weight = c.optional_tensor("class_weight"),
         .label_smoothing = c.has("label_smoothing") ? c.number("label_smoothing") : 0.0f,
         .sample_weight = sample_weight});
  }
  if (name == "nll")
    return loss::nll(input, target,
                     {.reduction = r,
                      .weight = c.optional_tensor("class_weight"),
                      .sample_weight = sample_weight});
  if (name == "multi_margin")
    return loss::multi_margin(input, target,
                              {.p = static_cast<int>(c.number("p")),
                               .margin = c.number("margin"),
                               .weight = c.optional_tensor("class_weight"),
                               .reduction = r});
  ADD_FAILURE() << "unknown loss '" << name << "'";
  return Tensor();
}

}  // namespace

TEST(LossReference, EveryFixtureMatchesTorchLossAndGradient) {
  const std::vector<std::string> names = px::testing::fixture_names("losses");
  ASSERT_GE(names.size(), 70u) << "loss fixtures are missing";
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Fixture fixture = px::testing::load_fixture("losses", name);
    Case c(fixture);
    // The first input, the one differentiated, is named after what it holds.
    std::string first;
    for (const char* candidate : {"pred", "logits", "log_probs"})
      if (fixture.has(candidate)) first = candidate;
    ASSERT_FALSE(first.empty()) << "no pred / logits / log_probs tensor";
    const Tensor input = c.tensor(first).requires_grad();
    const Tensor result = apply(c, input);
    const Tensor dy = c.optional_tensor("dy");
    const Tensor expected_loss = c.tensor("loss");
    const Tensor expected_grad = c.tensor("dpred");
    c.expect_all_used();
    if (!result.defined()) continue;
    EXPECT_TRUE(px::testing::tensors_close(result, expected_loss)) << "loss";
    if (dy.defined()) {
      result.backward(dy);
    } else {
      result.backward();
    }
    EXPECT_TRUE(px::testing::tensors_close(input.grad(), expected_grad)) << "gradient";
  }
}
