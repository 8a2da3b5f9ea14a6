#include "nce/explore/scatter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "nce/reports/html_page.hpp"

namespace nce::explore {
namespace {

// reports/src/charts.cpp's palette (Okabe & Ito, then greys).
constexpr std::array<const char*, 10> kPalette = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
                                                  "#56B4E9", "#F0E442", "#000000", "#999999", "#5A5A5A"};
constexpr double kWidth = 960, kHeight = 470, kLeft = 90, kRight = 24, kTop = 78, kBottom = 56;

std::string number(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9) return fmt::format("{:.3g}G", value / 1e9);
  if (magnitude >= 1e6) return fmt::format("{:.3g}M", value / 1e6);
  if (magnitude >= 1e4) return fmt::format("{:.3g}k", value / 1e3);
  return fmt::format("{:.3g}", value);
}

struct Axis {
  double lo = 0;
  double hi = 1;
  bool log = false;
  std::vector<double> ticks;

  // Position in [0, 1] of a value.
  double fraction(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

Axis make_axis(std::vector<double> values) {
  Axis axis;
  if (values.empty()) return axis;
  const auto [min_it, max_it] = std::minmax_element(values.begin(), values.end());
  double lo = *min_it, hi = *max_it;
  if (lo > 0 && hi / lo > 30) {
    axis.log = true;
    axis.lo = lo / 1.25;
    axis.hi = hi * 1.25;
    const int first = int(std::floor(std::log10(axis.lo))), last = int(std::ceil(std::log10(axis.hi)));
    for (int e = first; e <= last; ++e) {
      for (double m : (last - first <= 2 ? std::vector<double>{1, 2, 5} : std::vector<double>{1})) {
        const double t = m * std::pow(10.0, e);
        if (t >= axis.lo && t <= axis.hi) axis.ticks.push_back(t);
      }
    }
    return axis;
  }
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double pad = (hi - lo) * 0.06;
  axis.lo = lo - pad;
  axis.hi = hi + pad;
  if (*min_it >= 0 && axis.lo < 0) axis.lo = 0;
  const double raw = (axis.hi - axis.lo) / 6;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double f : {1.0, 2.0, 5.0, 10.0}) {
    step = f * magnitude;
    if (step >= raw) break;
  }
  for (double t = std::ceil(axis.lo / step) * step; t <= axis.hi + 1e-12 * step; t += step) {
    axis.ticks.push_back(std::fabs(t) < 1e-12 * step ? 0.0 : t);
  }
  return axis;
}

// A marker of `shape` centred at (x, y) with radius r, carrying the attributes and hover text.
std::string marker(std::size_t shape, double x, double y, double r, const std::string& attributes, const std::string& title) {
  const std::string inner = title.empty() ? "" : fmt::format("<title>{}</title>", reports::escape_html(title));
  switch (shape % 5) {
    case 1:
      return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" {}>{}</rect>", x - r * 0.9,
                         y - r * 0.9, r * 1.8, r * 1.8, attributes, inner);
    case 2:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}>{}</polygon>", x, y - r * 1.1,
                         x - r, y + r * 0.8, x + r, y + r * 0.8, attributes, inner);
    case 3:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}>{}</polygon>", x,
                         y - r * 1.2, x + r, y, x, y + r * 1.2, x - r, y, attributes, inner);
    case 4:
      return fmt::format("<polygon points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" {}>{}</polygon>", x, y + r * 1.1,
                         x - r, y - r * 0.8, x + r, y - r * 0.8, attributes, inner);
    default:
      return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\" {}>{}</circle>", x, y, r, attributes, inner);
  }
}

std::string legend(const ScatterPlot& plot) {
  std::string out;
  double x = kLeft, y = 38;
  auto advance = [&](const std::string& text) {
    x += 30 + 6.6 * double(text.size());
    if (x > kWidth - 160) {
      x = kLeft;
      y += 16;
    }
  };
  for (std::size_t i = 0; i < plot.colour_names.size(); ++i) {
    out += marker(0, x + 5, y - 4, 5, fmt::format("fill=\"{}\"", kPalette[i % kPalette.size()]), "");
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">{}</text>\n", x + 14, y,
                       reports::escape_html(plot.colour_names[i]));
    advance(plot.colour_names[i]);
  }
  for (std::size_t i = 0; i < plot.shape_names.size(); ++i) {
    out += marker(i, x + 5, y - 4, 5, "fill=\"#777\"", "");
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">{}</text>\n", x + 14, y,
                       reports::escape_html(plot.shape_names[i]));
    advance(plot.shape_names[i]);
  }
  out += marker(0, x + 5, y - 4, 6, "fill=\"#fff\" stroke=\"#000\" stroke-width=\"2\"", "");
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\">Pareto front</text>\n", x + 15, y);
  return out;
}

}  // namespace

