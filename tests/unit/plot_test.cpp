// plot::Figure and plot::Report: the SVG is well-formed XML, every kind of plot draws the marks it
// should (counted by class), text is escaped, odd data (NaN, constant, empty, <= 0 on a log axis)
// never reaches the coordinates, and the report holds every figure. The browser test
// (tests/browser) checks the same pages in Chromium.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <plexus/error.hpp>
#include <plexus/plot/figure.hpp>
#include <plexus/plot/report.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace plot = plexus::plot;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A small XML well-formedness check: tags balance, attributes are quoted, '<' and '&' appear in
// text only as markup or entities. Returns an empty string when well-formed, else the fault.
std::string xml_fault(const std::string& xml) {
  std::vector<std::string> open;
  size_t i = 0;
  if (xml.starts_with("<?xml")) i = xml.find("?>") + 2;
  const std::regex entity("^&(amp|lt|gt|quot|#39|#[0-9]+|#x[0-9a-fA-F]+);");
  const std::regex attribute(R"(^\s+[A-Za-z_:][-\w:.]*="[^"<]*")");
  const std::regex name(R"(^[A-Za-z_:][-\w:.]*)");
  bool root_seen = false;
  while (i < xml.size()) {
    const char c = xml[i];
    if (c == '&') {
      std::smatch m;
      const std::string rest = xml.substr(i, 16);
      if (!std::regex_search(rest, m, entity)) return "bad entity at " + std::to_string(i);
      i += static_cast<size_t>(m.length(0));
    } else if (c == '<') {
      const bool closing = xml.compare(i, 2, "</") == 0;
      size_t at = i + (closing ? 2 : 1);
      std::smatch m;
      std::string rest = xml.substr(at, 200);
      if (!std::regex_search(rest, m, name)) return "bad tag name at " + std::to_string(i);
      const std::string tag = m.str(0);
      at += static_cast<size_t>(m.length(0));
      if (closing) {
        if (open.empty() || open.back() != tag) return "unbalanced </" + tag + ">";
        open.pop_back();
        if (xml[at] != '>') return "bad closing tag " + tag;
        i = at + 1;
        continue;
      }
      if (open.empty() && root_seen) return "a second root element";
      root_seen = true;
      while (true) {
        const std::string tail = xml.substr(at, 4000);
        if (std::regex_search(tail, m, attribute)) {
          at += static_cast<size_t>(m.length(0));
        } else {
          break;
        }
      }
      while (at < xml.size() && std::isspace(static_cast<unsigned char>(xml[at]))) ++at;
      if (xml.compare(at, 2, "/>") == 0) {
        i = at + 2;
      } else if (xml[at] == '>') {
        open.push_back(tag);
        i = at + 1;
      } else {
        return "bad attribute in <" + tag + "> at " + std::to_string(at);
      }
    } else if (c == '>') {
      return "raw '>' in text at " + std::to_string(i);
    } else {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(c)))
        return "text outside the root at " + std::to_string(i);
      ++i;
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return root_seen ? "" : "no root element";
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

size_t marks(const std::string& svg, const std::string& kind) {
  return count(svg, "class=\"mark " + kind + "\"");
}

// The text of every element with the given class, in order.
std::vector<std::string> texts(const std::string& svg, const std::string& cls) {
  std::vector<std::string> found;
  const std::regex text("<text[^>]*class=\"" + cls + "\"[^>]*>([^<]*)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator();
       ++it)
    found.push_back((*it)[1]);
  return found;
}

// Every number in the SVG's attributes is finite.
void expect_finite(const std::string& svg) {
  std::string lower = svg;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(lower.find("nan"), std::string::npos) << svg;
  EXPECT_EQ(lower.find("inf"), std::string::npos) << svg;
}

void expect_well_formed(const std::string& svg) {
  EXPECT_EQ(xml_fault(svg), "") << svg;
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(XmlCheck, RejectsWhatIsNotWellFormed) {
  EXPECT_EQ(xml_fault("<a><b/></a>"), "");
  EXPECT_NE(xml_fault("<a><b></a>"), "");
  EXPECT_NE(xml_fault("<a>x & y</a>"), "");
  EXPECT_NE(xml_fault("<a>x < y</a>"), "");
  EXPECT_NE(xml_fault("<a t=\"1\" u=2/>"), "");
  EXPECT_NE(xml_fault("<a/><b/>"), "");
}

TEST(Figure, LinesDrawOnePathPerSeriesWithLegend) {
  const std::string svg = plot::Figure()
                              .title("loss")
                              .xlabel("epoch")
                              .ylabel("loss")
                              .line({"train", {1, 2, 3}, {1.0, 0.5, 0.3}})
                              .line({"val", {1, 2, 3}, {1.1, 0.7, 0.6}}, {.dashed = true})
                              .svg();
  expect_well_formed(svg);
  EXPECT_EQ(marks(svg, "series"), 2u);
  EXPECT_EQ(count(svg, "stroke-dasharray=\"6 4\""), 1u);
  EXPECT_EQ(count(svg, "class=\"legend\""), 1u);
  EXPECT_NE(svg.find(">train</text>"), std::string::npos);
  EXPECT_NE(svg.find(">val</text>"), std::string::npos);
  EXPECT_NE(svg.find("class=\"title\""), std::string::npos);
}

TEST(Figure, LinearTicksStepByOneTwoOrFive) {
  for (const auto& [lo, hi] : std::vector<std::pair<double, double>>{
           {0, 1}, {-3.7, 12.2}, {0.0012, 0.0047}, {100, 4000}, {-1e5, 1e5}}) {
    const std::string svg = plot::Figure().line({"", {0, 1}, {lo, hi}}).svg();
    std::vector<double> ticks;
    for (const auto& label : texts(svg, "tick-label y")) ticks.push_back(std::stod(label));
    ASSERT_GE(ticks.size(), 3u) << lo << ".." << hi;
    const double step = ticks[1] - ticks[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
                std::abs(mantissa - 5) < 1e-6)
        << "step " << step;
    for (size_t i = 1; i < ticks.size(); ++i)
      EXPECT_NEAR(ticks[i] - ticks[i - 1], step, step * 1e-6);
  }
}

TEST(Figure, LogTicksSitOnDecades) {
  const std::string svg =
      plot::Figure().log_y().line({"", {0, 1, 2, 3}, {1e-3, 1e-1, 10, 100}}).svg();
  expect_well_formed(svg);
  EXPECT_EQ(texts(svg, "tick-label y"),
            (std::vector<std::string>{"0.001", "0.01", "0.1", "1", "10", "100"}));
  // Far from 1, decades read as powers of ten: 10 with the exponent raised.
  const std::string wide = plot::Figure().log_x().line({"", {1e-6, 1}, {0, 1}}).svg();
  expect_well_formed(wide);
  EXPECT_EQ(count(wide, ">10<tspan"), 7u);
  EXPECT_NE(wide.find("\u22126</tspan>"), std::string::npos);
  // Within a decade or two: 1-2-5 steps.
  const std::string narrow = plot::Figure().log_y().line({"", {0, 1}, {0.3, 4}}).svg();
  EXPECT_EQ(texts(narrow, "tick-label y"), (std::vector<std::string>{"0.5", "1", "2"}));
}

TEST(Figure, LogAxesSkipValuesAtOrBelowZero) {
  const std::string svg =
      plot::Figure().log_y().scatter({"", {0, 1, 2, 3, 4}, {-1, 0, 1, 10, kNan}}).svg();
  expect_well_formed(svg);
  expect_finite(svg);
  EXPECT_EQ(marks(svg, "point"), 2u);
  EXPECT_THROW(plot::Figure().log_x().xlim(0, 1).line({"", {1}, {1}}).svg(), plexus::Error);
}

TEST(Figure, NonFiniteValuesAreSkipped) {
  const std::string svg = plot::Figure()
                              .scatter({"", {0, 1, 2, kNan, 4}, {1, kNan, 3, 4, kInf}})
                              .line({"", {0, 1, 2, 3}, {1, kNan, 2, 3}})
                              .svg();
  expect_well_formed(svg);
  expect_finite(svg);
  EXPECT_EQ(marks(svg, "point"), 2u);
  // The line breaks at the NaN: two subpaths in one path.
  const std::smatch path = [&] {
    std::smatch m;
    std::regex_search(svg, m, std::regex("class=\"mark series\" d=\"([^\"]*)\""));
    return m;
  }();
  EXPECT_EQ(count(path[1], "M"), 2u);
}

TEST(Figure, ConstantEmptyAndSinglePointDataStayFinite) {
  const std::vector<std::string> svgs = {
      plot::Figure().line({"flat", {0, 1, 2}, {5, 5, 5}}).svg(),
      plot::Figure().line({"zero", {3, 3}, {0, 0}}).svg(),
      plot::Figure().log_y().line({"flat", {0, 1}, {2, 2}}).svg(),
      plot::Figure().scatter({"one", {1}, {1}}).svg(),
      plot::Figure().line({"empty", {}, {}}).svg(),
      plot::Figure().line({"missing", {kNan}, {kNan}}).svg(),
      plot::Figure().title("nothing").svg(),
      plot::Figure().heatmap({{2, 2}, {2, 2}}, {}, {}).svg(),
      plot::Figure().contour({{1, 1}, {1, 1}}, 0, 1, 0, 1).svg(),
      plot::Figure().bars({"a"}, {{"zero", {0}}}).svg(),
  };
  for (const auto& svg : svgs) {
    expect_well_formed(svg);
    expect_finite(svg);
  }
  EXPECT_EQ(marks(svgs[0], "series"), 1u);
  EXPECT_EQ(marks(svgs[4], "series"), 0u);
  EXPECT_EQ(marks(svgs[7], "cell"), 4u);
}

TEST(Figure, ScatterClassesColourPointsByClass) {
  const std::string svg =
      plot::Figure()
          .scatter_classes({0, 1, 2, 3}, {0, 1, 0, 1}, {0, 1, 2, 1}, {"cat", "dog", "bird"})
          .svg();
  expect_well_formed(svg);
  EXPECT_EQ(marks(svg, "point"), 4u);
  EXPECT_EQ(count(svg, "fill=\"" + plot::palette()[1] + "\""), 3u);  // 2 points and the legend
  for (const auto* name : {">cat<", ">dog<", ">bird<"})
    EXPECT_NE(svg.find(name), std::string::npos);
  EXPECT_THROW(plot::Figure().scatter_classes({0}, {0}, {3}, {"a"}), plexus::Error);
}

TEST(Figure, VlineMarksAnEpoch) {
  const std::string svg =
      plot::Figure().line({"val", {1, 2, 3}, {3, 1, 2}}).vline(2, "best epoch 2").svg();
  expect_well_formed(svg);
  EXPECT_EQ(marks(svg, "vline"), 1u);
  EXPECT_EQ(texts(svg, "vline-label"), std::vector<std::string>{"best epoch 2"});
}

TEST(Figure, HeatmapWritesValuesAndLabels) {
  const std::string svg =
      plot::Figure()
          .heatmap({{5, 1, 0}, {2, 7, 1}, {0, 0, 9}}, {"a", "b", "c"}, {"A", "B", "C"})
          .svg();
  expect_well_formed(svg);
  EXPECT_EQ(marks(svg, "cell"), 9u);
  EXPECT_EQ(texts(svg, "cell-value"),
            (std::vector<std::string>{"5", "1", "0", "2", "7", "1", "0", "0", "9"}));
  EXPECT_EQ(texts(svg, "tick-label y"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(texts(svg, "tick-label x"), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(count(svg, "class=\"colorbar\""), 1u);
  const std::string plain = plot::Figure().heatmap({{0.25, 0.5}}, {}, {}, false).svg();
  EXPECT_EQ(texts(plain, "cell-value").size(), 0u);
  EXPECT_THROW(plot::Figure().heatmap({{1, 2}, {3}}, {}, {}), plexus::Error);
  EXPECT_THROW(plot::Figure().heatmap({{1, 2}}, {"a", "b"}, {}), plexus::Error);
  EXPECT_THROW(plot::Figure().line({"", {1}, {1}}).heatmap({{1}}, {}, {}), plexus::Error);
}

TEST(Figure, ContourFillsBandsWithAColourBar) {
  std::vector<std::vector<double>> z(20, std::vector<double>(30));
  for (size_t i = 0; i < z.size(); ++i)
    for (size_t j = 0; j < z[i].size(); ++j) z[i][j] = static_cast<double>(i + j);
  z[3][4] = kNan;
  const std::string svg = plot::Figure()
                              .contour(z, -1, 1, 0, 2, 5)
                              .scatter_classes({0, 0.5}, {1, 1.5}, {0, 1}, {"a", "b"})
                              .svg();
  expect_well_formed(svg);
  expect_finite(svg);
  EXPECT_GT(marks(svg, "band"), 20u);  // at least one run per row
  EXPECT_EQ(marks(svg, "point"), 2u);
  EXPECT_EQ(count(svg, "class=\"colorbar\""), 1u);
  EXPECT_THROW(plot::Figure().contour(z, 1, -1, 0, 2), plexus::Error);
  EXPECT_THROW(plot::Figure().contour(z, -1, 1, 0, 2).contour(z, -1, 1, 0, 2), plexus::Error);
}

TEST(Figure, RegionsDrawOneRunPerClassChange) {
  const std::string svg =
      plot::Figure().regions({{0, 0, 1, 1}, {0, 1, 1, 2}, {-1, 2, 2, 2}}, 0, 4, 0, 3).svg();
  expect_well_formed(svg);
  EXPECT_EQ(marks(svg, "region"), 6u);  // runs: 0 1 | 0 1 2 | (skipped) 2
  EXPECT_EQ(count(svg, "class=\"colorbar\""), 0u);
}

TEST(Figure, BarsGroupPerCategory) {
  const std::string svg = plot::Figure()
                              .bars({"cat", "dog", "bird"},
                                    {{"precision", {0.9, 0.8, kNan}}, {"recall", {0.7, 0.85, 0.6}}})
                              .svg();
  expect_well_formed(svg);
  expect_finite(svg);
  EXPECT_EQ(marks(svg, "bar"), 5u);
  EXPECT_NE(svg.find(">precision<"), std::string::npos);
  EXPECT_EQ(texts(svg, "tick-label x"), (std::vector<std::string>{"cat", "dog", "bird"}));
  EXPECT_THROW(plot::Figure().bars({"a", "b"}, {{"g", {1}}}), plexus::Error);
  EXPECT_THROW(plot::Figure().log_y().bars({"a"}, {{"g", {1}}}).svg(), plexus::Error);
}

TEST(Figure, TextIsEscaped) {
  const std::string svg = plot::Figure()
                              .title("a < b & \"c\" > 'd'")
                              .xlabel("<x>")
                              .line({"&", {0, 1}, {0, 1}})
                              .vline(0.5, "\"best\"")
                              .svg();
  expect_well_formed(svg);
  EXPECT_NE(svg.find("a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;x&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<x>"), std::string::npos);
}

TEST(Figure, RejectsBadArguments) {
  EXPECT_THROW(plot::Figure(10, 10), plexus::Error);
  EXPECT_THROW(plot::Figure().line({"", {1, 2}, {1}}), plexus::Error);
  EXPECT_THROW(plot::Figure().xlim(1, 1), plexus::Error);
  EXPECT_THROW(plot::Figure().ylim(0, kNan), plexus::Error);
  EXPECT_THROW(plot::Figure().vline(kInf, "x"), plexus::Error);
  EXPECT_THROW(plot::cell_centres(0, 1, 0), plexus::Error);
  EXPECT_EQ(plot::cell_centres(0, 1, 4), (std::vector<double>{0.125, 0.375, 0.625, 0.875}));
}

TEST(Figure, SaveWritesTheFileOrNamesThePath) {
  const auto dir = std::filesystem::temp_directory_path() / "plexus_plot_test_save";
  std::filesystem::create_directories(dir);
  const plot::Figure figure = plot::Figure().line({"", {0, 1}, {0, 1}});
  figure.save((dir / "line.svg").string());
  EXPECT_EQ(slurp(dir / "line.svg"), figure.svg());
  try {
    figure.save((dir / "missing" / "line.svg").string());
    FAIL() << "saving into a missing folder should throw";
  } catch (const plexus::Error& error) {
    EXPECT_NE(std::string(error.what()).find("line.svg"), std::string::npos) << error.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Report, WritesEveryFigureInlineAndAsAFile) {
  const auto dir = std::filesystem::temp_directory_path() / "plexus_plot_test_report" / "nested";
  std::filesystem::remove_all(dir.parent_path());
  const plot::Figure curve = plot::Figure().title("curve").line({"", {0, 1}, {0, 1}});
  const plot::Figure matrix = plot::Figure().heatmap({{1, 2}, {3, 4}}, {"a", "b"}, {"A", "B"});
  plot::Report report("Run <1> & co");
  report.section("Settings")
      .key_values({{"lr", plot::format_number(0.001)}, {"name", "<b>bold</b>"}}, "settings")
      .table({"col", "kind"}, {{"age", "numeric"}, {"city", "categorical"}})
      .section("Figures")
      .figure("curve", curve, "a <curve>")
      .figure("matrix", matrix);
  report.write(dir);

  const std::string html = slurp(dir / "index.html");
  EXPECT_EQ(count(html, "<figure class=\"plot\""), 2u);
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plexus-figure\""), 2u);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);  // declarations belong to files only
  EXPECT_NE(html.find("data-name=\"curve\""), std::string::npos);
  EXPECT_NE(html.find("data-name=\"matrix\""), std::string::npos);
  EXPECT_NE(html.find("<title>Run &lt;1&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>a &lt;curve&gt;</figcaption>"), std::string::npos);
  EXPECT_NE(html.find(">0.001<"), std::string::npos);
  // Self-contained: nothing fetched.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(slurp(dir / "curve.svg"), curve.svg());
  EXPECT_EQ(slurp(dir / "matrix.svg"), matrix.svg());
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  std::filesystem::remove_all(dir.parent_path());
}

TEST(Report, RejectsBadNamesAndRows) {
  plot::Report report("r");
  const plot::Figure figure;
  EXPECT_THROW(report.figure("a/b", figure), plexus::Error);
  EXPECT_THROW(report.figure("", figure), plexus::Error);
  report.figure("a", figure);
  EXPECT_THROW(report.figure("a", figure), plexus::Error);
  EXPECT_THROW(report.table({"x", "y"}, {{"1"}}), plexus::Error);
}

TEST(Report, FormatsNumbers) {
  EXPECT_EQ(plot::format_number(3), "3");
  EXPECT_EQ(plot::format_number(0.123456), "0.1235");
  EXPECT_EQ(plot::format_number(1.5e-7, 3), "1.5e-07");
  EXPECT_EQ(plot::format_number(kNan), "nan");
}

}  // namespace
