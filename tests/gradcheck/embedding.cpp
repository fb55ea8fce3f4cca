// Gradient checks of the embedding ops: periodic_embedding with respect to its input (some
// features embedded, some passed through) and every parameter, and after a FeatureScale, as
// plexus train stacks them; the embedding lookup with respect to its table, with an index that
// repeats (its row collects both gradients) and a row no index picks (its gradient stays 0).
#include <plexus/plexus.hpp>

#include "gradcheck/harness.hpp"

namespace px = plexus;
using px::Tensor;
using In = std::vector<Tensor>;

namespace {

const std::vector<int64_t> kEmbedded = {1, 3};

const bool registered = px::testing::register_gradcheck({
    {"periodic_embedding",
     {"periodic_embedding"},
     {{3, 5}, {2, 4}, {2, 4}, {2, 4, 3}, {2, 3}},
     [](const In& in) {
       return px::periodic_embedding(in[0], kEmbedded, in[1], in[2], in[3], in[4]);
     },
     -1.0f,
     1.0f},
    {"periodic_embedding/every-input-after-a-scale",
     {"periodic_embedding", "mul"},
     {{4, 2}, {2}, {2, 3}, {2, 3}, {2, 3, 2}, {2, 2}},
     [](const In& in) {
       const std::vector<int64_t> all = {0, 1};
       return px::periodic_embedding(px::mul(in[0], in[1]), all, in[2], in[3], in[4], in[5]);
     },
     -1.0f,
     1.0f},
    {.name = "embedding/repeated-and-unused-rows",
     .ops = {"embedding"},
     .f = [](const In& in) { return px::embedding(in[0], in[1]); },
     .make_inputs =
         [] {
           px::Generator generator(29);
           Tensor table = Tensor::empty({5, 3});
           for (float& w : std::span(table.data(), table.numel())) w = generator.normal();
           return In{Tensor::from({3.0f, 0.0f, 3.0f, 1.0f, 4.0f, 0.0f}, {3, 2}), table};
         },
     .constant_inputs = {0}},
});

}  // namespace
