#include "reference/fixture.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace plexus::testing {

namespace fs = std::filesystem;

Tensor Fixture::tensor(const std::string& tensor_name) const {
  const auto it = tensors.find(tensor_name);
  if (it == tensors.end()) {
    ADD_FAILURE() << "fixture " << name << " has no tensor '" << tensor_name << "'";
    return Tensor();
  }
  return it->second.clone();
}

float TrackedFixture::number(const std::string& key) {
  attrs_used_.insert(key);
  return fixture_.number(key);
}

std::string TrackedFixture::string(const std::string& key) {
  attrs_used_.insert(key);
  return fixture_.string(key);
}

Tensor TrackedFixture::tensor(const std::string& name) {
  tensors_used_.insert(name);
  return fixture_.tensor(name);
}

Tensor TrackedFixture::optional_tensor(const std::string& name) {
  return fixture_.has(name) ? tensor(name) : Tensor();
}

void TrackedFixture::expect_all_attrs_used() const {
  for (const auto& [key, value] : fixture_.attrs.items())
    EXPECT_TRUE(attrs_used_.count(key)) << fixture_.name << ": attr '" << key << "' = " << value
                                        << " is not understood by this test";
}

void TrackedFixture::expect_all_used() const {
  expect_all_attrs_used();
  for (const auto& [name, value] : fixture_.tensors)
    EXPECT_TRUE(tensors_used_.count(name))
        << fixture_.name << ": tensor '" << name << "' is not understood by this test";
}

Fixture load_fixture(const std::string& group, const std::string& name) {
  const fs::path path = fs::path(PLEXUS_FIXTURE_DIR) / group / (name + ".json");
  std::ifstream in(path);
  if (!in) throw Error("cannot open fixture " + path.string());
  const nlohmann::json json = nlohmann::json::parse(in);
  Fixture fixture;
  fixture.name = json.at("name").get<std::string>();
  fixture.attrs = json.at("attrs");
  for (const auto& [key, value] : json.at("tensors").items()) {
    const std::vector<int64_t> dims = value.at("shape").get<std::vector<int64_t>>();
    const std::vector<float> data = value.at("data").get<std::vector<float>>();
    fixture.tensors[key] = Tensor::from(data, Shape(std::span<const int64_t>(dims)));
  }
  return fixture;
}

std::vector<std::string> fixture_names(const std::string& group) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(PLEXUS_FIXTURE_DIR) / group))
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double rtol,
                                         double atol) {
  if (!actual.defined() || !expected.defined())
    return ::testing::AssertionFailure() << "a tensor is empty";
  if (!(actual.shape() == expected.shape()))
    return ::testing::AssertionFailure()
           << "shape " << actual.shape() << " differs from expected " << expected.shape();
  double max_diff = 0.0;
  size_t worst = 0;
  bool ok = true;
  for (size_t i = 0; i < actual.numel(); ++i) {
    const double a = actual.data()[i];
    const double e = expected.data()[i];
    const bool same_special = (std::isnan(a) && std::isnan(e)) || (std::isinf(a) && a == e);
    const double diff = same_special ? 0.0 : std::fabs(a - e);
    if (!(diff <= atol + rtol * std::fabs(e))) ok = false;
    if (!(diff <= max_diff)) {
      max_diff = diff;
      worst = i;
    }
  }
  if (ok) return ::testing::AssertionSuccess();
  std::ostringstream out;
  out << "tensors differ (rtol " << rtol << ", atol " << atol << "), shape " << actual.shape()
      << "\n  index   actual          expected\n";
  for (size_t i = 0; i < std::min<size_t>(actual.numel(), 5); ++i)
    out << "  " << i << "\t" << actual.data()[i] << "\t" << expected.data()[i] << "\n";
  out << "  maxdiff " << max_diff << " at index " << worst << ": " << actual.data()[worst] << " vs "
      << expected.data()[worst];
  return ::testing::AssertionFailure() << out.str();
}

}  // namespace plexus::testing
