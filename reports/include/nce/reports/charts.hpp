#pragma once
// SVG charts rendered as inline <svg> elements (no scripts), for HTML reports.
#include <string>
#include <vector>

namespace nce::reports {

struct Series {
  std::string name;
  std::vector<double> values;  // one per category / x value
};

// Vertical bars, one group per category; `stacked` stacks the series instead of placing them
// side by side. Used for per-layer utilization, cycle breakdowns, energy by component and
// channels before/after a search.
struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> categories;  // x axis labels (rotated when many)
  std::vector<Series> series;
  bool stacked = false;
  double y_max = 0;  // 0: from the data
};

// Lines (or steps) over a numeric x axis: e.g. cycles versus output channels (staircase).
struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> x;
  std::vector<Series> series;  // each with x.size() values
  bool steps = false;          // draw as a staircase
};

// A grid of values in [0, 1] coloured light to dark: e.g. candidate probabilities per epoch.
struct Heatmap {
  std::string title;
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  std::vector<std::vector<double>> values;  // [row][column]
};

std::string render_svg(const BarChart& chart);
std::string render_svg(const LineChart& chart);
std::string render_svg(const Heatmap& chart);

}  // namespace nce::reports
