#pragma once
// Self-contained HTML pages (inline CSS and SVG, no scripts or external resources) that open
// offline, plus the tables every report format shares.
#include <filesystem>
#include <string>
#include <vector>

namespace nce::reports {

// A table as text cells; renderers escape as their format needs.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // per column: right-align (HTML/Markdown); empty = all left
};

std::string to_csv(const Table& table);       // RFC 4180 quoting where needed
std::string to_markdown(const Table& table);  // GitHub-flavoured pipe table
std::string to_html(const Table& table, const std::string& css_class = "data");

std::string escape_html(const std::string& text);

// A table that sorts in the browser without scripts: each header has ascending/descending
// arrows (labels of hidden radio buttons) and each row carries its rank in every column as a CSS
// custom property, which the checked button turns into the row's flex `order`. Numeric columns
// (Table::numeric) rank by the number their text starts with (thousands separators ignored),
// the others by text. Rows marked in `optional_rows` stay hidden unless the checkbox labelled
// `toggle_label` above the table is ticked. `id` must be unique in the page.
struct SortableTable {
  Table table;
  std::vector<bool> optional_rows;  // empty: every row always shown
  std::string toggle_label;
};
std::string sortable_table_html(const SortableTable& sortable, const std::string& id);

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);
  void add_heading(const std::string& text, int level = 2);
  void add_paragraph(const std::string& text);  // escaped
  void add_table(const Table& table, const std::string& id = "");
  void add_svg(const std::string& svg, const std::string& caption = "");  // from charts.hpp
  void add_raw_html(const std::string& html);  // caller guarantees well-formed markup
  std::string render() const;

 private:
  std::string title_;
  std::string body_;
};

}  // namespace nce::reports
