// px::plot::Report: a self-contained HTML page of tables and figures (a run's settings, metrics,
// learning curves), readable from disk with no server and no external resource. Sections may be
// folded (<details>), which needs no script either.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "plexus/plot/figure.hpp"

namespace plexus::plot {

/// A number as a table cell: `digits` significant digits, integers without a decimal point.
std::string format_number(double value, int digits = 4);

/// Items go into the current section (the one last opened by section(), or the page's top before
/// any). Everything given is HTML-escaped.
class Report {
 public:
  explicit Report(std::string title);

  /// Opens a new section with a heading.
  Report& section(std::string heading);
  /// Opens a new section folded under its heading (<details>): what a reader seldom needs.
  Report& details(std::string heading);
  /// A paragraph of text.
  Report& paragraph(std::string text);
  /// A two-column table of names and values, e.g. the run's settings.
  Report& key_values(std::vector<std::pair<std::string, std::string>> rows,
                     std::string caption = "");
  /// The numbers a reader came for, set large: rows of a name, its value and what it means.
  Report& headline(std::vector<std::vector<std::string>> rows);
  /// A table with a header row; every row has as many cells as the header.
  Report& table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows,
                std::string caption = "");
  /// A figure, drawn now (later changes to `figure` do not show). name is its file name without
  /// ".svg": letters, digits, '-' and '_', unique within the report.
  Report& figure(std::string name, const Figure& figure, std::string caption = "");

  /// The page: inline CSS, every figure's SVG inlined.
  std::string html() const;
  /// Writes dir/index.html and dir/<name>.svg per figure, each atomically (a temporary file, then
  /// a rename); creates dir if needed. Throws plexus::Error naming the path that failed.
  void write(const std::filesystem::path& dir) const;

 private:
  struct Drawn {
    std::string name, svg;
  };
  struct Section {
    std::string heading;
    std::string body;  // HTML
    bool folded = false;
  };
  Section& current() { return sections_.back(); }

  std::string title_;
  std::vector<Section> sections_;
  std::vector<Drawn> figures_;
};

}  // namespace plexus::plot
