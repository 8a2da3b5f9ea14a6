#include "nce/reports/charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "nce/reports/html_page.hpp"

namespace nce::reports {
namespace {

// Okabe & Ito's colour-blind-safe palette, then two greys so up to ten series stay distinct
// (an energy breakdown has nine components).
constexpr std::array<const char*, 10> kPalette = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
                                                  "#56B4E9", "#F0E442", "#000000", "#999999", "#5A5A5A"};

const char* colour(std::size_t index) { return kPalette[index % kPalette.size()]; }

// Frame of every chart: total size and the plot area inside the margins.
struct Frame {
  double width = 960;
  double height = 380;
  double left = 80;
  double right = 20;
  double top = 56;
  double bottom = 50;
  double plot_width() const { return width - left - right; }
  double plot_height() const { return height - top - bottom; }
};

// Axis ticks at 1, 2 or 5 times a power of ten, about `target` of them, covering [0, top].
std::vector<double> nice_ticks(double top, int target = 5) {
  if (!(top > 0) || !std::isfinite(top)) return {0, 1};
  const double raw = top / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (int i = 0; ticks.empty() || ticks.back() < top - 1e-9 * top; ++i) ticks.push_back(i * step);
  return ticks;
}

std::string number(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (magnitude >= 1e4) return fmt::format("{:.3g}k", value / 1e3);
  return fmt::format("{:.4g}", value);
}

std::string open_svg(const Frame& frame, const std::string& title, const std::string& css_class) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">\n<text x=\"{}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
      css_class, frame.width, frame.height, frame.width, frame.height, escape_html(title), frame.left,
      escape_html(title));
}

std::string legend(const Frame& frame, const std::vector<Series>& series) {
  std::string out;
  double x = frame.left;
  for (std::size_t i = 0; i < series.size(); ++i) {
    out += fmt::format(
        "<rect class=\"legend\" x=\"{:.1f}\" y=\"30\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"40\" font-size=\"12\">{}</text>\n",
        x, colour(i), x + 16, escape_html(series[i].name));
    x += 28 + 7.0 * double(series[i].name.size());
  }
  return out;
}

std::string y_axis(const Frame& frame, const std::vector<double>& ticks, const std::string& label) {
  const double top = ticks.back();
  std::string out;
  for (double tick : ticks) {
    const double y = frame.top + frame.plot_height() * (1 - tick / top);
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
        frame.left, y, frame.left + frame.plot_width(), y, frame.left - 6, y + 4, number(tick));
  }
  out += fmt::format(
      "<text transform=\"translate(16,{:.1f}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
      frame.top + frame.plot_height() / 2, escape_html(label));
  out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#444\"/>\n", frame.left,
                     frame.top, frame.top + frame.plot_height());
  return out;
}

}  // namespace

std::string render_svg(const BarChart& chart) {
  Frame frame;
  const std::size_t count = chart.categories.size();
  const bool rotate = count > 12;
  std::size_t longest = 0;
  for (const auto& category : chart.categories) longest = std::max(longest, category.size());
  if (rotate) frame.bottom = 20 + 5.5 * double(std::min<std::size_t>(longest, 40));
  frame.height += frame.bottom - 50;

  double data_max = 0;
  for (std::size_t c = 0; c < count; ++c) {
    double stack = 0;
    for (const auto& s : chart.series) {
      const double v = c < s.values.size() ? std::max(0.0, s.values[c]) : 0.0;
      stack += v;
      data_max = std::max(data_max, chart.stacked ? stack : v);
    }
  }
  const std::vector<double> ticks = nice_ticks(chart.y_max > 0 ? chart.y_max : data_max);
  const double top = ticks.back();

  std::string out = open_svg(frame, chart.title, "chart bar-chart");
  out += legend(frame, chart.series);
  out += y_axis(frame, ticks, chart.y_label);
  const double slot = frame.plot_width() / double(std::max<std::size_t>(count, 1));
  const double group = slot * 0.8;
  const std::size_t lanes = chart.stacked ? 1 : std::max<std::size_t>(chart.series.size(), 1);
  const double bar_width = group / double(lanes);
  const double base_y = frame.top + frame.plot_height();
  for (std::size_t c = 0; c < count; ++c) {
    const double slot_x = frame.left + slot * double(c) + (slot - group) / 2;
    double stacked_height = 0;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const double value = c < chart.series[s].values.size() ? chart.series[s].values[c] : 0.0;
      const double height = frame.plot_height() * std::clamp(value, 0.0, top) / top;
      const double x = chart.stacked ? slot_x : slot_x + bar_width * double(s);
      const double y = base_y - stacked_height - height;
      out += fmt::format(
          "<rect class=\"bar\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\">"
          "<title>{}: {} = {}</title></rect>\n",
          x, y, bar_width, height, colour(s), escape_html(chart.categories[c]), escape_html(chart.series[s].name),
          number(value));
      if (chart.stacked) stacked_height += height;
    }
    const double label_x = frame.left + slot * (double(c) + 0.5);
    if (rotate) {
      out += fmt::format(
          "<text class=\"category\" transform=\"translate({:.1f},{:.1f}) rotate(-60)\" font-size=\"10\" "
          "text-anchor=\"end\">{}</text>\n",
          label_x, base_y + 10, escape_html(chart.categories[c]));
    } else {
      out += fmt::format("<text class=\"category\" x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                         label_x, base_y + 16, escape_html(chart.categories[c]));
    }
  }
  out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#444\"/>\n", frame.left,
                     base_y, frame.left + frame.plot_width(), base_y);
  return out + "</svg>\n";
}

