// nce explore: a grid of networks x accelerators priced by the analytical model, with area,
// Pareto fronts and a report; channel searches per accelerator with --search; shards, merges and
// MPI for the expensive points (docs/EXPLORE.md). Parse, call nce::explore, print.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <set>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "flag_ranges.hpp"
#include "nce/core/input_error.hpp"
#include "nce/core/lists.hpp"
#include "nce/explore/mpi_session.hpp"
#include "nce/explore/pareto.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/runner.hpp"
#include "nce/explore/spec_file.hpp"

namespace nce::app {
namespace {

constexpr const char* kUsage =
    "usage: nce explore [--spec FILE.yaml] --workload NAME|FILE,... [--networks [WORKLOAD=]FILE,...] [--config FILE] "
    "[--energy PRESET] [--array RxC,...] [--dataflow ws,os,is] [--set KEY=V1,V2 ...] [--widths a:b:step|m1,m2] "
    "[--stage-widths m1,m2,... ...] [--search [--method nce] [--hw-loss latency] [--target 1.0] budget flags] "
    "[--pareto M1,M2[,M3] ...] [--constraint \"METRIC<=X\" ...] [--best METRIC] [--validate K] [--threads N] "
    "[--shard i/N] [--force] --out DIR\n"
    "       nce explore merge DIR... --out DIR [--pareto ...] [--constraint ...] [--best METRIC]";

std::vector<std::string> items(const std::vector<std::string>& values, const std::string& flag) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    for (std::string& item : core::split_list(value, flag)) out.push_back(std::move(item));
  }
  return out;
}

// The report and summary flags, shared by explore and explore merge.
struct FindingsFlags {
  std::vector<std::string> pareto;
  std::vector<std::string> constraints;
  std::string best;
  void add_to(po::options_description& options) {
    options.add_options()("pareto", po::value(&pareto)->composing(),
                          "a front over 2 or 3 metrics, e.g. cycles,energy (repeatable; default cycles,energy_pj,area_mm2 "
                          "and accuracy,cycles when points carry accuracy)")(
        "constraint", po::value(&constraints)->composing(),
        "METRIC OP NUMBER (OP: <=, <, >=, >, ==) that the best point per workload must meet, e.g. area_mm2<=0.5 "
        "(repeatable)")("best", po::value(&best), "the metric the best point optimizes (default: accuracy if any, else cycles)");
  }
  explore::OutputOptions resolve(const std::string& command) const {
    explore::OutputOptions out;
    for (const std::string& p : pareto) out.fronts.push_back(explore::parse_objectives(p));
    for (const std::string& c : constraints) out.constraints.push_back(explore::parse_constraint(c));
    if (!best.empty()) out.best = explore::metric_named(best, "--best").name;
    out.command = command;
    return out;
  }
};

std::string command_line(const std::vector<std::string>& args) {
  std::string out = "nce explore";
  for (const std::string& a : args) {
    out += a.find_first_of(" <>\"'") == std::string::npos ? fmt::format(" {}", a) : fmt::format(" '{}'", a);
  }
  return out;
}

int run_merge(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::string out;
  FindingsFlags findings;
  po::options_description options;
  options.add_options()("dirs", po::value(&dirs)->composing(), "run directories of one spec")(
      "out", po::value(&out)->required(), "directory for the merged points and outputs");
  findings.add_to(options);
  po::positional_options_description positionals;
  positionals.add("dirs", -1);
  po::variables_map values;
  if (!parse(kUsage, options, positionals, args, values)) return kExitOk;
  const explore::OutputOptions outputs = findings.resolve(fmt::format("nce explore merge {}", fmt::join(args, " ")));
  std::vector<std::filesystem::path> paths(dirs.begin(), dirs.end());
  explore::merge_explorations(paths, out, outputs, &std::cout);
  return kExitOk;
}

