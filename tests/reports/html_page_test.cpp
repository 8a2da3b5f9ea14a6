#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nce/reports/html_page.hpp"
#include "nce/core/input_error.hpp"

namespace nce::reports {
namespace {

Table sample() {
  return Table{{"layer", "cycles"}, {{"conv1", "1200"}, {"a,b \"quoted\"", "7"}}, {false, true}};
}

TEST(Table, CsvQuotesOnlyCellsThatNeedIt) {
  EXPECT_EQ(to_csv(sample()), "layer,cycles\nconv1,1200\n\"a,b \"\"quoted\"\"\",7\n");
}

TEST(Table, MarkdownRightAlignsNumericColumnsAndEscapesPipes) {
  Table table = sample();
  table.rows[0][0] = "x|y";
  EXPECT_EQ(to_markdown(table),
            "| layer | cycles |\n| --- | ---: |\n| x\\|y | 1200 |\n| a,b \"quoted\" | 7 |\n");
}

TEST(Table, HtmlEscapesCellsAndMarksNumericCells) {
  Table table{{"<name>"}, {{"a & b"}}, {true}};
  EXPECT_EQ(to_html(table), "<table class=\"data\">\n<thead><tr><th>&lt;name&gt;</th></tr></thead>\n<tbody>\n"
                            "<tr><td class=\"num\">a &amp; b</td></tr>\n</tbody>\n</table>\n");
}

TEST(HtmlPage, IsSelfContained) {
  HtmlPage page("Report <1>");
  page.add_heading("Layers");
  page.add_paragraph("cycles & energy");
  page.add_table(sample(), "layers");
  page.add_svg("<svg></svg>\n", "a chart");
  const std::string html = page.render();
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>Report &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<div id=\"layers\">"), std::string::npos);
  EXPECT_NE(html.find("<figcaption>a chart</figcaption>"), std::string::npos);
  // Nothing to fetch: no scripts, no external sources or links.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
}

}  // namespace
}  // namespace nce::reports
