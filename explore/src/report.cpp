// report.html of nce explore: best points, scatter plots of every front, a sortable table.
// The table sorts without scripts: each row carries its rank in every column as a CSS custom
// property (--k3: 17), one hidden radio button per column and direction selects which rank
// becomes the rows' flex `order`, and the header's labels toggle the radio buttons.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "nce/explore/outputs.hpp"
#include "nce/explore/scatter.hpp"
#include "nce/reports/html_page.hpp"

namespace nce::explore {
namespace {

// How a metric is shown: pJ as uJ, the rest in its own unit.
struct Display {
  double scale = 1;
  std::string unit;
};
Display display_of(const std::string& metric) {
  const MetricInfo& m = metric_named(metric, "report");
  if (m.unit == "pJ") return {1e-6, "uJ"};
  return {1, m.unit};
}

std::string axis_label(const std::string& metric) {
  const Display d = display_of(metric);
  return d.unit == metric ? metric : fmt::format("{} ({})", metric, d.unit);
}

std::string value_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

std::string shown(const PointRecord& r, const std::string& metric) {
  if (!r.has(metric)) return "-";
  return value_text(r.metric(metric) * display_of(metric).scale);
}

std::vector<std::string> distinct(const std::vector<PointRecord>& records, std::string PointRecord::*field) {
  std::vector<std::string> out;
  for (const PointRecord& r : records) {
    if (std::find(out.begin(), out.end(), r.*field) == out.end()) out.push_back(r.*field);
  }
  return out;
}

std::size_t position(const std::vector<std::string>& list, const std::string& value) {
  return std::size_t(std::find(list.begin(), list.end(), value) - list.begin());
}

std::string hover(const PointRecord& r, const std::vector<std::string>& metrics) {
  std::string out = fmt::format("#{} {}", r.index, describe(r));
  for (const std::string& m : metrics) out += fmt::format("\n{} = {} {}", m, shown(r, m), display_of(m).unit);
  return out;
}

void add_front_plots(reports::HtmlPage& page, const std::vector<PointRecord>& records, const Front& front) {
  const std::vector<std::string> arrays = distinct(records, &PointRecord::array);
  const std::vector<std::string> dataflows = distinct(records, &PointRecord::dataflow);
  std::set<std::size_t> members(front.members.begin(), front.members.end());
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t a = 0; a < front.objectives.size(); ++a)
    for (std::size_t b = a + 1; b < front.objectives.size(); ++b) pairs.emplace_back(a, b);
  for (const auto& [a, b] : pairs) {
    const std::string& xm = front.objectives[a];
    const std::string& ym = front.objectives[b];
    ScatterPlot plot;
    plot.title = fmt::format("{}: {} vs {}", front.workload, ym, xm);
    plot.x_label = axis_label(xm);
    plot.y_label = axis_label(ym);
    plot.colour_names = arrays;
    plot.shape_names = dataflows;
    plot.front_line = front.objectives.size() == 2;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const PointRecord& r = records[i];
      if (r.workload != front.workload || !r.feasible || !r.has(xm) || !r.has(ym)) continue;
      plot.points.push_back({r.metric(xm) * display_of(xm).scale, r.metric(ym) * display_of(ym).scale,
                             hover(r, front.objectives), position(arrays, r.array), position(dataflows, r.dataflow),
                             members.contains(i)});
    }
    const std::string caption =
        front.objectives.size() == 2
            ? fmt::format("{} points of {}; the {} on the Pareto front of {} are outlined and joined. Hover a point for "
                          "its configuration.",
                          plot.points.size(), front.workload, members.size(), fmt::join(front.objectives, " x "))
            : fmt::format("{} points of {}; the {} on the Pareto front of {} are outlined (a projection: front points "
                          "may look dominated in two of the three objectives). Hover a point for its configuration.",
                          plot.points.size(), front.workload, members.size(), fmt::join(front.objectives, " x "));
    page.add_raw_html(fmt::format("<div class=\"front\" data-workload=\"{}\" data-objectives=\"{}\" data-members=\"{}\">\n",
                                  reports::escape_html(front.workload), fmt::join(front.objectives, ","), members.size()));
    page.add_svg(render_svg(plot), caption);
    page.add_raw_html("</div>\n");
  }
}

// Ranks of every row in one column (ties by grid order; missing values last).
std::vector<std::size_t> ranks(const std::vector<std::optional<double>>& numbers, const std::vector<std::string>& texts) {
  std::vector<std::size_t> order(std::max(numbers.size(), texts.size()));
  std::iota(order.begin(), order.end(), 0);
  if (!numbers.empty()) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (numbers[a].has_value() != numbers[b].has_value()) return numbers[a].has_value();
      return numbers[a] && *numbers[a] < *numbers[b];
    });
  } else {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return texts[a] < texts[b]; });
  }
  std::vector<std::size_t> rank(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  return rank;
}

