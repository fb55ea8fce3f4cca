// The periodic embedding of numeric features (Gorishniy et al. 2022; RealMLP's "PBLD": periodic,
// with a phase, a per-feature linear map, and the raw value kept beside it, DenseNet-style), fused
// with its hand-written backward: one op instead of a gather, a broadcast product and sum, a
// cosine, a batched product and a concatenation, with their graph nodes and intermediates.
// B = batch size, F = input features, N = embedded features, K = frequencies, D = embedding width.
#include <cmath>
#include <memory>
#include <vector>

#include "ops/common.hpp"
#include "plexus/ops/embedding.hpp"

namespace plexus {

using autograd::BackwardContext;
using autograd::Op;

namespace {

void check_shape(const Tensor& t, const Shape& expected, const char* what) {
  PLEXUS_CHECK(t.defined(), "periodic_embedding: ", what, " is empty");
  PLEXUS_CHECK(t.shape() == expected, "periodic_embedding: ", what, " has shape ", t.shape(),
               ", expected ", expected);
}

// Where each output column comes from: the blocks [x_j, z] of the embedded features, then the
// features passed through, as input positions.
struct Layout {
  std::vector<size_t> embedded, passed;
  size_t width = 0;  // 1 + D
  size_t outputs() const { return embedded.size() * width + passed.size(); }
};

}  // namespace

// a_m = 2 pi (x_j w_m + b_m),  p_m = cos a_m,  z_e = bias_e + sum_m p_m W_me;  the block is [x_j,
// z]. Backward, with g0 = dy[x_j] and g_e = dy[z_e]:
//   dbias_e = g_e,  dW_me = p_m g_e,  dp_m = sum_e W_me g_e,  da_m = -sin(a_m) dp_m,
//   dw_m = 2 pi x_j da_m,  db_m = 2 pi da_m,  dx_j = g0 + 2 pi sum_m w_m da_m.
Tensor periodic_embedding(const Tensor& x, std::span<const int64_t> indices,
                          const Tensor& frequencies, const Tensor& phases, const Tensor& weight,
                          const Tensor& bias) {
  PLEXUS_CHECK(x.defined(), "periodic_embedding: the input tensor is empty");
  PLEXUS_CHECK(x.rank() == 2, "periodic_embedding: expected a 2-D input [B, F], got shape ",
               x.shape());
  PLEXUS_CHECK(frequencies.defined() && frequencies.rank() == 2,
               "periodic_embedding: frequencies must be [N, K]");
  PLEXUS_CHECK(weight.defined() && weight.rank() == 3,
               "periodic_embedding: weight must be [N, K, D]");
  const int64_t features = x.shape()[1];
  const auto n = static_cast<int64_t>(indices.size());
  const int64_t k = frequencies.shape()[1];
  const int64_t d = weight.shape()[2];
  check_shape(frequencies, {n, k}, "frequencies");
  check_shape(phases, {n, k}, "phases");
  check_shape(weight, {n, k, d}, "weight");
  check_shape(bias, {n, d}, "bias");
  auto layout = std::make_shared<Layout>();
  layout->width = static_cast<size_t>(1 + d);
  std::vector<bool> is_embedded(static_cast<size_t>(features), false);
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t j = indices[i];
    PLEXUS_CHECK(j >= 0 && j < features, "periodic_embedding: index ", j,
                 " is outside the input's ", features, " features");
    PLEXUS_CHECK(i == 0 || j > indices[i - 1],
                 "periodic_embedding: indices must be strictly increasing, got ", indices[i - 1],
                 " before ", j);
    layout->embedded.push_back(static_cast<size_t>(j));
    is_embedded[static_cast<size_t>(j)] = true;
  }
  for (size_t j = 0; j < is_embedded.size(); ++j)
    if (!is_embedded[j]) layout->passed.push_back(j);

