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

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
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
  EXPECT_FALSE(fs::exists(dir / "reliability.svg"));
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

TEST(RunReport, AClassifierGetsAReliabilityDiagramOfItsBinsWithRows) {
  const fs::path dir = fresh_dir("reliability");
  px::train::ReportInput input;
  input.title = "a calibrated run";
  input.classes = {"no", "yes"};
  input.scores.task = px::data::Task::classification;
  input.scores.confusion = {{3, 1}, {0, 2}};
  input.scores.precision = input.scores.recall = input.scores.f1 = {0.8, 0.8};
  input.scores.support = {4, 2};
  // Four bins, the second empty: three points, none for the empty bin.
  input.scores.ece_bins = 4;
  input.scores.reliability = {{0.4, 0.5, 2}, {0, 0, 0}, {0.6, 0.5, 2}, {0.9, 1.0, 2}};
  input.scores.ece = 0.0833;
  px::train::write_report(dir.string(), input);
  ASSERT_TRUE(fs::exists(dir / "reliability.svg"));
  const std::string svg = read(dir / "reliability.svg");
  EXPECT_EQ(count(svg, "class=\"mark point\""), 3u);
  EXPECT_EQ(count(svg, "class=\"mark series\""), 2u);  // the bins' line and the diagonal
  const std::string html = read(dir / "index.html");
  EXPECT_NE(html.find("data-name=\"reliability\""), std::string::npos);
  EXPECT_NE(html.find("4 equal-width bins"), std::string::npos);
  EXPECT_NE(html.find("Expected calibration error 0.0833"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RunReport, AClassifierWithNoScoredRowsDrawsNoReliabilityDiagram) {
  const fs::path dir = fresh_dir("no_reliability");
  px::train::ReportInput input;
  input.classes = {"no", "yes"};
  input.scores.task = px::data::Task::classification;
  input.scores.confusion = {{0, 0}, {0, 0}};
  input.scores.precision = input.scores.recall = input.scores.f1 = {0, 0};
  input.scores.support = {0, 0};
  input.scores.reliability.assign(15, {});
  px::train::write_report(dir.string(), input);
  EXPECT_TRUE(fs::exists(dir / "confusion.svg"));
  EXPECT_FALSE(fs::exists(dir / "reliability.svg"));
  fs::remove_all(dir);
}
