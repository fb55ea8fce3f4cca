#include "toy_data.hpp"

#include <cmath>
#include <numbers>

#include "plexus/base/text.hpp"
#include "plexus/error.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus::playground {
namespace {

constexpr float kRadius = 6.0f;
constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;

void add(Points& points, float x1, float x2, float label) {
  points.inputs.push_back(x1);
  points.inputs.push_back(x2);
  points.labels.push_back(label);
}

// Inner disc class 1, outer ring class 0; noise moves the points, not the labels' rule.
void circle(Points& points, int64_t count, float noise, Generator& gen) {
  const float radius = 5.0f;
  for (int64_t i = 0; i < count; ++i) {
    const bool inner = i < count / 2;
    const float r = inner ? gen.uniform(0.0f, 0.5f * radius) : gen.uniform(0.7f * radius, radius);
    const float angle = gen.uniform(0.0f, kTwoPi);
    const float x1 = r * std::sin(angle) + gen.uniform(-radius, radius) * noise;
    const float x2 = r * std::cos(angle) + gen.uniform(-radius, radius) * noise;
    add(points, x1, x2, inner ? 1.0f : 0.0f);
  }
}

// Class 1 where x1 x2 > 0; points keep 0.3 away from the axes so the classes are clear at noise 0.
void xor_set(Points& points, int64_t count, float noise, Generator& gen) {
  const float padding = 0.3f;
  for (int64_t i = 0; i < count; ++i) {
    float x1 = gen.uniform(-5.0f, 5.0f);
    float x2 = gen.uniform(-5.0f, 5.0f);
    x1 += x1 > 0 ? padding : -padding;
    x2 += x2 > 0 ? padding : -padding;
    const float label = x1 * x2 >= 0 ? 1.0f : 0.0f;
    add(points, x1 + gen.uniform(-5.0f, 5.0f) * noise, x2 + gen.uniform(-5.0f, 5.0f) * noise,
        label);
  }
}

// One blob per class, the centres on a circle of radius 2 sqrt(2) (two classes: (2, 2), (-2, -2)).
void gauss(Points& points, int64_t count, float noise, int64_t classes, Generator& gen) {
  const float spread = 0.5f + 3.5f * noise / 0.5f;  // TF Playground's variance scale 0.5 .. 4
  for (int64_t i = 0; i < count; ++i) {
    const int64_t label = i % classes;
    const float angle = std::numbers::pi_v<float> / 4 +
                        kTwoPi * static_cast<float>(label) / static_cast<float>(classes);
    const float cx = 2.0f * std::sqrt(2.0f) * std::cos(angle);
    const float cy = 2.0f * std::sqrt(2.0f) * std::sin(angle);
    add(points, cx + gen.normal() * std::sqrt(spread), cy + gen.normal() * std::sqrt(spread),
        static_cast<float>(label));
  }
}

// Interleaved arms, one per class, 1.75 turns each.
void spiral(Points& points, int64_t count, float noise, int64_t classes, Generator& gen) {
  const int64_t per_class = count / classes;
  for (int64_t label = 0; label < classes; ++label) {
    const float delta = kTwoPi * static_cast<float>(label) / static_cast<float>(classes);
    for (int64_t i = 0; i < per_class; ++i) {
      const float t = static_cast<float>(i) / static_cast<float>(per_class);
      const float r = 5.0f * t;
      const float angle = 1.75f * t * kTwoPi + delta;
      add(points, r * std::sin(angle) + gen.uniform(-1.0f, 1.0f) * noise * 2.0f,
          r * std::cos(angle) + gen.uniform(-1.0f, 1.0f) * noise * 2.0f, static_cast<float>(label));
    }
  }
}

// A tilted plane, label in [-1, 1]; noise on the inputs.
void reg_plane(Points& points, int64_t count, float noise, Generator& gen) {
  for (int64_t i = 0; i < count; ++i) {
    const float x1 = gen.uniform(-kRadius, kRadius);
    const float x2 = gen.uniform(-kRadius, kRadius);
    const float label = (x1 + gen.uniform(-kRadius, kRadius) * noise + x2 +
                         gen.uniform(-kRadius, kRadius) * noise) /
                        (2.0f * kRadius);
    add(points, x1, x2, label);
  }
}

// Six bumps of alternating sign; the label is the strongest bump's value at the point.
void reg_gauss(Points& points, int64_t count, float noise, Generator& gen) {
  const float centres[6][3] = {{-4, 2.5, 1},   {0, 2.5, -1}, {4, 2.5, 1},
                               {-4, -2.5, -1}, {0, -2.5, 1}, {4, -2.5, -1}};
  for (int64_t i = 0; i < count; ++i) {
    const float x1 = gen.uniform(-kRadius, kRadius);
    const float x2 = gen.uniform(-kRadius, kRadius);
    const float nx = x1 + gen.uniform(-kRadius, kRadius) * noise;
    const float ny = x2 + gen.uniform(-kRadius, kRadius) * noise;
    float label = 0.0f;
    for (const auto& c : centres) {
      const float value =
          c[2] * std::exp(-((nx - c[0]) * (nx - c[0]) + (ny - c[1]) * (ny - c[1])) / 4.0f);
      if (std::abs(value) > std::abs(label)) label = value;
    }
    add(points, x1, x2, label);
  }
}

}  // namespace

