// Report: builds the page's HTML as items are added; write() adds the figures' files.
#include "plexus/plot/report.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "base/check.hpp"
#include "plexus/base/atomic_file.hpp"
#include "plot/svg.hpp"

namespace plexus::plot {

namespace {

using detail::escape;

// No script, no external fonts or images: the page works opened from disk.
constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 2em auto;
       max-width: 1100px; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; border-bottom: 2px solid #0072b2; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: .92em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: .3em; }
th, td { border: 1px solid #ccc; padding: .25em .7em; text-align: left; }
th { background: #f0f4f8; }
tr:nth-child(even) td { background: #fafafa; }
table.kv th { font-weight: normal; color: #444; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure.plot { display: inline-block; margin: .5em 1em 1em 0; vertical-align: top; }
figure.plot svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; max-width: 640px; }
table.headline td.num { font-size: 1.3em; font-weight: bold; }
details { margin-top: 1.6em; }
summary { font-size: 1.25em; font-weight: bold; cursor: pointer; }
)";

// Cells that read as numbers are right-aligned.
std::string cell(const char* tag, const std::string& text) {
  char* end = nullptr;
  const bool number = !text.empty() && (std::strtod(text.c_str(), &end), *end == '\0');
  return std::string("<") + tag + (number ? " class=\"num\">" : ">") + escape(text) + "</" + tag +
         ">";
}

std::string caption_html(const std::string& caption) {
  return caption.empty() ? "" : "<caption>" + escape(caption) + "</caption>";
}

// The SVG document without its XML declaration, for inlining in HTML.
std::string inline_svg(const std::string& svg) {
  const auto start = svg.find("<svg");
  return start == std::string::npos ? svg : svg.substr(start);
}

}  // namespace

std::string format_number(double value, int digits) {
  if (!std::isfinite(value)) return std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf");
  char text[48];
  if (value == std::round(value) && std::abs(value) < 1e15) {
    std::snprintf(text, sizeof(text), "%.0f", value);
  } else {
    std::snprintf(text, sizeof(text), "%.*g", std::max(digits, 1), value);
  }
  return text;
}

Report::Report(std::string title) : title_(std::move(title)), sections_(1) {}

Report& Report::section(std::string heading) {
  sections_.push_back({std::move(heading), ""});
  return *this;
}

Report& Report::details(std::string heading) {
  sections_.push_back({std::move(heading), "", true});
  return *this;
}

Report& Report::paragraph(std::string text) {
  current().body += "<p>" + escape(text) + "</p>\n";
  return *this;
}

Report& Report::key_values(std::vector<std::pair<std::string, std::string>> rows,
                           std::string caption) {
  std::string& body = current().body;
  body += "<table class=\"kv\">" + caption_html(caption) + "\n";
  for (const auto& [key, value] : rows)
    body += "<tr>" + cell("th", key) + cell("td", value) + "</tr>\n";
  body += "</table>\n";
  return *this;
}

Report& Report::headline(std::vector<std::vector<std::string>> rows) {
  std::string& body = current().body;
  body += "<table class=\"headline\">\n";
  for (const auto& row : rows) {
    PLEXUS_CHECK(row.size() == 3, "Report::headline: a row is a name, a value and its meaning");
    body += "<tr>" + cell("th", row[0]) + cell("td", row[1]) + cell("td", row[2]) + "</tr>\n";
  }
  body += "</table>\n";
  return *this;
}

Report& Report::table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows,
                      std::string caption) {
  for (size_t i = 0; i < rows.size(); ++i)
    PLEXUS_CHECK(rows[i].size() == header.size(), "Report::table: row ", i, " has ", rows[i].size(),
                 " cells but the header has ", header.size());
  std::string& body = current().body;
  body += "<table>" + caption_html(caption) + "\n<tr>";
  for (const auto& name : header) body += "<th>" + escape(name) + "</th>";
  body += "</tr>\n";
  for (const auto& row : rows) {
    body += "<tr>";
    for (const auto& text : row) body += cell("td", text);
    body += "</tr>\n";
  }
  body += "</table>\n";
  return *this;
}

Report& Report::figure(std::string name, const Figure& figure, std::string caption) {
  PLEXUS_CHECK(!name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                                    std::string::npos,
               "Report::figure: name \"", name,
               "\" must be letters, digits, '-' and '_' (it names the .svg file)");
  for (const auto& f : figures_)
    PLEXUS_CHECK(f.name != name, "Report::figure: there already is a figure named \"", name, "\"");
  std::string svg = figure.svg();
  current().body += "<figure class=\"plot\" id=\"fig-" + name + "\" data-name=\"" + name + "\">\n" +
                    inline_svg(svg) +
                    (caption.empty() ? "" : "<figcaption>" + escape(caption) + "</figcaption>\n") +
                    "</figure>\n";
  figures_.push_back({std::move(name), std::move(svg)});
  return *this;
}

std::string Report::html() const {
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      escape(title_) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + "<h1>" +
      escape(title_) + "</h1>\n";
  for (const auto& s : sections_) {
    if (s.heading.empty() && s.body.empty()) continue;
    if (s.folded) {
      page += "<details>\n<summary>" + escape(s.heading) + "</summary>\n" + s.body + "</details>\n";
      continue;
    }
    page += "<section>\n";
    if (!s.heading.empty()) page += "<h2>" + escape(s.heading) + "</h2>\n";
    page += s.body + "</section>\n";
  }
  return page + "</body>\n</html>\n";
}

void Report::write(const std::filesystem::path& dir) const {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  PLEXUS_CHECK(!error, "Report: cannot create ", dir, ": ", error.message());
  for (const auto& f : figures_) ::plexus::write_file_atomically(dir / (f.name + ".svg"), f.svg);
  ::plexus::write_file_atomically(dir / "index.html", html());
}

}  // namespace plexus::plot
