#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "nce/reports/charts.hpp"

namespace nce::reports {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string fmt_height(double height) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "height=\"%.2f\"", height);
  return buffer;
}

// Default frame: 380 px high, 56 px top and 50 px bottom margins: a 274 px plot.
constexpr double kPlotHeight = 274;

TEST(BarChart, OneBarPerCategoryAndSeriesScaledToTheAxis) {
  BarChart chart{"Utilization", "%", {"a", "b", "c"}, {{"util", {50, 100, 25}}, {"other", {0, 10, 20}}}, false, 100};
  const std::string svg = render_svg(chart);
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 6u);
  EXPECT_EQ(count(svg, "<text class=\"category\""), 3u);
  EXPECT_NE(svg.find(fmt_height(kPlotHeight * 0.5)), std::string::npos);
  EXPECT_NE(svg.find(fmt_height(kPlotHeight)), std::string::npos);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

TEST(BarChart, AxisTopIsTheNextNiceNumber) {
  // Largest value 87 -> ticks 0, 20, ..., 100, so 87 fills 87% of the plot height.
  BarChart chart{"t", "y", {"x"}, {{"s", {87}}}};
  const std::string svg = render_svg(chart);
  EXPECT_NE(svg.find(fmt_height(kPlotHeight * 0.87)), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">120</text>"), std::string::npos);
}

TEST(BarChart, StackedBarsSitOnEachOther) {
  // 30 + 70 stack to 100 = the axis top: the second bar starts at the plot's top margin.
  BarChart chart{"t", "y", {"x"}, {{"compute", {30}}, {"stall", {70}}}, true};
  const std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("y=\"56.00\""), std::string::npos);
  EXPECT_EQ(count(svg, "<rect class=\"bar\""), 2u);
}

TEST(BarChart, ManyCategoriesGetRotatedLabels) {
  BarChart chart{"t", "y", {}, {{"s", {}}}};
  for (int i = 0; i < 20; ++i) {
    chart.categories.push_back("layer" + std::to_string(i));
    chart.series[0].values.push_back(i);
  }
  EXPECT_EQ(count(render_svg(chart), "rotate(-60)"), 20u);
}

TEST(BarChart, NineSeriesGetNineDistinctColours) {
  BarChart chart{"energy", "pJ", {"layer"}, {}, true};
  for (int i = 0; i < 9; ++i) chart.series.push_back({"component" + std::to_string(i), {1.0}});
  const std::string svg = render_svg(chart);
  std::set<std::string> fills;
  for (auto at = svg.find("<rect class=\"bar\""); at != std::string::npos; at = svg.find("<rect class=\"bar\"", at + 1)) {
    const auto fill = svg.find("fill=\"", at) + 6;
    fills.insert(svg.substr(fill, 7));
  }
  EXPECT_EQ(fills.size(), 9u);
}

TEST(LineChart, StepsDoubleThePointsExceptTheFirst) {
  LineChart chart{"cycles vs channels", "channels", "cycles", {16, 17, 32}, {{"cycles", {100, 200, 200}}}, true};
  const std::string svg = render_svg(chart);
  const auto start = svg.find("points=\"");
  const auto end = svg.find('"', start + 8);
  EXPECT_EQ(count(svg.substr(start, end - start), ","), 5u);  // 3 points + 2 step corners
}

TEST(Heatmap, ColoursRunFromWhiteToBlue) {
  Heatmap chart{"p", {"layer1"}, {"e0", "e1"}, {{0.0, 1.0}}};
  const std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("fill=\"#ffffff\""), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#0072b2\""), std::string::npos);
  EXPECT_EQ(count(svg, "<rect class=\"cell\""), 2u);
}

}  // namespace
}  // namespace nce::reports
