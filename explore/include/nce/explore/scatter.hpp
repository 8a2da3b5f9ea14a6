#pragma once
// Scatter plots as inline SVG for report.html (no scripts): every point a marker whose <title>
// the browser shows on hover, the Pareto front's points drawn on top, larger and outlined (class
// "front-point"; the others "point"), optionally joined by the front's staircase (class
// "front-line"). Colours tell one category (e.g. the array) apart, marker shapes another (e.g.
// the dataflow). Axes carry their units; an axis spanning more than 30x is logarithmic.
// Style follows reports/src/charts.cpp (its palette and fonts).
#include <string>
#include <vector>

namespace nce::explore {

struct ScatterPoint {
  double x = 0;
  double y = 0;
  std::string label;      // hover text
  std::size_t colour = 0; // into ScatterPlot::colour_names
  std::size_t shape = 0;  // into ScatterPlot::shape_names (circle, square, triangle, diamond, ...)
  bool front = false;
};

struct ScatterPlot {
  std::string title;
  std::string x_label;  // with unit, e.g. "latency (ms)"
  std::string y_label;
  std::vector<ScatterPoint> points;
  std::vector<std::string> colour_names;  // legend
  std::vector<std::string> shape_names;   // legend
  bool front_line = false;  // join the front points in x order by a staircase (2-objective fronts)
};

std::string render_svg(const ScatterPlot& plot);

}  // namespace nce::explore