int explore_grid(const std::vector<std::string>& args) {
  std::string spec_file;
  std::vector<std::string> workloads, networks, arrays, dataflows, sets, stage_widths, methods, hw_losses, targets;
  std::string widths, out, shard;
  int validate = 0;
  int threads = 0;
  std::uint64_t validate_seed = 1;
  bool force = false;
  explore::GridSpec spec;
  explore::SearchSpec& search = spec.search;
  FindingsFlags findings;
  po::options_description options;
  options.add_options()("spec", po::value(&spec_file), "a YAML file of these flags (command-line flags replace its keys)")(
      "workload", po::value(&workloads)->composing(), "zoo names or workload files, comma-separated (repeatable)")(
      "networks", po::value(&networks)->composing(),
      "complete networks, e.g. a search's derived.yaml: [WORKLOAD=]FILE, comma-separated (repeatable)")(
      "config", po::value(&spec.config), "base accelerator config (default: the installed configs/default.yaml)")(
      "energy", po::value(&spec.energy), "energy preset (horowitz45, accelergy45)")(
      "array", po::value(&arrays)->composing(), "arrays ROWSxCOLS, comma-separated (repeatable)")(
      "dataflow", po::value(&dataflows)->composing(), "dataflows, comma-separated (repeatable)")(
      "set", po::value(&sets)->composing(), "a config field and its values, KEY=V1,V2 (repeatable)")(
      "widths", po::value(&widths), "uniform width multipliers of the searchable layers: a:b:step or m1,m2,...")(
      "stage-widths", po::value(&stage_widths)->composing(),
      "one multiplier per stage (stageN.* / layerN.* layers), comma-separated (repeatable: one pattern each)")(
      "search", po::bool_switch(&search.enabled), "per accelerator, a channel search and a retraining: points carry accuracy")(
      "method", po::value(&methods)->composing(), "search methods, comma-separated (default nce)")(
      "hw-loss", po::value(&hw_losses)->composing(), "latency and/or energy, comma-separated (default latency)")(
      "target", po::value(&targets)->composing(), "target ratios r, comma-separated (default 1.0)")(
      "dataset", po::value(&search.dataset)->default_value("fashion-mnist"), "fashion-mnist or cifar10")(
      "data-dir", po::value(&search.data_dir), "dataset directory (default: the dataset's)")(
      "warmup-epochs", ranged(&search.warmup_epochs, "--warmup-epochs", non_negative())->default_value(1), "search warm-up epochs")(
      "search-epochs", ranged(&search.search_epochs, "--search-epochs", non_negative())->default_value(1), "search epochs")(
      "retrain-epochs", ranged(&search.retrain_epochs, "--retrain-epochs", non_negative())->default_value(1),
      "retraining epochs of the derived network (0: the search's own accuracy)")(
      "train-limit", po::value(&search.train_limit)->default_value(-1), "use only the first N training images")(
      "test-limit", po::value(&search.test_limit)->default_value(-1), "use only the first N test images")(
      "batch", ranged(&search.batch, "--batch (batch norm needs a batch)", at_least(2))->default_value(128), "batch size")(
      "lr", ranged(&search.lr, "--lr", positive())->default_value(0.1), "weight learning rate")(
      "arch-lr", ranged(&search.arch_lr, "--arch-lr", positive())->default_value(1e-3), "architecture learning rate")(
      "threshold", ranged(&search.threshold, "--threshold (a softmax probability)", open_interval(0, 1))->default_value(0.3), "NCE's expansion threshold T")(
      "max-multiplier", ranged(&search.max_multiplier, "--max-multiplier", at_least(1))->default_value(2.0), "widest width / base width")(
      "candidates", po::value(&search.candidates)->default_value("tas"), "candidate widths: tas or array")(
      "join", po::value(&search.join)->default_value("prefix"), "prefix, projection-w8a8 or projection-w2a2")(
      "seed", po::value(&search.seed)->default_value(1), "search and training seed");
  findings.add_to(options);
  options.add_options()("validate", ranged(&validate, "--validate", non_negative())->default_value(0),
                        "re-simulate K random points in SystemC; exit 1 on any difference")(
      "validate-seed", po::value(&validate_seed)->default_value(1), "which points --validate draws")(
      "threads", ranged(&threads, "--threads", between(0, 1024))->default_value(0), "threads (default: the cores, divided among a node's MPI ranks)")(
      "shard", po::value(&shard), "evaluate only the points with index i modulo N (i/N)")(
      "force", po::bool_switch(&force), "set aside --out's points of another spec and start over")(
      "out", po::value(&out), "run directory: spec.json, points.jsonl, points.csv, points.json, pareto.csv, report.html");
  po::variables_map values;
  if (!parse(kUsage, options, {}, args, values)) return kExitOk;
  if (!spec_file.empty()) {  // the file's flags, except those the command line gives
    po::parsed_options parsed(nullptr);
    try {
      parsed = po::command_line_parser(explore::spec_file_arguments(spec_file)).options(options).run();
    } catch (const po::error& error) {
      throw UsageError(fmt::format("--spec {}: {}", spec_file, error.what()));
    }
    std::erase_if(parsed.options, [&](const po::option& o) {
      return o.string_key == "spec" || (values.count(o.string_key) && !values[o.string_key].defaulted());
    });
    po::store(parsed, values);
    po::notify(values);
  }
  if (out.empty()) throw UsageError("--out DIR is required");
  spec.workloads = items(workloads, "--workload");
  for (const std::string& item : items(networks, "--networks")) {
    if (item.find('=') == std::string::npos) {
      spec.networks.push_back({"", item});
    } else {
      const auto [workload, path] = parse_assignment(item, "--networks");
      spec.networks.push_back({workload, path});
    }
  }
  for (const std::string& item : items(arrays, "--array")) {
    const ArraySize size = parse_array(item);
    spec.arrays.push_back({size.rows, size.cols});
  }
  spec.dataflows = items(dataflows, "--dataflow");
  for (const std::string& set : sets) {
    const auto [key, list] = parse_assignment(set, "--set");
    spec.sets.push_back({key, core::split_list(list, fmt::format("--set {}", key))});
  }
  if (!widths.empty()) spec.widths = core::parse_multipliers(widths, "--widths");
  for (const std::string& pattern : stage_widths) spec.stage_widths.push_back(core::parse_numbers(pattern, "--stage-widths"));
  if (!methods.empty()) search.methods = items(methods, "--method");
  if (!hw_losses.empty()) search.hw_losses = items(hw_losses, "--hw-loss");
  if (!targets.empty()) {
    search.targets.clear();
    for (const std::string& t : targets) {
      for (double r : core::parse_numbers(t, "--target")) search.targets.push_back(r);
    }
  }

  explore::RunOptions run;
  run.out = out;
  run.force = force;
  run.threads = threads;
  if (!shard.empty()) run.shard = explore::parse_shard(shard);
  run.validate = validate;
  run.validate_seed = validate_seed;
  run.outputs = findings.resolve(command_line(args));
  run.log = &std::cerr;
  run.summary = &std::cout;
  const explore::Plan plan = explore::make_plan(spec);
  return explore::run_exploration(plan, run);
}

}  // namespace

int run_explore(const std::vector<std::string>& args) {
  // Under mpirun every rank parses the same command line and meets the same bad input: rank 0
  // reports it in one write (mpirun forwards output line by line and may abort the job as soon as
  // a rank fails), the other ranks leave quietly with 0 so that the job's status is rank 0's.
  const auto bad_input = [](const std::exception& error) {
    if (explore::rank_from_environment() != 0) return kExitOk;
    std::cerr << fmt::format("nce explore: {}\n", error.what()) << std::flush;
    return kExitUsage;
  };
  try {
    if (!args.empty() && args.front() == "merge") return run_merge({args.begin() + 1, args.end()});
    return explore_grid(args);
  } catch (const UsageError& error) {
    if (!explore::launched_by_mpirun()) throw;
    return bad_input(error);
  } catch (const core::InputError& error) {
    if (!explore::launched_by_mpirun()) throw;
    return bad_input(error);
  }
}

}  // namespace nce::app
