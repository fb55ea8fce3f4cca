// train::write_report: which figures a run's report draws for each task, from the scores and
// the caller's classifier alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <plexus/train/report.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace px = plexus;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("plexus_report_" + name);
  fs::remove_all(dir);
  return dir;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST(RunReport, ARegressorGetsPredictedVsTrueAndResiduals) {
  const fs::path dir = fresh_dir("regression");
  px::train::ReportInput input;
  input.title = "a regression run";
  input.metrics = {{"test_mse", "0.5"}};
  input.scores.task = px::data::Task::regression;
  input.scores.predicted = {1, 2, 3};
  input.scores.actual = {1.5, 2, 2};
  px::train::write_report(dir.string(), input);
  EXPECT_TRUE(fs::exists(dir / "predicted_vs_true.svg"));
  EXPECT_TRUE(fs::exists(dir / "residuals.svg"));
  EXPECT_FALSE(fs::exists(dir / "confusion.svg"));
  const std::string html = read(dir / "index.html");
  EXPECT_NE(html.find("a regression run"), std::string::npos);
  EXPECT_NE(html.find("test_mse"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunReport, AClassifierOfTwoFeaturesGetsDecisionRegionsOverThePoints) {
  const fs::path dir = fresh_dir("classification");
  px::train::ReportInput input;
  input.title = "a classification run";
  input.classes = {"left", "right"};
  input.scores.task = px::data::Task::classification;
  input.scores.confusion = {{2, 0}, {0, 2}};
  input.scores.precision = input.scores.recall = input.scores.f1 = {1, 1};
  input.scores.support = {2, 2};
  input.axis_names = {"x", "y"};
  input.point_x = {0, 1, 2, 3};
  input.point_y = {0, 1, 0, 1};
  input.point_class = {0, 0, 1, 1};
  double lowest = 1e9, highest = -1e9;
  input.classify = [&](const std::vector<double>& x, const std::vector<double>&) {
    std::vector<int> classes;
    for (const double v : x) {
      lowest = std::min(lowest, v), highest = std::max(highest, v);
      classes.push_back(v > 1.5 ? 1 : 0);
    }
    return classes;
  };
  px::train::write_report(dir.string(), input);
  EXPECT_TRUE(fs::exists(dir / "confusion.svg"));
  EXPECT_TRUE(fs::exists(dir / "per_class.svg"));
  EXPECT_TRUE(fs::exists(dir / "regions.svg"));
  EXPECT_FALSE(fs::exists(dir / "residuals.svg"));
  // The grid covers the points' range with a margin on each side.
  EXPECT_LT(lowest, 0.0);
  EXPECT_GT(lowest, -0.15);
  EXPECT_GT(highest, 3.0);
  EXPECT_LT(highest, 3.15);
  fs::remove_all(dir);
}
