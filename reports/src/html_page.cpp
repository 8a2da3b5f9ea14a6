#include "nce/reports/html_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
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

namespace {

// The number a cell starts with ("1,234", "45.2%", "3.5 us"); NaN when it starts with none.
double leading_number(const std::string& cell) {
  std::string digits;
  for (char c : cell) {
    if (c == ',') continue;
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
      digits += c;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::numeric_limits<double>::quiet_NaN();
  char* end = nullptr;
  const double value = std::strtod(digits.c_str(), &end);
  return end == digits.c_str() ? std::numeric_limits<double>::quiet_NaN() : value;
}

}  // namespace

std::string sortable_table_html(const SortableTable& sortable, const std::string& id) {
  const Table& table = sortable.table;
  const std::size_t columns = table.header.size();
  const std::size_t rows = table.rows.size();
  // Rank of every row in every column (ties keep the original order).
  std::vector<std::vector<std::size_t>> rank(columns, std::vector<std::size_t>(rows));
  for (std::size_t c = 0; c < columns; ++c) {
    std::vector<std::size_t> order(rows);
    for (std::size_t r = 0; r < rows; ++r) order[r] = r;
    const bool numeric = right_aligned(table, c);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const std::string& x = table.rows[a][c];
      const std::string& y = table.rows[b][c];
      if (numeric) {
        const double u = leading_number(x), v = leading_number(y);
        if (std::isnan(u) || std::isnan(v)) return std::isnan(v) && !std::isnan(u);  // blanks last
        return u < v;
      }
      return x < y;
    });
    for (std::size_t position = 0; position < rows; ++position) rank[c][order[position]] = position + 1;
  }
  // Column widths in characters, the same for every row so the per-row grids line up.
  std::string template_columns;
  for (std::size_t c = 0; c < columns; ++c) {
    std::size_t width = table.header[c].size() + 3;
    for (const auto& row : table.rows) width = std::max(width, row[c].size() + 2);
    template_columns += fmt::format(" {}ch", std::min<std::size_t>(std::max<std::size_t>(width, 5), 44));
  }
  const std::string sid = escape_html(id);
  std::string css = fmt::format(
      "<style>\n#{0} input.sort {{ display: none; }}\n#{0} table {{ display: block; overflow-x: auto; }}\n"
      "#{0} thead, #{0} tbody {{ display: flex; flex-direction: column; width: max-content; }}\n"
      "#{0} tr {{ display: grid; grid-template-columns:{1}; }}\n"
      "#{0} th label {{ cursor: pointer; color: #0072B2; padding: 0 .15em; }}\n"
      "#{0} td, #{0} th {{ overflow-wrap: anywhere; }}\n"
      "#{0} tbody tr.optional {{ display: none; }}\n#{0}-all:checked ~ table tbody tr.optional {{ display: grid; }}\n",
      sid, template_columns);
  std::string inputs;
  if (!sortable.toggle_label.empty()) {
    inputs += fmt::format("<input type=\"checkbox\" id=\"{0}-all\"><label for=\"{0}-all\"> {1}</label>\n", sid,
                          escape_html(sortable.toggle_label));
  }
  for (std::size_t c = 0; c < columns; ++c) {
    inputs += fmt::format(
        "<input class=\"sort\" type=\"radio\" name=\"{0}-sort\" id=\"{0}-s{1}a\"><input class=\"sort\" type=\"radio\" "
        "name=\"{0}-sort\" id=\"{0}-s{1}d\">\n",
        sid, c);
    css += fmt::format(
        "#{0}-s{1}a:checked ~ table tbody tr {{ order: var(--k{1}); }}\n"
        "#{0}-s{1}d:checked ~ table tbody tr {{ order: calc(-1 * var(--k{1})); }}\n"
        "#{0}-s{1}a:checked ~ table thead th:nth-child({2}), #{0}-s{1}d:checked ~ table thead th:nth-child({2}) "
        "{{ background: #d6e6f5; }}\n",
        sid, c, c + 1);
  }
  css += "</style>\n";
  std::string html = css + fmt::format("<div class=\"sortable\" id=\"{}\">\n", sid) + inputs;
  html += "<table class=\"data\">\n<thead><tr>";
  for (std::size_t c = 0; c < columns; ++c) {
    html += fmt::format(
        "<th>{1} <label for=\"{0}-s{2}a\" title=\"sort ascending\">&#9650;</label><label for=\"{0}-s{2}d\" "
        "title=\"sort descending\">&#9660;</label></th>",
        sid, escape_html(table.header[c]), c);
  }
  html += "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < rows; ++r) {
    std::string style;
    for (std::size_t c = 0; c < columns; ++c) style += fmt::format("--k{}:{};", c, rank[c][r]);
    const bool optional = r < sortable.optional_rows.size() && sortable.optional_rows[r];
    html += fmt::format("<tr{} style=\"{}\">", optional ? " class=\"optional\"" : "", style);
    for (std::size_t c = 0; c < columns; ++c) {
      html += right_aligned(table, c) ? "<td class=\"num\">" : "<td>";
      html += escape_html(table.rows[r][c]) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n</div>\n";
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
