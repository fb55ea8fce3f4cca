// Gradient checks of the layer ops: dropout (a fixed seed, so every evaluation draws the same
// mask), batch_norm in train mode (batch statistics depend on x) and eval mode, layer_norm, each
// with and without the affine parameters.
#include <plexus/plexus.hpp>

#include "gradcheck/harness.hpp"

namespace px = plexus;
using px::Tensor;
using In = std::vector<Tensor>;

namespace {

const bool registered = px::testing::register_gradcheck({
    {"dropout",
     {"dropout"},
     {{4, 5}},
     [](const In& in) {
       px::nn::Dropout dropout(0.4f, /*seed=*/7);
       return dropout(in[0]);
     }},
    {"batch_norm/train",
     {"batch_norm"},
     {{6, 4}, {4}, {4}},
     [](const In& in) { return px::batch_norm(in[0], {}, {}, in[1], in[2], /*training=*/true); }},
    {"batch_norm/train-no-affine",
     {"batch_norm"},
     {{5, 3}},
     [](const In& in) { return px::batch_norm(in[0], {}, {}, {}, {}, true, 0.1f, 1e-3f); }},
    {"batch_norm/eval",
     {"batch_norm"},
     {{5, 3}, {3}, {3}},
     [](const In& in) {
       const Tensor running_mean = Tensor::from({0.5f, -1.0f, 0.2f}, {3});
       const Tensor running_var = Tensor::from({0.8f, 2.0f, 1.3f}, {3});
       return px::batch_norm(in[0], running_mean, running_var, in[1], in[2], /*training=*/false);
     }},
    {"batch_norm/module-in-a-sum",
     {"batch_norm", "linear"},
     {{4, 3}, {2, 3}},
     [](const In& in) {
       px::nn::BatchNorm1d bn(2);
       return bn(px::linear(in[0], in[1])) * px::linear(in[0], in[1]);
     }},
    {"layer_norm",
     {"layer_norm"},
     {{4, 6}, {6}, {6}},
     [](const In& in) { return px::layer_norm(in[0], in[1], in[2]); }},
    {"layer_norm/no-affine-3d",
     {"layer_norm"},
     {{2, 3, 5}},
     [](const In& in) { return px::layer_norm(in[0], {}, {}, 1e-3f); }},
});

}  // namespace