std::string render_svg(const LineChart& chart) {
  Frame frame;
  frame.bottom = 60;
  double y_top = 0;
  for (const auto& s : chart.series) {
    for (double v : s.values) y_top = std::max(y_top, v);
  }
  const std::vector<double> ticks = nice_ticks(y_top);
  const double top = ticks.back();
  const double x_min = chart.x.empty() ? 0 : *std::min_element(chart.x.begin(), chart.x.end());
  const double x_max = chart.x.empty() ? 1 : *std::max_element(chart.x.begin(), chart.x.end());
  const double x_span = x_max > x_min ? x_max - x_min : 1;
  auto px = [&](double x) { return frame.left + frame.plot_width() * (x - x_min) / x_span; };
  auto py = [&](double y) { return frame.top + frame.plot_height() * (1 - std::clamp(y, 0.0, top) / top); };

  std::string out = open_svg(frame, chart.title, "chart line-chart");
  out += legend(frame, chart.series);
  out += y_axis(frame, ticks, chart.y_label);
  const double base_y = frame.top + frame.plot_height();
  out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#444\"/>\n", frame.left,
                     base_y, frame.left + frame.plot_width(), base_y);
  for (double tick : nice_ticks(x_span, 10)) {
    const double x = x_min + tick;
    if (x > x_max + 1e-9) break;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n", px(x),
                       base_y + 16, number(x));
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                     frame.left + frame.plot_width() / 2, base_y + 40, escape_html(chart.x_label));
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const auto& values = chart.series[s].values;
    std::string points;
    for (std::size_t i = 0; i < std::min(values.size(), chart.x.size()); ++i) {
      if (chart.steps && i > 0) points += fmt::format("{:.2f},{:.2f} ", px(chart.x[i]), py(values[i - 1]));
      points += fmt::format("{:.2f},{:.2f} ", px(chart.x[i]), py(values[i]));
    }
    out += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                       colour(s), points);
  }
  return out + "</svg>\n";
}

std::string render_svg(const Heatmap& chart) {
  Frame frame;
  std::size_t longest = 0;
  for (const auto& label : chart.row_labels) longest = std::max(longest, label.size());
  frame.left = 20 + 6.5 * double(std::min<std::size_t>(longest, 40));
  const std::size_t rows = chart.values.size();
  std::size_t columns = 0;
  for (const auto& row : chart.values) columns = std::max(columns, row.size());
  const double cell_height = 16;
  frame.height = frame.top + cell_height * double(rows) + frame.bottom;
  const double cell_width = frame.plot_width() / double(std::max<std::size_t>(columns, 1));

  std::string out = open_svg(frame, chart.title, "chart heatmap");
  for (std::size_t r = 0; r < rows; ++r) {
    const double y = frame.top + cell_height * double(r);
    if (r < chart.row_labels.size()) {
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\">{}</text>\n",
                         frame.left - 4, y + cell_height - 4, escape_html(chart.row_labels[r]));
    }
    for (std::size_t c = 0; c < chart.values[r].size(); ++c) {
      const double v = std::clamp(chart.values[r][c], 0.0, 1.0);
      // White (0) to the palette's blue (1): interpolate each channel.
      const int red = int(std::lround(255 + (0x00 - 255) * v));
      const int green = int(std::lround(255 + (0x72 - 255) * v));
      const int blue = int(std::lround(255 + (0xB2 - 255) * v));
      const std::string column = c < chart.column_labels.size() ? chart.column_labels[c] : std::to_string(c);
      out += fmt::format(
          "<rect class=\"cell\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
          "fill=\"#{:02x}{:02x}{:02x}\"><title>{} / {}: {:.3f}</title></rect>\n",
          frame.left + cell_width * double(c), y, cell_width, cell_height, red, green, blue,
          r < chart.row_labels.size() ? escape_html(chart.row_labels[r]) : std::to_string(r), escape_html(column),
          chart.values[r][c]);
    }
  }
  const double base_y = frame.top + cell_height * double(rows);
  const std::size_t label_every = std::max<std::size_t>(1, columns / 12);
  for (std::size_t c = 0; c < columns; c += label_every) {
    const std::string column = c < chart.column_labels.size() ? chart.column_labels[c] : std::to_string(c);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\n",
                       frame.left + cell_width * (double(c) + 0.5), base_y + 14, escape_html(column));
  }
  return out + "</svg>\n";
}

}  // namespace nce::reports
