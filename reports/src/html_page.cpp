#include "nce/reports/html_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include "nce/core/input_error.hpp"

namespace nce::reports {
namespace {

bool right_aligned(const Table& table, std::size_t column) {
  return column < table.numeric.size() && table.numeric[column];
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string markdown_cell(const std::string& cell) {
  std::string escaped;
  for (char c : cell) {
    if (c == '|') escaped += '\\';
    escaped += (c == '\n') ? ' ' : c;
  }
  return escaped;
}

// Plain, print-friendly styling; everything inline so the page opens offline.
constexpr const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; border-bottom: 2px solid #0072B2; padding-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 1.6em; }
table.data { border-collapse: collapse; font-size: .85em; margin: .5em 0 1.5em; }
table.data th, table.data td { border: 1px solid #ccc; padding: .25em .6em; }
table.data th { background: #f0f4f8; position: sticky; top: 0; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tbody tr:nth-child(even) { background: #fafafa; }
figure { margin: 1em 0 2em; }
figcaption { font-size: .85em; color: #555; margin-top: .3em; }
svg text { font-family: system-ui, sans-serif; }
)";

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string to_csv(const Table& table) {
  std::string out;
  auto row_text = [](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += ',';
      line += csv_cell(row[i]);
    }
    return line + "\n";
  };
  out += row_text(table.header);
  for (const auto& row : table.rows) out += row_text(row);
  return out;
}

std::string to_markdown(const Table& table) {
  std::string out = "|";
  for (const auto& cell : table.header) out += fmt::format(" {} |", markdown_cell(cell));
  out += "\n|";
  for (std::size_t i = 0; i < table.header.size(); ++i) out += right_aligned(table, i) ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : table.rows) {
    out += "|";
    for (const auto& cell : row) out += fmt::format(" {} |", markdown_cell(cell));
    out += "\n";
  }
  return out;
}

std::string to_html(const Table& table, const std::string& css_class) {
  std::string out = fmt::format("<table class=\"{}\">\n<thead><tr>", escape_html(css_class));
  for (const auto& cell : table.header) out += "<th>" + escape_html(cell) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += right_aligned(table, i) ? "<td class=\"num\">" : "<td>";
      out += escape_html(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::add_heading(const std::string& text, int level) {
  level = std::clamp(level, 1, 6);
  body_ += fmt::format("<h{0}>{1}</h{0}>\n", level, escape_html(text));
}

void HtmlPage::add_paragraph(const std::string& text) { body_ += "<p>" + escape_html(text) + "</p>\n"; }

void HtmlPage::add_table(const Table& table, const std::string& id) {
  if (!id.empty()) body_ += fmt::format("<div id=\"{}\">\n", escape_html(id));
  body_ += to_html(table);
  if (!id.empty()) body_ += "</div>\n";
}

void HtmlPage::add_svg(const std::string& svg, const std::string& caption) {
  body_ += "<figure>\n" + svg;
  if (!caption.empty()) body_ += "<figcaption>" + escape_html(caption) + "</figcaption>\n";
  body_ += "</figure>\n";
}

void HtmlPage::add_raw_html(const std::string& html) { body_ += html; }

std::string HtmlPage::render() const {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n{2}</body>\n</html>\n",
      escape_html(title_), kStyle, body_);
}

}  // namespace nce::reports
