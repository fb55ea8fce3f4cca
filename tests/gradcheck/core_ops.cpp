// Gradient checks of the core ops: arithmetic (with broadcasting), functions, reductions, matrix
// products, shape ops and custom ops. Random shapes; a tensor used twice; kinks avoided.
#include <gtest/gtest.h>

#include <plexus/plexus.hpp>

#include "gradcheck/harness.hpp"

namespace px = plexus;
using px::Tensor;
using In = std::vector<Tensor>;

namespace {

Tensor softsign(const Tensor& x) {
  return px::custom_op(
      "softsign", {x}, [](const In& in) { return in[0] / (px::abs(in[0]) + 1.f); },
      [](const px::BackwardArgs& a) {
        const Tensor d = px::abs(a.inputs[0]) + 1.f;
        return In{a.grad_output / (d * d)};
      });
}

const bool registered = px::testing::register_gradcheck({
    {"add/same", {"add"}, {{3, 4}, {3, 4}}, [](const In& in) { return in[0] + in[1]; }},
    {"add/row", {"add"}, {{5, 3}, {3}}, [](const In& in) { return in[0] + in[1]; }},
    {"add/both-ways", {"add"}, {{4, 1}, {1, 3}}, [](const In& in) { return in[0] + in[1]; }},
    {"sub/column", {"sub"}, {{2, 3, 4}, {3, 1}}, [](const In& in) { return in[0] - in[1]; }},
    {"mul/row", {"mul"}, {{4, 3}, {1, 3}}, [](const In& in) { return in[0] * in[1]; }},
    {"mul/scalar-tensor", {"mul"}, {{3, 2}, {}}, [](const In& in) { return in[0] * in[1]; }},
    {"mul/used-twice", {"mul", "add"}, {{3, 3}},
     [](const In& in) { return in[0] * in[0] + in[0]; }},
    {"div", {"div"}, {{3, 4}, {4}}, [](const In& in) { return in[0] / in[1]; }, 0.5f, 2.0f},
    {"neg", {"neg"}, {{5}}, [](const In& in) { return -in[0]; }},
    {"pow/tensor", {"pow"}, {{3, 4}, {3, 4}}, [](const In& in) { return px::pow(in[0], in[1]); },
     0.5f, 2.0f},
    {"maximum", {"maximum", "minimum"}, {{4, 5}, {4, 5}},
     [](const In& in) { return px::maximum(in[0], in[1]) + px::minimum(in[0], in[1] * 2.f); }},
    {"scalar-ops", {"add_scalar", "mul_scalar", "rsub_scalar", "rdiv_scalar"}, {{3, 4}},
     [](const In& in) { return (2.f - in[0] * 3.f + 1.f) + 1.5f / in[0]; }, 0.5f, 2.0f},
    {"pow/scalar", {"pow_scalar"}, {{6}}, [](const In& in) { return px::pow(in[0], 2.5f); },
     0.5f, 2.0f},
    {"exp", {"exp"}, {{3, 3}}, [](const In& in) { return px::exp(in[0]); }},
    {"log", {"log"}, {{3, 3}}, [](const In& in) { return px::log(in[0]); }, 0.5f, 3.0f},
    {"sqrt", {"sqrt"}, {{7}}, [](const In& in) { return px::sqrt(in[0]); }, 0.5f, 3.0f},
    {"abs", {"abs"}, {{4, 4}}, [](const In& in) { return px::abs(in[0]); }, {}, {}, 0.0f},
    {"square", {"square"}, {{4, 2}}, [](const In& in) { return px::square(in[0]); }},
    {"clamp", {"clamp"}, {{5, 5}}, [](const In& in) { return px::clamp(in[0], -0.5f, 0.7f); },
     -2.0f, 2.0f},
    {"where", {"where", "broadcast_to"}, {{4, 3}, {4, 3}, {3}},
     [](const In& in) { return px::where(in[0] > 0.f, in[1] * 2.f, in[2]); }},
    px::testing::linear_in_each_input({"matmul", {"matmul"}, {{3, 5}, {5, 4}},
                          [](const In& in) { return px::matmul(in[0], in[1]); }}),
    // A A is quadratic in each element: central differences are exact for it too.
    px::testing::linear_in_each_input({"matmul/used-twice", {"matmul"}, {{4, 4}},
                          [](const In& in) { return px::matmul(in[0], in[0]); }}),
    // One row or one column: the matrix-vector path, in forward and in every backward product.
    px::testing::linear_in_each_input({"matmul/row-vector", {"matmul"}, {{1, 5}, {5, 4}},
                          [](const In& in) { return px::matmul(in[0], in[1]); }}),
    px::testing::linear_in_each_input({"matmul/outer-product", {"matmul"}, {{4, 1}, {1, 3}},
                          [](const In& in) { return px::matmul(in[0], in[1]); }}),
    px::testing::linear_in_each_input({"matmul/column-vector", {"matmul"}, {{3, 5}, {5, 1}},
                          [](const In& in) { return px::matmul(in[0], in[1]); }}),
    px::testing::linear_in_each_input({"linear/batch-of-one", {"linear"}, {{1, 5}, {3, 5}, {3}},
                          [](const In& in) { return px::linear(in[0], in[1], in[2]); }}),
    px::testing::linear_in_each_input({"linear/one-output", {"linear"}, {{4, 2}, {1, 2}, {1}},
                          [](const In& in) { return px::linear(in[0], in[1], in[2]); }}),
    px::testing::linear_in_each_input({"linear", {"linear"}, {{6, 5}, {3, 5}, {3}},
                          [](const In& in) { return px::linear(in[0], in[1], in[2]); }}),
    px::testing::linear_in_each_input({"linear/no-bias-3d", {"linear"}, {{2, 3, 4}, {5, 4}},
                          [](const In& in) { return px::linear(in[0], in[1]); }}),
    {"sum", {"sum"}, {{3, 4}}, [](const In& in) { return px::sum(in[0]); }},
    {"mean", {"mean"}, {{3, 4}}, [](const In& in) { return px::mean(in[0]); }},
    {"sum/dim", {"sum_dim"}, {{2, 3, 4}},
     [](const In& in) { return px::sum(in[0], 1) + px::sum(in[0], -1, true).reshape({2, 3}).t().sum(); }},
    {"mean/dim", {"mean_dim"}, {{3, 5}},
     [](const In& in) { return px::mean(in[0], 0, true) * px::mean(in[0], 1, true); }},
    {"max/dim", {"max_dim"}, {{4, 6}}, [](const In& in) { return px::max(in[0], 1); }},
    {"min/dim", {"min_dim"}, {{4, 6}}, [](const In& in) { return px::min(in[0], 0, true); }},
    {"max/all", {"max_dim", "reshape"}, {{3, 3}}, [](const In& in) { return px::max(in[0]); }},
    {"reshape", {"reshape"}, {{3, 4}}, [](const In& in) { return in[0].reshape({2, -1}) * 2.f; }},
    {"transpose", {"transpose"}, {{3, 5}},
     [](const In& in) { return px::matmul(in[0].t(), in[0]); }},
    {"slice_rows", {"slice_rows"}, {{6, 3}},
     [](const In& in) { return in[0].slice_rows(1, 4) * in[0].slice_rows(3, 6); }},
    {"broadcast_to", {"broadcast_to"}, {{3, 1}},
     [](const In& in) { return px::broadcast_to(in[0], {2, 3, 4}); }},
    {"concat", {"concat"}, {{2, 3}, {2, 5}, {2, 1}},
     [](const In& in) { return px::concat({in[0], in[1], in[2]}, 1); }},
    {"stack", {"concat", "reshape"}, {{2, 3}, {2, 3}},
     [](const In& in) { return px::stack({in[0], in[1] * in[0]}, 1); }},
    {"index_rows", {"index_rows"}, {{5, 3}},
     [](const In& in) {
       const int64_t rows[] = {4, 0, 4, 2};
       return px::index_rows(in[0], rows);
     }},
    // Distinct random values: each row's order holds within the finite-difference steps.
    {"sort", {"sort"}, {{5, 4}}, [](const In& in) { return px::sort(in[0]); }},
    {"custom", {"custom"}, {{4, 3}}, [](const In& in) { return softsign(in[0] * 2.f); }},
});

}  // namespace

