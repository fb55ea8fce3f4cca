// Reading PyTorch reference fixtures (see tests/reference/README.md) and comparing tensors with
// them. A failed comparison prints the first values side by side and the largest difference.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <plexus/plexus.hpp>
#include <set>
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

/// Reads a fixture's attrs and tensors and remembers which were used, so one that a test ignores
/// (and that would make the case mean something else) fails the test.
class TrackedFixture {
 public:
  explicit TrackedFixture(const Fixture& fixture) : fixture_(fixture) {}
  float number(const std::string& key);
  std::string string(const std::string& key);
  bool has(const std::string& key) const { return fixture_.attrs.contains(key); }
  Tensor tensor(const std::string& name);
  /// The named tensor if the fixture has it, else an empty tensor.
  Tensor optional_tensor(const std::string& name);
  /// Fails the test for every attr that was not read.
  void expect_all_attrs_used() const;
  /// Fails the test for every attr or tensor that was not read.
  void expect_all_used() const;

 private:
  const Fixture& fixture_;
  std::set<std::string> attrs_used_, tensors_used_;
};

/// Loads fixtures/<group>/<name>.json.
Fixture load_fixture(const std::string& group, const std::string& name);
/// The case names in a group, sorted.
std::vector<std::string> fixture_names(const std::string& group);

/// |actual - expected| <= atol + rtol * |expected| element-wise, with equal shapes.
::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                         double rtol = 1e-5, double atol = 1e-6);

}  // namespace plexus::testing
