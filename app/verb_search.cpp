// nce search: NCE / TAS channel search with a hardware loss from the target accelerator's cost
// tables, then the derived network as a workload file, simulated on the array, in a report.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <map>
#include <filesystem>
#include <iostream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "flag_ranges.hpp"
#include "nce/train/memory_estimate.hpp"
#include "recipe_options.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/reports/search_report.hpp"
#include "nce/reports/simulation_report.hpp"
#include "nce/search/search_method.hpp"
#include "nce/search/supernet_search.hpp"
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
  std::string candidates;
  std::string bit_candidates;
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
      "wrpn-multiplier", ranged(&config.wrpn_multiplier, "--wrpn-multiplier", positive())->default_value(1.5), "WRPN's uniform width multiplier")(
      "target", ranged(&config.target, "--target", positive())->default_value(1.0), "r: target cost = r x the plain network's cost")(
      "lambda", ranged(&config.lambda, "--lambda", non_negative())->default_value(2.0), "constraint coefficient (TAS/NCE CIFAR: 2)")(
      "threshold", ranged(&config.threshold, "--threshold (a softmax probability)", open_interval(0, 1))->default_value(0.3), "expansion threshold T (CIFAR: 0.3)")(
      "max-multiplier", ranged(&config.max_multiplier, "--max-multiplier", at_least(1))->default_value(2.0), "widest width / base width")(
      "space-multiplier", ranged(&config.space_multiplier, "--space-multiplier", positive())->default_value(1.0),
      "initial candidates: TAS ratios of this x the base width (2 = TAS from a 2x space)")(
      "warmup-epochs", ranged(&config.warmup_epochs, "--warmup-epochs", non_negative())->default_value(1), "warm-up epochs (weights only)")(
      "search-epochs", ranged(&config.search_epochs, "--search-epochs", non_negative())->default_value(1), "bi-level search epochs")(
      "batch", ranged(&config.batch, "--batch (batch norm needs a batch)", at_least(2))->default_value(128), "batch size")(
      "lr", ranged(&config.lr, "--lr", positive())->default_value(0.1), "weight learning rate (cosine)")(
      "arch-lr", ranged(&config.arch_lr, "--arch-lr", positive())->default_value(1e-3), "architecture Adam learning rate (TAS: 1e-3)")(
      "seed", po::value(&config.seed)->default_value(1), "seed")(
      "train-limit", ranged(&train_limit, "--train-limit", at_least(2)), "use only the first N training images (split in halves)")(
      "test-limit", ranged(&test_limit, "--test-limit", at_least(1)), "use only the first N test images")(
      "cost-cache", po::value(&cache_dir), "cost-table cache directory (default: RUN/cost-cache)")(
      "threads", ranged(&threads, "--threads", between(1, 1024)), "threads (default: all cores)")(
      "out", po::value(&out)->required(), "run directory")(
      "resume", po::bool_switch(&config.resume), "continue from RUN/checkpoint.bin")(
      "candidates", po::value(&candidates)->default_value("tas"),
      "candidate widths: tas (ratios 0.3..1 of each width, expansion by base/8) or array (the widths where the "
      "array's cycles step: the widest width of every cycle plateau, expansion to the next one)")(
      "bit-candidates", po::value(&bit_candidates)->default_value("2,3,4"),
      "ebs: the weight and activation widths each searchable layer may take")(
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
  // Every flag is checked here, before the dataset is read or anything trained.
  const search::SearchMethod& method = search::SearchMethodRegistry::get(config.method, "search method");
  config.join = search::join_mode_from_string(join);
  config.candidates = search::candidates_from_string(candidates);
  config.bit_candidates.clear();
  for (std::size_t at = 0; at <= bit_candidates.size();) {
    const std::size_t comma = std::min(bit_candidates.find(',', at), bit_candidates.size());
    const std::string item = bit_candidates.substr(at, comma - at);
    char* end = nullptr;
    const long bits = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || end != item.c_str() + item.size() || bits < 2 || bits > 8) {
      throw UsageError(fmt::format("--bit-candidates: '{}' is not a width in [2, 8]", item));
    }
    config.bit_candidates.push_back(int(bits));
    at = comma + 1;
  }
  std::sort(config.bit_candidates.begin(), config.bit_candidates.end());
  config.bit_candidates.erase(std::unique(config.bit_candidates.begin(), config.bit_candidates.end()),
                              config.bit_candidates.end());
  config.recipe = recipe.resolve();
  config.metric = cost_models::cost_metric_from_string(hw_loss);
  if (!(config.low_bits == 32 || (config.low_bits >= 2 && config.low_bits <= 16))) {
    throw UsageError(fmt::format("--bits must be 2..16 or 32, got {}", config.low_bits));
  }
  if (threads > 0) omp_set_num_threads(threads);
  config.dataset = dataset;
  config.out = out;
  config.progress = &std::cerr;

  const workloads::Workload workload = resolve_search_model(model, dataset);
  const cost_models::AcceleratorConfig accelerator_config = accelerator.resolve();
  // The supernet holds every candidate's BN output and the weighted mix besides the engine's
  // usual copies (about 10 per layer output), at up to --max-multiplier times the widths.
  train::check_training_memory(workload, config.batch, "the search", 10.0 * config.max_multiplier);
  train::DatasetSplits data = train::load_dataset(dataset, data_dir);
  train::check_model_fits(workload, data.train, dataset);
  core::prepare_output_directory(out);  // after every check of the input: a refused run creates nothing
  const core::DirectoryLock lock(out);   // one run per directory, for the whole verb (derived-sim included)
  if (train_limit > 0) data.train.truncate(train_limit);
  if (test_limit > 0) data.test.truncate(test_limit);

  search::CostSource source;
  const bool array_metric = config.metric == cost_models::CostMetric::cycles || config.metric == cost_models::CostMetric::energy;
  const std::unique_ptr<cost_models::CostModel> cost_model =
      cost_models::make_cost_model(array_metric ? "analytical" : "shape");
  source.model = cost_model.get();
  source.config = accelerator_config;
  source.cache_dir = cache_dir.empty() ? fs::path(out) / "cost-cache" : fs::path(cache_dir);

  const auto started = std::chrono::steady_clock::now();
  const search::SearchResult result = method.run(workload, data, source, config);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // The derived network and the plain one, simulated in SystemC on the same array.
  auto simulate = [&](const workloads::Workload& network, const fs::path& dir) {
    reports::SimulationReport sim;
    sim.config = source.config;
    sim.source = accelerator.source();
    for (const workloads::Layer& layer : network.layers) {
      sim.precisions.push_back(layer.has_weights() ? fmt::format("W{}A{}", layer.precision.weight_bits,
                                                                 layer.precision.act_bits)
                                                   : "-");
    }
    sim.stats = sim::simulate_workload(network, source.config, sim::SimulationOptions{}, {});
    reports::write_simulation_report(dir, sim);
    return sim.stats;
  };
  reports::SearchReport report;
  report.plain = workload;
  report.result = result;
  report.config = config;
  report.method = std::string(method.label());
  report.accelerator = source.config;
  report.seconds = seconds;
  report.derived_stats = simulate(result.derived, fs::path(out) / "derived-sim");
  report.plain_stats = simulate(workload, fs::path(out) / "plain-sim");
  std::map<std::string, int> plain_widths, derived_widths;
  for (const std::string& name : result.layers) {
    plain_widths[name] = workload.layer(name).out_channels;
    derived_widths[name] = result.derived.layer(name).out_channels;
  }
  report.plain_cost = search::predicted_cost(workload, plain_widths, source, config.metric, config.join);
  // A precision search changes precisions, not widths: price the derived network's own layers.
  report.predicted_cost = search::predicted_cost(result.precision_search ? result.derived : workload, derived_widths,
                                                 source, config.metric, config.join);
  reports::write_search_report(out, report);
  std::cout << reports::search_summary_text(report);
  std::cout << fmt::format("derived network: {}/derived.yaml; report: {}/report.html; log: {}/search.jsonl\n", out,
                           out, out);
  return kExitOk;
}

}  // namespace nce::app