// Broadcasting on many random shapes (seeded): each pair is a random shape of rank 1-4 and a
// copy with random dimensions set to 1 or dropped from the front, in either order.
TEST(Gradcheck, BinaryOpsBroadcastOnRandomShapes) {
  px::Generator generator(2024);
  const std::vector<std::pair<const char*, Tensor (*)(const Tensor&, const Tensor&)>> ops = {
      {"add", &px::add}, {"sub", &px::sub}, {"mul", &px::mul}, {"maximum", &px::maximum}};
  for (int trial = 0; trial < 24; ++trial) {
    const size_t rank = 1 + generator.below(4);
    px::Shape full, partial;
    for (size_t d = 0; d < rank; ++d) full.push_back(static_cast<int64_t>(1 + generator.below(4)));
    const size_t dropped = generator.below(rank);
    for (size_t d = dropped; d < rank; ++d)
      partial.push_back(generator.below(2) == 0 ? 1 : full[d]);
    const bool swap = generator.below(2) == 1;
    const auto& [name, op] = ops[static_cast<size_t>(trial) % ops.size()];
    const Tensor a = Tensor::randn(swap ? partial : full, 100 + static_cast<uint64_t>(trial));
    const Tensor b = Tensor::randn(swap ? full : partial, 200 + static_cast<uint64_t>(trial));
    const px::GradcheckResult result =
        px::gradcheck([&op = op](const In& in) { return op(in[0], in[1]); }, {a, b});
    EXPECT_TRUE(result.ok) << name << " on " << a.shape() << " and " << b.shape() << "\n"
                           << result.report;
  }
}
