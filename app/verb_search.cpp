// nce search: NCE / TAS channel search with a hardware loss from the target accelerator's cost
// tables, then the derived network as a workload file, simulated on the array, in a report.
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <map>
#include <filesystem>
#include <iostream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "recipe_options.hpp"
#include "nce/cost_models/analytical_model.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/reports/charts.hpp"
#include "nce/reports/html_page.hpp"
#include "nce/reports/simulation_report.hpp"
#include "nce/search/search_method.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::app {
namespace {

namespace fs = std::filesystem;

workloads::Workload resolve_search_model(const std::string& model, const std::string& dataset) {
  if (dataset == "fashion-mnist" && workloads::zoo::contains(model + "-fmnist")) return workloads::zoo::make(model + "-fmnist");
  return workloads::load_workload(model);
}

std::string metric_label(cost_models::CostMetric metric) {
  switch (metric) {
    case cost_models::CostMetric::macs: return "MACs";
    case cost_models::CostMetric::params: return "parameters";
    case cost_models::CostMetric::cycles: return "cycles";
    case cost_models::CostMetric::energy: return "energy (pJ)";
  }
  return "cost";
}

void write_report(const fs::path& out, const workloads::Workload& plain, const search::SearchResult& result,
                  const search::SearchConfig& config, const reports::SimulationReport& sim, const std::string& method) {
  reports::HtmlPage page(fmt::format("nce search: {} ({})", plain.name, method));
  page.add_heading(fmt::format("{} search of {} with a {} loss", method, plain.name, metric_label(config.metric)), 1);
  const auto plain_infos = analyze(plain);
  const auto derived_infos = analyze(result.derived);
  const auto pt = totals(plain_infos);
  const auto dt = totals(derived_infos);
  const search::SearchEpoch* last = result.epochs.empty() ? nullptr : &result.epochs.back();
  page.add_paragraph(fmt::format(
      "target r = {} of F_max = {:.6g} {}, lambda {}, threshold {}, max multiplier {}, {} warm-up + {} search epochs, "
      "batch {}, seed {}. Final test accuracy of the supernet's argmax architecture: {:.4f}.",
      config.target, result.max_cost, metric_label(config.metric), config.lambda,
      config.method == "nce" ? fmt::format("{}", config.threshold) : std::string("none"), config.max_multiplier,
      config.warmup_epochs, config.search_epochs, config.batch, config.seed, last ? last->test_accuracy : 0.0));

  reports::Table summary{{"network", "MACs", "params", "cycles (simulated)", "utilization", "energy (uJ)"}, {}, {}};
  summary.numeric = {false, true, true, true, true, true};
  summary.rows.push_back({"plain " + plain.name, std::to_string(pt.macs), std::to_string(pt.params), "-", "-", "-"});
  const cost_models::LayerStats& t = sim.stats.total;
  summary.rows.push_back({"derived " + result.derived.name, std::to_string(dt.macs), std::to_string(dt.params),
                          std::to_string(t.cycles), fmt::format("{:.3f}", t.utilization(sim.config.pes())),
                          fmt::format("{:.3f}", t.energy.total() / 1e6)});
  page.add_table(summary);

  reports::BarChart channels;
  channels.title = "Output channels per searchable layer: plain vs derived";
  channels.y_label = "channels";
  reports::Series before{"plain", {}};
  reports::Series after{"derived", {}};
  for (const std::string& name : result.layers) {
    channels.categories.push_back(name);
    before.values.push_back(plain.layer(name).out_channels);
    after.values.push_back(result.derived.layer(name).out_channels);
  }
  channels.series = {before, after};
  page.add_svg(reports::render_svg(channels), "channels before (plain) and after (derived) the search");

  if (!result.epochs.empty()) {
    reports::Heatmap heat;
    heat.title = "Candidate probabilities softmax(theta) per epoch";
    for (const auto& e : result.epochs) heat.column_labels.push_back(std::to_string(e.epoch));
    for (const std::string& name : result.layers) {
      const std::vector<int>& widths = last->widths.at(name);
      for (std::size_t j = 0; j < widths.size(); ++j) {
        heat.row_labels.push_back(fmt::format("{} c={}", name, widths[j]));
        std::vector<double> row;
        for (const auto& e : result.epochs) {
          const auto& p = e.probabilities.at(name);
          row.push_back(j < p.size() ? p[j] : 0.0);
        }
        heat.values.push_back(row);
      }
    }
    page.add_svg(reports::render_svg(heat), "rows: layer and candidate width; columns: epochs (0 before a candidate exists)");

    reports::LineChart cost;
    cost.title = fmt::format("Expected and current {} per epoch", metric_label(config.metric));
    cost.x_label = "epoch";
    cost.y_label = metric_label(config.metric);
    reports::Series expected{"expected", {}};
    reports::Series current{"argmax", {}};
    reports::Series target{"target", {}};
    for (const auto& e : result.epochs) {
      cost.x.push_back(e.epoch);
      expected.values.push_back(e.expected_cost);
      current.values.push_back(e.current_cost);
      target.values.push_back(config.target * result.max_cost);
    }
    cost.series = {expected, current, target};
    page.add_svg(reports::render_svg(cost));
  }

  reports::BarChart cycles;
  cycles.title = fmt::format("Derived network: cycles per layer on the {}x{} array", sim.config.rows, sim.config.cols);
  cycles.y_label = "cycles";
  reports::BarChart util;
  util.title = "Derived network: utilization per layer";
  util.y_label = "utilization";
  util.y_max = 1.0;
  reports::Series cyc{"cycles", {}};
  reports::Series use{"utilization", {}};
  reports::Table layers{{"layer", "out channels", "cycles", "utilization"}, {}, {false, true, true, true}};
  for (std::size_t i = 0; i < sim.stats.layers.size(); ++i) {
    const cost_models::LayerStats& s = sim.stats.layers[i];
    if (!s.on_array) continue;
    cycles.categories.push_back(s.layer);
    util.categories.push_back(s.layer);
    cyc.values.push_back(double(s.cycles));
    use.values.push_back(s.utilization(sim.config.pes()));
    layers.rows.push_back({s.layer, std::to_string(result.derived.layers[i].out_channels), std::to_string(s.cycles),
                           fmt::format("{:.3f}", s.utilization(sim.config.pes()))});
  }
  cycles.series = {cyc};
  util.series = {use};
  page.add_svg(reports::render_svg(cycles));
  page.add_svg(reports::render_svg(util));
  page.add_table(layers);
  page.add_paragraph("Full simulation report of the derived network: derived-sim/report.html. Per-epoch data: "
                     "search.jsonl. Derived workload: derived.yaml (nce simulate --workload, nce train --model).");
  core::write_file_atomically(out / "report.html", page.render());
}

}  // namespace