std::string render_svg(const ScatterPlot& plot) {
  std::vector<double> xs, ys;
  for (const ScatterPoint& p : plot.points) {
    xs.push_back(p.x);
    ys.push_back(p.y);
  }
  const Axis x_axis = make_axis(xs), y_axis = make_axis(ys);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + x_axis.fraction(v) * plot_w; };
  auto py = [&](double v) { return kTop + (1 - y_axis.fraction(v)) * plot_h; };

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scatter\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "role=\"img\" aria-label=\"{2}\">\n<text x=\"{3}\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{2}</text>\n",
      kWidth, kHeight, reports::escape_html(plot.title), kLeft);
  out += legend(plot);
  // Grid, ticks and axis labels.
  for (double t : x_axis.ticks) {
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e4e4e4\"/><text x=\"{0:.1f}\" y=\"{3}\" "
        "font-size=\"11\" text-anchor=\"middle\">{4}</text>\n",
        px(t), kTop, kTop + plot_h, kTop + plot_h + 16, number(t));
  }
  for (double t : y_axis.ticks) {
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#e4e4e4\"/><text x=\"{3}\" y=\"{4:.1f}\" "
        "font-size=\"11\" text-anchor=\"end\">{5}</text>\n",
        kLeft, py(t), kLeft + plot_w, kLeft - 6, py(t) + 4, number(t));
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", kLeft, kTop,
                     plot_w, plot_h);
  out += fmt::format("<text class=\"x-label\" x=\"{:.1f}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}{}</text>\n",
                     kLeft + plot_w / 2, kHeight - 12, reports::escape_html(plot.x_label), x_axis.log ? " (log scale)" : "");
  out += fmt::format(
      "<text class=\"y-label\" x=\"16\" y=\"{0:.1f}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
      "{0:.1f})\">{1}{2}</text>\n",
      kTop + plot_h / 2, reports::escape_html(plot.y_label), y_axis.log ? " (log scale)" : "");
  // Points off the front first, the front on top.
  for (const ScatterPoint& p : plot.points) {
    if (p.front) continue;
    out += marker(p.shape, px(p.x), py(p.y), 4,
                  fmt::format("class=\"point\" fill=\"{}\" fill-opacity=\"0.45\"", kPalette[p.colour % kPalette.size()]),
                  p.label) +
           "\n";
  }
  if (plot.front_line) {
    std::vector<const ScatterPoint*> front;
    for (const ScatterPoint& p : plot.points) {
      if (p.front) front.push_back(&p);
    }
    std::sort(front.begin(), front.end(), [](const ScatterPoint* a, const ScatterPoint* b) { return a->x < b->x; });
    std::string path;
    for (std::size_t i = 0; i < front.size(); ++i) {
      if (i > 0) path += fmt::format(" {:.1f},{:.1f}", px(front[i]->x), py(front[i - 1]->y));
      path += fmt::format(" {:.1f},{:.1f}", px(front[i]->x), py(front[i]->y));
    }
    if (!front.empty()) {
      out += fmt::format("<polyline class=\"front-line\" points=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\" "
                         "stroke-dasharray=\"4 3\"/>\n",
                         path);
    }
  }
  for (const ScatterPoint& p : plot.points) {
    if (!p.front) continue;
    out += marker(p.shape, px(p.x), py(p.y), 6,
                  fmt::format("class=\"front-point\" fill=\"{}\" stroke=\"#000\" stroke-width=\"1.5\"",
                              kPalette[p.colour % kPalette.size()]),
                  p.label) +
           "\n";
  }
  return out + "</svg>\n";
}

}  // namespace nce::explore
