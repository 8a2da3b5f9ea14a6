#include "nce/reports/search_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nce/core/atomic_file.hpp"
#include "nce/reports/charts.hpp"
#include "nce/reports/html_page.hpp"

namespace nce::reports {
namespace {

std::string metric_label(cost_models::CostMetric metric) {
  switch (metric) {
    case cost_models::CostMetric::macs: return "MACs";
    case cost_models::CostMetric::params: return "parameters";
    case cost_models::CostMetric::cycles: return "cycles";
    case cost_models::CostMetric::energy: return "energy (pJ)";
    case cost_models::CostMetric::bitops: return "bit operations";
  }
  return "cost";
}

std::string change(double derived, double plain) {
  if (plain == 0) return "-";
  return fmt::format("{:+.1f}%", 100.0 * (derived / plain - 1.0));
}

std::string grouped(double value) {
  // 172767 -> "172,767"; values of 100 and more are shown to the unit, smaller ones with six
  // significant digits.
  if (std::fabs(value) < 100 || std::fabs(value) >= 1e15) return fmt::format("{:.6g}", value);
  const std::string digits = fmt::format("{}", std::llround(std::fabs(value)));
  std::string out;
  out.reserve(digits.size() + digits.size() / 3 + 1);
  if (value < 0) out.push_back('-');
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// The leading candidates "w:p" of one probability vector, most probable first.
std::string leaders(const std::vector<int>& widths, const std::vector<double>& p, std::size_t count) {
  std::vector<std::size_t> order(std::min(widths.size(), p.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  std::string out;
  for (std::size_t i = 0; i < std::min(count, order.size()); ++i) {
    out += fmt::format("{}{}:{:.2f}", out.empty() ? "" : " ", widths[order[i]], p[order[i]]);
  }
  return out;
}

const search::SearchEpoch* first_search_epoch(const search::SearchResult& r) {
  for (const search::SearchEpoch& e : r.epochs) {
    if (e.phase == "search") return &e;
  }
  return nullptr;
}

}  // namespace

double achieved_cost(const SearchReport& report, const cost_models::WorkloadStats& stats,
                     const workloads::Workload& workload) {
  switch (report.config.metric) {
    case cost_models::CostMetric::cycles: return double(stats.total.cycles);
    case cost_models::CostMetric::energy: return stats.total.energy.total();
    case cost_models::CostMetric::macs: return double(totals(analyze(workload)).macs);
    case cost_models::CostMetric::params: return double(totals(analyze(workload)).params);
    case cost_models::CostMetric::bitops: {
      const auto infos = analyze(workload);
      double bitops = 0;
      for (std::size_t i = 0; i < infos.size(); ++i) {
        const workloads::Precision& p = workload.layers[i].precision;
        if (workload.layers[i].has_weights()) bitops += double(infos[i].macs) * p.weight_bits * p.act_bits;
      }
      return bitops;
    }
  }
  return 0;
}

double target_cost(const SearchReport& report) { return report.config.target * report.plain_cost; }

double target_overshoot(const SearchReport& report) {
  const double bound = target_cost(report) * (1.0 + report.config.tolerance);
  const double achieved = achieved_cost(report, report.derived_stats, report.result.derived);
  return bound > 0 ? achieved / bound - 1.0 : 0.0;
}

std::string search_summary_text(const SearchReport& r) {
  const std::string metric = metric_label(r.config.metric);
  const double achieved = achieved_cost(r, r.derived_stats, r.result.derived);
  const double plain = achieved_cost(r, r.plain_stats, r.plain);
  const double target = target_cost(r);
  const double overshoot = target_overshoot(r);
  std::string out = fmt::format(
      "{} search of {} ({} loss, {}x{} {}), {:.1f} s: derived {} {} vs plain {} ({}); target {} (r = {}): {}\n",
      r.method, r.plain.name, metric, r.accelerator.rows, r.accelerator.cols, r.accelerator.dataflow, r.seconds,
      grouped(achieved), metric, grouped(plain), change(achieved, plain), grouped(target), r.config.target,
      overshoot > 0 ? fmt::format("target missed by {:.1f}%", 100.0 * overshoot)
                    : fmt::format("met (within {:.0f}% tolerance)", 100.0 * r.config.tolerance));
  if (r.config.metric == cost_models::CostMetric::cycles || r.config.metric == cost_models::CostMetric::energy) {
    out += fmt::format("  search predicted {} {} for the derived network; SystemC simulated {} ({})\n",
                       grouped(r.predicted_cost), metric, grouped(achieved),
                       r.predicted_cost == achieved ? "equal"
                                                    : fmt::format("differs by {}", change(r.predicted_cost, achieved)));
  }
  const auto pt = totals(analyze(r.plain));
  const auto dt = totals(analyze(r.result.derived));
  out += fmt::format(
      "  cycles {} (plain {}, {}), energy {:.3f} uJ (plain {:.3f}, {}), MACs {} (plain {}, {}), params {} (plain {}, {})\n",
      grouped(double(r.derived_stats.total.cycles)), grouped(double(r.plain_stats.total.cycles)),
      change(double(r.derived_stats.total.cycles), double(r.plain_stats.total.cycles)),
      r.derived_stats.total.energy.total() / 1e6, r.plain_stats.total.energy.total() / 1e6,
      change(r.derived_stats.total.energy.total(), r.plain_stats.total.energy.total()), grouped(double(dt.macs)),
      grouped(double(pt.macs)), change(double(dt.macs), double(pt.macs)), grouped(double(dt.params)),
      grouped(double(pt.params)), change(double(dt.params), double(pt.params)));
  std::size_t expansions = 0;
  for (const search::SearchEpoch& e : r.result.epochs) expansions += e.expansions.size();
  if (!r.result.epochs.empty()) {
    out += fmt::format("  {} epochs, {} expansions; supernet test accuracy of the final architecture {:.4f} "
                       "(retrain derived.yaml from scratch with nce train for the network's own accuracy)\n",
                       r.result.epochs.size(), expansions, r.result.epochs.back().test_accuracy);
  }
  return out;
}

std::string search_report_html(const SearchReport& r) {
  const std::string metric = metric_label(r.config.metric);
  HtmlPage page(fmt::format("nce search: {} ({})", r.plain.name, r.method));
  page.add_heading(fmt::format("{} search of {} with a {} loss", r.method, r.plain.name, metric), 1);
  page.add_paragraph(fmt::format(
      "Array {}x{} {} ({} config, energy preset {}). Target r = {} of the plain network's {} ({}), tolerance {:.0f}%, "
      "lambda {}, threshold {}, max multiplier {}, join {}, {} warm-up + {} search epochs, batch {}, seed {}; "
      "quantizers {}.",
      r.accelerator.rows, r.accelerator.cols, r.accelerator.dataflow, r.accelerator.name, r.accelerator.energy.name,
      r.config.target, metric, grouped(r.plain_cost), 100.0 * r.config.tolerance, r.config.lambda,
      r.config.method == "nce" ? fmt::format("{}", r.config.threshold) : std::string("none"), r.config.max_multiplier,
      search::to_string(r.config.join), r.config.warmup_epochs, r.config.search_epochs, r.config.batch, r.config.seed,
      train::to_string(r.config.recipe)));

  page.add_heading("Outcome");
  const double overshoot = target_overshoot(r);
  page.add_paragraph(overshoot > 0
                         ? fmt::format("Target missed by {:.1f}%: the derived network's {} exceed the target x {:.2f}.",
                                       100.0 * overshoot, metric, 1.0 + r.config.tolerance)
                         : fmt::format("Target met: the derived network's {} are within the target x {:.2f}.", metric,
                                       1.0 + r.config.tolerance));
  const auto pt = totals(analyze(r.plain));
  const auto dt = totals(analyze(r.result.derived));
  Table outcome{{"quantity", "plain", "derived", "change"}, {}, {false, true, true, true}};
  auto row = [&](const std::string& name, double plain, double derived, const std::string& format) {
    outcome.rows.push_back({name, fmt::format(fmt::runtime(format), plain), fmt::format(fmt::runtime(format), derived),
                            change(derived, plain)});
  };
  row("cycles (SystemC)", double(r.plain_stats.total.cycles), double(r.derived_stats.total.cycles), "{:.0f}");
  row("energy, uJ (SystemC)", r.plain_stats.total.energy.total() / 1e6, r.derived_stats.total.energy.total() / 1e6,
      "{:.3f}");
  row("utilization", r.plain_stats.total.utilization(r.accelerator.pes()),
      r.derived_stats.total.utilization(r.accelerator.pes()), "{:.3f}");
  row("MACs", double(pt.macs), double(dt.macs), "{:.0f}");
  row("parameters", double(pt.params), double(dt.params), "{:.0f}");
  outcome.rows.push_back({fmt::format("{}: target / predicted", metric), grouped(target_cost(r)),
                          grouped(r.predicted_cost), ""});
  page.add_table(outcome);

  if (!r.result.epochs.empty()) {
    page.add_heading("How the architecture distribution moved");
    const search::SearchEpoch& last = r.result.epochs.back();
    const search::SearchEpoch* first = first_search_epoch(r.result);
    page.add_paragraph(fmt::format(
        "Per searchable layer: the three most probable candidates (width:probability) at the start of the search "
        "and after the last epoch, against {} uniform; expansions as width@epoch.",
        r.result.initial_probabilities.empty() ? std::string("-") : "1/(candidates)"));
    Table moved{{"layer", "base", "derived", "start", "end", "expansions"}, {}, {false, true, true, false, false, false}};
    if (r.result.precision_search) {
      // Bit widths: the weight and the activation candidates of each layer, as "W:bits:p" / "A:bits:p".
      moved.header = {"layer", "plain", "derived", "start (weights | activations)", "end (weights | activations)"};
      moved.numeric = {false, false, false, false, false};
      auto precision = [](const workloads::Precision& p) { return fmt::format("W{}A{}", p.weight_bits, p.act_bits); };
      auto both = [&](const std::map<std::string, std::vector<double>>& p, const std::string& name) {
        const auto w = p.find(name + ".w");
        const auto a = p.find(name + ".a");
        if (w == p.end() || a == p.end()) return std::string("-");
        return fmt::format("{} | {}", leaders(r.config.bit_candidates, w->second, 2),
                           leaders(r.config.bit_candidates, a->second, 2));
      };
      for (const std::string& name : r.result.layers) {
        moved.rows.push_back({name, precision(r.plain.layer(name).precision), precision(r.result.derived.layer(name).precision),
                              both(r.result.initial_probabilities, name), both(last.probabilities, name)});
      }
    }
    for (const std::string& name : r.result.precision_search ? std::vector<std::string>{} : r.result.layers) {
      std::string expansions;
      for (const search::SearchEpoch& e : r.result.epochs) {
        for (const std::string& x : e.expansions) {
          if (x.rfind(name + ":", 0) == 0) {
            expansions += fmt::format("{}{}@{}", expansions.empty() ? "" : " ", x.substr(name.size() + 1), e.epoch);
          }
        }
      }
      const auto start = r.result.initial_probabilities.find(name);
      const std::vector<int>& start_widths =
          first != nullptr ? first->widths.at(name) : last.widths.at(name);  // candidates before any expansion
      moved.rows.push_back(
          {name, std::to_string(r.plain.layer(name).out_channels), std::to_string(r.result.derived.layer(name).out_channels),
           start == r.result.initial_probabilities.end() ? "-" : leaders(start_widths, start->second, 3),
           leaders(last.widths.at(name), last.probabilities.at(name), 3), expansions.empty() ? "-" : expansions});
    }
    page.add_table(moved);

    LineChart cost;
    cost.title = fmt::format("Expected and argmax {} per epoch against the target", metric);
    cost.x_label = "epoch";
    cost.y_label = metric;
    Series expected{"expected", {}};
    Series current{"argmax", {}};
    Series target{"target", {}};
    for (const auto& e : r.result.epochs) {
      cost.x.push_back(e.epoch);
      expected.values.push_back(e.expected_cost);
      current.values.push_back(e.current_cost);
      target.values.push_back(target_cost(r));
    }
    cost.series = {expected, current, target};
    page.add_svg(render_svg(cost));
  }

  BarChart channels;
  channels.title = "Output channels per searchable layer: plain vs derived";
  channels.y_label = "channels";
  Series before{"plain", {}};
  Series after{"derived", {}};
  for (const std::string& name : r.result.layers) {
    channels.categories.push_back(name);
    before.values.push_back(r.plain.layer(name).out_channels);
    after.values.push_back(r.result.derived.layer(name).out_channels);
  }
  channels.series = {before, after};
  page.add_svg(render_svg(channels), "channels before (plain) and after (derived) the search");

  BarChart cycles;
  cycles.title = fmt::format("Cycles per layer on the {}x{} array: plain vs derived", r.accelerator.rows, r.accelerator.cols);
  cycles.y_label = "cycles";
  Series plain_cycles{"plain", {}};
  Series derived_cycles{"derived", {}};
  for (const cost_models::LayerStats& s : r.derived_stats.layers) {
    if (!s.on_array) continue;
    cycles.categories.push_back(s.layer);
    derived_cycles.values.push_back(double(s.cycles));
    double plain_value = 0;
    for (const cost_models::LayerStats& p : r.plain_stats.layers) {
      if (p.layer == s.layer) plain_value = double(p.cycles);
    }
    plain_cycles.values.push_back(plain_value);
  }
  cycles.series = {plain_cycles, derived_cycles};
  page.add_svg(render_svg(cycles), "layers the derivation adds (projections) have no plain counterpart");
  page.add_paragraph("Full simulation reports: derived-sim/report.html and plain-sim/report.html. Per-epoch data: "
                     "search.jsonl. Derived workload: derived.yaml (nce simulate --workload, nce train --model).");
  return page.render();
}

void write_search_report(const std::filesystem::path& dir, const SearchReport& report) {
  core::write_file_atomically(dir / "report.html", search_report_html(report));
}

}  // namespace nce::reports