int run_search(const std::vector<std::string>& args) {
  std::string model;
  std::string dataset;
  std::string data_dir;
  std::string hw_loss;
  std::string out;
  std::string cache_dir;
  int threads = 0;
  int train_limit = -1;
  int test_limit = -1;
  AcceleratorOptions accelerator;
  RecipeOptions recipe;
  std::string join;
  search::SearchConfig config;
  po::options_description options;
  options.add_options()("model", po::value(&model)->required(), "zoo model name or workload file")(
      "dataset", po::value(&dataset)->default_value("fashion-mnist"), "fashion-mnist or cifar10")(
      "data-dir", po::value(&data_dir), "dataset directory (default: Debian's fashion-mnist)")(
      "bits", po::value(&config.low_bits)->default_value(2), "bit width of the W2A2 layers")(
      "hw-loss", po::value(&hw_loss)->default_value("latency"), "flops, params, latency or energy");
  accelerator.add_to(options);
  options.add_options()(
      "method", po::value(&config.method)->default_value("nce"),
      fmt::format("search method: {}; all go through the same derivation, simulation and report",
                  search::SearchMethodRegistry::names_text()).c_str())(
      "wrpn-multiplier", po::value(&config.wrpn_multiplier)->default_value(1.5), "WRPN's uniform width multiplier")(
      "target", po::value(&config.target)->default_value(1.0), "r: target cost = r x the plain network's cost")(
      "lambda", po::value(&config.lambda)->default_value(2.0), "constraint coefficient (TAS/NCE CIFAR: 2)")(
      "threshold", po::value(&config.threshold)->default_value(0.3), "expansion threshold T (CIFAR: 0.3)")(
      "max-multiplier", po::value(&config.max_multiplier)->default_value(2.0), "widest width / base width")(
      "space-multiplier", po::value(&config.space_multiplier)->default_value(1.0),
      "initial candidates: TAS ratios of this x the base width (2 = TAS from a 2x space)")(
      "warmup-epochs", po::value(&config.warmup_epochs)->default_value(1), "warm-up epochs (weights only)")(
      "search-epochs", po::value(&config.search_epochs)->default_value(1), "bi-level search epochs")(
      "batch", po::value(&config.batch)->default_value(128), "batch size")(
      "lr", po::value(&config.lr)->default_value(0.1), "weight learning rate (cosine)")(
      "arch-lr", po::value(&config.arch_lr)->default_value(1e-3), "architecture Adam learning rate (TAS: 1e-3)")(
      "seed", po::value(&config.seed)->default_value(1), "seed")(
      "train-limit", po::value(&train_limit), "use only the first N training images (split in halves)")(
      "test-limit", po::value(&test_limit), "use only the first N test images")(
      "cost-cache", po::value(&cache_dir), "cost-table cache directory (default: RUN/cost-cache)")(
      "threads", po::value(&threads), "threads (default: all cores)")(
      "out", po::value(&out)->required(), "run directory")(
      "resume", po::bool_switch(&config.resume), "continue from RUN/checkpoint.bin")(
      "join", po::value(&join)->default_value("prefix"),
      "how the derived network joins residual blocks of unequal widths: prefix (as the supernet trained them: the "
      "narrower added into the first channels), projection-w8a8 or projection-w2a2 (TAS: a 1x1 projection on the "
      "identity path, priced by the hardware loss)");
  recipe.add_to(options);
  po::variables_map values;
  if (!parse("usage: nce search --model NAME|FILE [--dataset fashion-mnist] [--bits 2] [--hw-loss latency] "
             "[--config FILE] [--method nce] [--target 1.0] --warmup-epochs A --search-epochs B [--threshold 0.3] "
             "--out RUN/ [--resume]",
             options, {}, args, values)) {
    return kExitOk;
  }
  const search::SearchMethod& method = search::SearchMethodRegistry::get(config.method, "search method");
  config.join = search::join_mode_from_string(join);
  config.recipe = recipe.resolve();
  if (!(config.low_bits == 32 || (config.low_bits >= 2 && config.low_bits <= 16))) {
    throw UsageError(fmt::format("--bits must be 2..16 or 32, got {}", config.low_bits));
  }
  if (config.target <= 0) throw UsageError("--target must be positive");
  if (config.max_multiplier < 1.0) throw UsageError("--max-multiplier must be at least 1");
  if (config.space_multiplier <= 0) throw UsageError("--space-multiplier must be positive");
  if (config.wrpn_multiplier <= 0) throw UsageError("--wrpn-multiplier must be positive");
  if (threads > 0) omp_set_num_threads(threads);
  config.metric = cost_models::cost_metric_from_string(hw_loss);
  config.dataset = dataset;
  config.out = out;
  config.progress = &std::cerr;

  const workloads::Workload workload = resolve_search_model(model, dataset);
  train::DatasetSplits data = train::load_dataset(dataset, data_dir);
  if (train_limit > 0) data.train.truncate(train_limit);
  if (test_limit > 0) data.test.truncate(test_limit);

  search::CostSource source;
  const bool array_metric = config.metric == cost_models::CostMetric::cycles || config.metric == cost_models::CostMetric::energy;
  const std::unique_ptr<cost_models::CostModel> cost_model =
      cost_models::make_cost_model(array_metric ? "analytical" : "shape");
  source.model = cost_model.get();
  source.config = accelerator.resolve();
  source.cache_dir = cache_dir.empty() ? fs::path(out) / "cost-cache" : fs::path(cache_dir);

  const auto started = std::chrono::steady_clock::now();
  const search::SearchResult result = method.run(workload, data, source, config);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  reports::SimulationReport sim;
  sim.config = source.config;
  sim.source = accelerator.source();
  for (const workloads::Layer& layer : result.derived.layers) {
    sim.precisions.push_back(layer.has_weights() ? fmt::format("W{}A{}", layer.precision.weight_bits,
                                                               layer.precision.act_bits)
                                                 : "-");
  }
  sim.stats = sim::simulate_workload(result.derived, source.config, sim::SimulationOptions{}, {});
  reports::write_simulation_report(fs::path(out) / "derived-sim", sim);
  write_report(out, workload, result, config, sim, std::string(method.label()));

  const auto pt = totals(analyze(workload));
  const auto dt = totals(analyze(result.derived));
  std::cout << fmt::format("searched {} in {:.1f} s: derived MACs {} (plain {}), params {} (plain {}), "
                           "{} cycles on {}x{} (utilization {:.3f})\n",
                           workload.name, seconds, dt.macs, pt.macs, dt.params, pt.params, sim.stats.total.cycles,
                           source.config.rows, source.config.cols, sim.stats.total.utilization(source.config.pes()));
  std::cout << fmt::format("derived network: {}/derived.yaml; report: {}/report.html; log: {}/search.jsonl\n", out,
                           out, out);
  return kExitOk;
}

}  // namespace nce::app