std::string sortable_table(const std::vector<PointRecord>& records, const Findings& findings) {
  std::vector<std::size_t> front_count(records.size(), 0);
  for (const Front& f : findings.fronts)
    for (std::size_t m : f.members) ++front_count[m];
  const bool accuracy = std::any_of(records.begin(), records.end(), [](const PointRecord& r) { return r.has("accuracy"); });
  struct Column {
    std::string title;
    std::string metric;  // empty: a text column
    std::function<std::string(const PointRecord&, std::size_t)> text;
    double width_em = 7;
  };
  std::vector<Column> columns = {
      {"#", "", [](const PointRecord& r, std::size_t) { return std::to_string(r.index); }, 3.5},
      {"workload", "", [](const PointRecord& r, std::size_t) { return r.workload; }, 7},
      {"network", "", [](const PointRecord& r, std::size_t) { return r.network; }, 6},
      {"array", "", [](const PointRecord& r, std::size_t) { return r.array; }, 5},
      {"dataflow", "", [](const PointRecord& r, std::size_t) { return r.dataflow; }, 5.5},
      {"set", "",
       [](const PointRecord& r, std::size_t) {
         std::string out;
         for (const auto& [key, value] : r.sets) out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, value);
         return out;
       },
       11},
  };
  if (accuracy) columns.push_back({"search", "", [](const PointRecord& r, std::size_t) { return r.search; }, 9});
  const std::vector<std::pair<std::string, std::string>> metrics = {
      {"cycles", "cycles"},          {"latency_us", "latency (us)"},     {"energy_pj", "energy (uJ)"},
      {"edp_j_s", "EDP (J s)"},      {"utilization", "utilization"},     {"area_mm2", "area (mm2)"},
      {"tops_per_w", "TOPS/W"},      {"inferences_per_s", "inf/s"},      {"inferences_per_s_per_mm2", "inf/s/mm2"},
      {"wide_cycle_share", "cycles in wide layers"}, {"accuracy", "accuracy"}};
  for (const auto& [m, title] : metrics) {
    if (m == "accuracy" && !accuracy) continue;
    columns.push_back({title, m, [m](const PointRecord& r, std::size_t) { return shown(r, m); }, 6.5});
  }
  columns.push_back({"fronts", "", [&](const PointRecord&, std::size_t i) { return std::string(front_count[i], '*'); }, 4});

  std::vector<std::vector<std::size_t>> rank_of(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::vector<std::optional<double>> numbers;
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (!columns[c].metric.empty()) {
        numbers.push_back(records[i].has(columns[c].metric) ? std::optional(records[i].metric(columns[c].metric)) : std::nullopt);
      } else if (c == 0) {
        numbers.push_back(double(records[i].index));
      } else if (columns[c].title == "fronts") {
        numbers.push_back(-double(front_count[i]));
      } else {
        texts.push_back(columns[c].text(records[i], i));
      }
    }
    rank_of[c] = ranks(numbers, texts);
  }
  std::string grid;
  for (const Column& c : columns) grid += fmt::format(" {}em", c.width_em);
  std::string css = fmt::format(
      "<style>\n.sortable input {{ display: none; }}\n"
      ".sortable table {{ display: block; overflow-x: auto; }}\n"
      ".sortable thead, .sortable tbody {{ display: flex; flex-direction: column; }}\n"
      ".sortable tr {{ display: grid; grid-template-columns:{}; }}\n"
      ".sortable th label {{ cursor: pointer; color: #0072B2; padding: 0 .15em; }}\n"
      ".sortable td, .sortable th {{ overflow-wrap: anywhere; }}\n",
      grid);
  std::string inputs;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    inputs += fmt::format("<input type=\"radio\" name=\"sort\" id=\"sort-{0}-asc\"{1}><input type=\"radio\" name=\"sort\" "
                          "id=\"sort-{0}-desc\">\n",
                          c, c == 0 ? " checked" : "");
    css += fmt::format(
        "#sort-{0}-asc:checked ~ table tbody tr, #sort-{0}-desc:checked ~ table tbody tr {{ order: var(--k{0}); }}\n"
        "#sort-{0}-desc:checked ~ table tbody {{ flex-direction: column-reverse; }}\n"
        "#sort-{0}-asc:checked ~ table thead th:nth-child({1}), #sort-{0}-desc:checked ~ table thead th:nth-child({1}) "
        "{{ background: #d6e6f2; }}\n",
        c, c + 1);
  }
  css += "</style>\n";
  std::string html = css + "<div class=\"sortable\" id=\"points\">\n" + inputs;
  html += "<table class=\"data\">\n<thead><tr>";
  for (std::size_t c = 0; c < columns.size(); ++c) {
    html += fmt::format("<th>{} <label for=\"sort-{}-asc\" title=\"sort ascending\">&#9650;</label><label for=\"sort-{}-desc\" "
                        "title=\"sort descending\">&#9660;</label></th>",
                        reports::escape_html(columns[c].title), c, c);
  }
  html += "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::string style;
    for (std::size_t c = 0; c < columns.size(); ++c) style += fmt::format("--k{}:{};", c, rank_of[c][i]);
    html += fmt::format("<tr style=\"{}\">", style);
    for (std::size_t c = 0; c < columns.size(); ++c) {
      html += fmt::format("<td{}>{}</td>", columns[c].metric.empty() ? "" : " class=\"num\"",
                          reports::escape_html(columns[c].text(records[i], i)));
    }
    html += "</tr>\n";
  }
  return html + "</tbody>\n</table>\n</div>\n";
}