  const auto rows = static_cast<size_t>(x.shape()[0]);
  const auto in = static_cast<size_t>(features);
  const auto nk = static_cast<size_t>(k), nd = static_cast<size_t>(d);
  const size_t out_width = layout->outputs();
  Tensor y = Tensor::empty({x.shape()[0], static_cast<int64_t>(out_width)});
  const float* px = x.data();
  const float* w = frequencies.data();
  const float* b = phases.data();
  const float* lw = weight.data();
  const float* lb = bias.data();
  float* py = y.data();
  // Training saves the cosines and the sines ([B, N, K] each; sincosf gives both for little more
  // than one), so that the backward computes no transcendental function; inference saves none.
  const bool saving = autograd::should_record({x, frequencies, phases, weight, bias});
  const size_t per_row = layout->embedded.size() * nk;
  Tensor saved = saving ? Tensor::empty({2, static_cast<int64_t>(rows * per_row)}) : Tensor();
  float* cosines = saving ? saved.data() : nullptr;
  float* sines = saving ? cosines + rows * per_row : nullptr;
  std::vector<float> scratch(nk);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = px + r * in;
    float* yr = py + r * out_width;
    for (size_t i = 0; i < layout->embedded.size(); ++i) {
      const float v = xr[layout->embedded[i]];
      const size_t at = r * per_row + i * nk;
      float* p = saving ? cosines + at : scratch.data();
      for (size_t m = 0; m < nk; ++m) {
        const float a = kTwoPi * (v * w[i * nk + m] + b[i * nk + m]);
        if (saving)
          sincosf(a, sines + at + m, p + m);  // NOTE: the same cosine as cosf, bit for bit
        else
          p[m] = std::cos(a);
      }
      float* block = yr + i * layout->width;
      block[0] = v;
      const float* wi = lw + i * nk * nd;
      for (size_t e = 0; e < nd; ++e) {
        float s = 0.0f;
        for (size_t m = 0; m < nk; ++m) s += p[m] * wi[m * nd + e];
        block[1 + e] = s + lb[i * nd + e];
      }
    }
    float* rest = yr + layout->embedded.size() * layout->width;
    for (size_t t = 0; t < layout->passed.size(); ++t) rest[t] = xr[layout->passed[t]];
  }

  return autograd::record(
      Op::periodic_embedding, std::move(y), {x, frequencies, phases, weight, bias},
      [layout, saved, nk, nd](BackwardContext& c) {
        const size_t n_rows = c.input_shape(0)[0];
        const size_t n_in = c.input_shape(0)[1];
        const size_t n_out = layout->outputs();
        const float* xs = c.input_data(0);
        const float* w = c.input_data(1);
        const float* lw = c.input_data(3);
        const float* dy = c.output_grad();
        float* dx = c.input_grad(0);
        float* dw = c.input_grad(1);
        float* db = c.input_grad(2);
        float* dlw = c.input_grad(3);
        float* dlb = c.input_grad(4);
        const size_t per_row = layout->embedded.size() * nk;
        const float* cosines = saved.data();
        const float* sines = cosines + n_rows * per_row;
        for (size_t r = 0; r < n_rows; ++r) {
          const float* xr = xs + r * n_in;
          const float* gr = dy + r * n_out;
          for (size_t i = 0; i < layout->embedded.size(); ++i) {
            const size_t j = layout->embedded[i];
            const float v = xr[j];
            const float* g = gr + i * layout->width;
            const float* wi = lw + i * nk * nd;
            const float* p = cosines + r * per_row + i * nk;
            const float* sine = sines + r * per_row + i * nk;
            if (dlb)
              for (size_t e = 0; e < nd; ++e) dlb[i * nd + e] += g[1 + e];
            if (dlw)
              for (size_t m = 0; m < nk; ++m)
                for (size_t e = 0; e < nd; ++e) dlw[(i * nk + m) * nd + e] += p[m] * g[1 + e];
            float dv = g[0];
            for (size_t m = 0; m < nk; ++m) {
              float s = 0.0f;
              for (size_t e = 0; e < nd; ++e) s += wi[m * nd + e] * g[1 + e];
              const float da = -sine[m] * s * kTwoPi;  // d/d(x w + b) of cos(2 pi (x w + b))
              if (dw) dw[i * nk + m] += da * v;
              if (db) db[i * nk + m] += da;
              dv += da * w[i * nk + m];
            }
            if (dx) dx[r * n_in + j] += dv;
          }
          if (dx) {
            const float* rest = gr + layout->embedded.size() * layout->width;
            for (size_t t = 0; t < layout->passed.size(); ++t)
              dx[r * n_in + layout->passed[t]] += rest[t];
          }
        }
      });
}

}  // namespace plexus
