// Reading PyTorch reference fixtures (see tests/reference/README.md) and comparing tensors with
// them. A failed comparison prints the first values side by side and the largest difference.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>
#include <string>
#include <vector>

namespace plexus::testing {

struct Fixture {
  std::string name;
  nlohmann::json attrs;
  std::map<std::string, Tensor> tensors;

  bool has(const std::string& tensor_name) const { return tensors.count(tensor_name) > 0; }
  /// The named tensor (a fresh copy); fails the test if it is missing.
  Tensor tensor(const std::string& tensor_name) const;
  float number(const std::string& key) const { return attrs.at(key).get<float>(); }
  std::string string(const std::string& key) const { return attrs.at(key).get<std::string>(); }
  bool flag(const std::string& key) const { return attrs.at(key).get<bool>(); }
};

/// Loads fixtures/<group>/<name>.json.
Fixture load_fixture(const std::string& group, const std::string& name);
/// The case names in a group, sorted.
std::vector<std::string> fixture_names(const std::string& group);

/// |actual - expected| <= atol + rtol * |expected| element-wise, with equal shapes.
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                         double rtol = 1e-5, double atol = 1e-6);

}  // namespace plexus::testing
