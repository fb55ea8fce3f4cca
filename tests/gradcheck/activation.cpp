// Gradient checks of the activations: one table line per op (kinks avoided), then the hard points
// that need their own step: softmax and log_softmax at logits of +-50 and +-1000.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>

#include "gradcheck/harness.hpp"

namespace px = plexus;
using px::Tensor;
using In = std::vector<Tensor>;

namespace {

const bool registered = px::testing::register_gradcheck({
    {"sigmoid", {"sigmoid"}, {{4, 5}}, [](const In& in) { return px::sigmoid(in[0] * 3.f); }},
    {"tanh", {"tanh"}, {{4, 5}}, [](const In& in) { return px::tanh(in[0] * 2.f); }},
    {.name = "relu",
     .ops = {"relu"},
     .shapes = {{4, 5}},
     .f = [](const In& in) { return px::relu(in[0]); },
     .avoid_kink_at = 0.0f},
    {.name = "leaky_relu",
     .ops = {"leaky_relu"},
     .shapes = {{4, 5}},
     .f = [](const In& in) { return px::leaky_relu(in[0], 0.2f); },
     .avoid_kink_at = 0.0f},
    {.name = "elu",
     .ops = {"elu"},
     .shapes = {{4, 5}},
     .f = [](const In& in) { return px::elu(in[0], 0.5f); },
     .low = -4.0f,
     .high = 3.0f,
     .avoid_kink_at = 0.0f},
    {.name = "selu",
     .ops = {"selu"},
     .shapes = {{4, 5}},
     .f = [](const In& in) { return px::selu(in[0]); },
     .low = -4.0f,
     .high = 3.0f,
     .avoid_kink_at = 0.0f},
    {"gelu/erf", {"gelu"}, {{4, 5}}, [](const In& in) { return px::gelu(in[0] * 2.f); }},
    {"gelu/tanh",
     {"gelu"},
     {{4, 5}},
     [](const In& in) { return px::gelu(in[0] * 2.f, px::GeluApproximation::tanh); }},
    {"silu", {"silu"}, {{4, 5}}, [](const In& in) { return px::silu(in[0] * 2.f); }},
    // Both branches of the default threshold (beta x = 20).
    {"softplus",
     {"softplus"},
     {{4, 5}},
     [](const In& in) { return px::softplus(in[0]); },
     -25.0f,
     25.0f},
    // beta 2, threshold 5: the switch at x = 2.5 drops log1p(e^-5) / 2 ~ 3e-3, so step around it.
    {.name = "softplus/beta2-threshold5",
     .ops = {"softplus"},
     .shapes = {{4, 5}},
     .f = [](const In& in) { return px::softplus(in[0], 2.0f, 5.0f); },
     .low = -4.0f,
     .high = 4.0f,
     .avoid_kink_at = 2.5f},
    {"softmax/last-axis",
     {"softmax"},
     {{3, 5}},
     [](const In& in) { return px::softmax(in[0] * 2.f); }},
    {"softmax/middle-axis",
     {"softmax"},
     {{2, 4, 3}},
     [](const In& in) { return px::softmax(in[0], 1); }},
    // NOTE: every log_softmax output moves with each input (through the log-sum), and outputs of
    // magnitude ~3 round at ~2e-7 each in float32: at the table's step of 1e-3 that is ~1e-4 of
    // absolute noise, 1e-2 relative at the floor. Hence 3e-2 here (a wrong backward errs by
    // O(1)); LogSoftmaxWithAWiderStep below checks the same cases at 1e-2 with step 1e-2.
    {.name = "log_softmax/last-axis",
     .ops = {"log_softmax"},
     .shapes = {{3, 5}},
     .f = [](const In& in) { return px::log_softmax(in[0] * 2.f); },
     .tolerance = 3e-2},
    {.name = "log_softmax/first-axis",
     .ops = {"log_softmax"},
     .shapes = {{4, 3, 2}},
     .f = [](const In& in) { return px::log_softmax(in[0], 0); },
     .tolerance = 3e-2},
});

// Step 1e-2: noise ~1e-5, truncation below eps^2 / 6 * 5 * 0.1 ~ 1e-5.
TEST(GradcheckHardPoints, LogSoftmaxWithAWiderStep) {
  const px::GradcheckOptions options{.eps = 1e-2f, .tolerance = 1e-2};
  const px::GradcheckResult last =
      px::gradcheck([](const In& in) { return px::log_softmax(in[0] * 2.f); },
                    {Tensor::randn({3, 5}, 1)}, options);
  EXPECT_TRUE(last.ok) << last.report;
  const px::GradcheckResult first =
      px::gradcheck([](const In& in) { return px::log_softmax(in[0], 0); },
                    {Tensor::randn({4, 3, 2}, 2)}, options);
  EXPECT_TRUE(first.ok) << first.report;
}

// Logits at +-scale: row 0 holds near-ties at the top (a softmax that is not one-hot even at this
// magnitude), the other rows are spread over [-scale, scale].
Tensor large_logits(float scale) {
  Tensor x = Tensor::rand({4, 6}, 7, -scale, scale);
  const float row[] = {scale, scale + 0.4f, scale - 0.2f, -scale, 0.0f, 0.5f * scale};
  for (size_t k = 0; k < 6; ++k) x.data()[k] = row[k];
  return x;
}

// NOTE: the table's step (1e-3) and floor (1e-2) assume outputs of order 1. At logits of +-50,
// log_softmax's outputs reach -100, whose float32 rounding (ulp 7.6e-6, over 6 outputs) puts
// ~1e-3 of absolute noise into a central difference at step 1e-2. So the step is 0.05 (noise
// ~4e-4; truncation below eps^2 / 6 * 6 * 0.1 = 3e-4, as |f'''| <= 0.1) and gradients below 0.1
// are compared in absolute terms (0.1 * 1e-2 = 1e-3). softmax's outputs stay in [0, 1], so it
// is checked at +-1000 too (step 0.1 against an input resolution of 6e-5).
TEST(GradcheckHardPoints, SoftmaxAndLogSoftmaxAtLargeLogits) {
  const px::GradcheckOptions at_50{.eps = 0.05f, .tolerance = 1e-2, .abs_floor = 0.1};
  const px::GradcheckResult log_softmax = px::gradcheck(
      [](const In& in) { return px::log_softmax(in[0]); }, {large_logits(50.0f)}, at_50);
  EXPECT_TRUE(log_softmax.ok) << log_softmax.report;
  for (const float scale : {50.0f, 1000.0f}) {
    const px::GradcheckResult softmax =
        px::gradcheck([](const In& in) { return px::softmax(in[0], 1); }, {large_logits(scale)},
                      {.eps = 0.1f, .tolerance = 1e-2});
    EXPECT_TRUE(softmax.ok) << "at +-" << scale << "\n" << softmax.report;
  }
}

}  // namespace