bool is_regression_set(std::string_view name) { return name == "reg_plane" || name == "reg_gauss"; }

Points make_toy_set(std::string_view name, int64_t count, double noise, int64_t classes,
                    uint64_t seed) {
  if (count < 2 || count > 100000)
    throw Error("points must be 2 .. 100000, not " + std::to_string(count));
  if (classes < 2 || classes > 8)
    throw Error("classes must be 2 .. 8, not " + std::to_string(classes));
  Generator gen(seed);
  Points points;
  const auto blur = static_cast<float>(noise);
  if (name == "circle") {
    circle(points, count, blur, gen);
  } else if (name == "xor") {
    xor_set(points, count, blur, gen);
  } else if (name == "gauss") {
    gauss(points, count, blur, classes, gen);
  } else if (name == "spiral") {
    spiral(points, count, blur, classes, gen);
  } else if (name == "reg_plane") {
    reg_plane(points, count, blur, gen);
  } else if (name == "reg_gauss") {
    reg_gauss(points, count, blur, gen);
  } else {
    throw Error(unknown_name_message(
        "data set", name, {"circle", "xor", "gauss", "spiral", "reg_plane", "reg_gauss"}));
  }
  return points;
}

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = {"x1",    "x2",     "x1_squared", "x2_squared",
                                                 "x1_x2", "sin_x1", "sin_x2"};
  return names;
}

std::vector<float> expand_features(const std::vector<float>& xy,
                                   const std::vector<std::string>& features) {
  for (const auto& name : features) {
    bool known = false;
    for (const auto& known_name : feature_names()) known = known || known_name == name;
    if (!known) throw Error(unknown_name_message("feature", name, feature_names()));
  }
  std::vector<float> out;
  out.reserve(xy.size() / 2 * features.size());
  for (size_t row = 0; row + 1 < xy.size(); row += 2) {
    const float x1 = xy[row];
    const float x2 = xy[row + 1];
    for (const auto& name : features) {
      if (name == "x1")
        out.push_back(x1);
      else if (name == "x2")
        out.push_back(x2);
      else if (name == "x1_squared")
        out.push_back(x1 * x1);
      else if (name == "x2_squared")
        out.push_back(x2 * x2);
      else if (name == "x1_x2")
        out.push_back(x1 * x2);
      else if (name == "sin_x1")
        out.push_back(std::sin(x1));
      else
        out.push_back(std::sin(x2));
    }
  }
  return out;
}

}  // namespace plexus::playground