reports::Table best_table(const std::vector<PointRecord>& records, const Findings& findings,
                          const OutputOptions& options) {
  std::vector<std::string> constraints;
  for (const Constraint& c : options.constraints) constraints.push_back(c.text);
  const std::string constraint_text = constraints.empty() ? "(none)" : fmt::format("{}", fmt::join(constraints, ", "));
  reports::Table table;
  table.header = {"workload", "constraints", "best by", "point", "cycles", "latency (us)", "energy (uJ)", "area (mm2)",
                  "TOPS/W", "accuracy"};
  table.numeric = {false, false, false, false, true, true, true, true, true, true};
  for (const BestPoint& b : findings.best) {
    if (!b.record) {
      table.rows.push_back({b.workload, constraint_text, b.metric, "no point meets the constraints", "", "", "", "", "", ""});
      continue;
    }
    const PointRecord& r = records[*b.record];
    table.rows.push_back({b.workload, constraint_text, b.metric, fmt::format("#{} {}", r.index, describe(r)),
                          shown(r, "cycles"), shown(r, "latency_us"), shown(r, "energy_pj"), shown(r, "area_mm2"),
                          shown(r, "tops_per_w"), shown(r, "accuracy")});
  }
  return table;
}

}  // namespace

std::string render_report(const SpecHeader& header, const std::vector<PointRecord>& records, const Findings& findings,
                          const OutputOptions& options) {
  const std::vector<std::string> workloads = distinct(records, &PointRecord::workload);
  reports::HtmlPage page(fmt::format("nce explore: {} points, {}", records.size(), fmt::join(workloads, ", ")));
  const std::size_t infeasible =
      std::size_t(std::count_if(records.begin(), records.end(), [](const PointRecord& r) { return !r.feasible; }));
  std::string summary = fmt::format("{} of the grid's {} points (spec {}); {} infeasible.", records.size(), header.points,
                                    header.hash, infeasible);
  if (records.size() < header.points) {
    summary += fmt::format(" {} points are missing: the run (or a shard) has not finished them.", header.points - records.size());
  }
  page.add_paragraph(summary);
  if (!options.command.empty()) page.add_raw_html(fmt::format("<p><code>{}</code></p>\n", reports::escape_html(options.command)));
  page.add_paragraph(
      "Every point is evaluated by the analytical model, equal to the cycle-accurate SystemC model in every statistic; "
      "energy from the energy preset's figures, area from Yosys cell counts of the RTL PE and a per-bit SRAM figure "
      "(sources below and in docs/ENERGY.md). Fronts and best points are per workload.");

  page.add_heading("Best point per workload");
  page.add_table(best_table(records, findings, options), "best");

  for (const std::string& workload : workloads) {
    page.add_heading(fmt::format("{}: Pareto fronts", workload));
    for (const Front& f : findings.fronts) {
      if (f.workload == workload) add_front_plots(page, records, f);
    }
  }

  page.add_heading("All points (click a column's arrows to sort)");
  page.add_raw_html(sortable_table(records, findings));

  if (infeasible > 0) {
    page.add_heading("Infeasible points");
    reports::Table table;
    table.header = {"#", "point", "problem"};
    for (const PointRecord& r : records) {
      if (!r.feasible) table.rows.push_back({std::to_string(r.index), describe(r), r.problem});
    }
    page.add_table(table, "infeasible");
  }

  page.add_heading("Sources of the area figures");
  std::set<std::string> sources;
  for (const PointRecord& r : records) {
    const auto open = r.area_source.find(" [");
    sources.insert(open == std::string::npos ? r.area_source : r.area_source.substr(open + 2, r.area_source.size() - open - 3));
  }
  for (const std::string& source : sources) page.add_paragraph(source);
  return page.render();
}

}  // namespace nce::explore
