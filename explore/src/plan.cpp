#include "nce/explore/plan.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <set>

#include "nce/core/input_error.hpp"
#include "nce/train/memory_estimate.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/cost_models/pe_synthesis.hpp"
#include "nce/explore/widths.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/search/search_method.hpp"
#include "nce/search/supernet_search.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::explore {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw core::InputError(message);
}

void require_unique(const std::vector<std::string>& labels, const std::string& what) {
  std::set<std::string> seen;
  for (const std::string& label : labels) {
    require(seen.insert(label).second, fmt::format("{} lists '{}' twice", what, label));
  }
}

std::string shape_text(const workloads::TensorShape& s) { return fmt::format("{}x{}x{}", s.channels, s.height, s.width); }

void check_search(const SearchSpec& s) {
  require(!s.methods.empty() && !s.hw_losses.empty() && !s.targets.empty(),
          "--search needs at least one --method, --hw-loss and --target");
  for (const std::string& method : s.methods) search::SearchMethodRegistry::get(method, "search method");
  for (const std::string& loss : s.hw_losses) {
    const cost_models::CostMetric metric = cost_models::cost_metric_from_string(loss);
    require(metric == cost_models::CostMetric::cycles || metric == cost_models::CostMetric::energy,
            fmt::format("--hw-loss {}: explore targets the array, use latency or energy", loss));
  }
  require_unique(s.methods, "--method");
  require_unique(s.hw_losses, "--hw-loss");
  for (double t : s.targets) require(t > 0, fmt::format("--target must be positive, got {}", t));
  search::join_mode_from_string(s.join);
  search::candidates_from_string(s.candidates);
  require(s.warmup_epochs >= 0, fmt::format("--warmup-epochs must be >= 0, got {}", s.warmup_epochs));
  require(s.search_epochs >= 0, fmt::format("--search-epochs must be >= 0, got {}", s.search_epochs));
  require(s.retrain_epochs >= 0, fmt::format("--retrain-epochs must be >= 0, got {}", s.retrain_epochs));
  require(s.retrain_epochs > 0 || s.warmup_epochs + s.search_epochs > 0,
          "--retrain-epochs 0 takes the search's accuracy, so the search needs at least one epoch");
  require(s.train_limit == -1 || s.train_limit >= 2, fmt::format("--train-limit must be at least 2, got {}", s.train_limit));
  require(s.test_limit == -1 || s.test_limit >= 1, fmt::format("--test-limit must be at least 1, got {}", s.test_limit));
  require(s.batch >= 2, fmt::format("--batch must be at least 2 (batch norm needs a batch), got {}", s.batch));
  require(s.lr > 0, fmt::format("--lr must be positive, got {}", s.lr));
  require(s.arch_lr > 0, fmt::format("--arch-lr must be positive, got {}", s.arch_lr));
  require(s.threshold > 0 && s.threshold < 1, fmt::format("--threshold must lie in (0, 1), got {}", s.threshold));
  require(s.max_multiplier >= 1, fmt::format("--max-multiplier must be at least 1, got {}", s.max_multiplier));
}

// "networks/resnet50-x1.25.yaml", "networks/resnet50-stages-1-1.5-2.yaml".
std::string network_file_name(const std::string& workload, const std::string& label) {
  std::string name = fmt::format("{}-{}", workload, label);
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '-';
  }
  return fmt::format("networks/{}.yaml", name);
}

PlannedNetwork planned(std::string workload, std::string label, workloads::Workload network) {
  PlannedNetwork out{std::move(workload), std::move(label), std::move(network), {}, {}};
  out.infos = workloads::analyze(out.network);
  return out;
}

std::vector<PlannedNetwork> plan_networks(const GridSpec& spec, std::string& hashed) {
  std::vector<PlannedNetwork> networks;
  const bool searching = spec.search.enabled;
  auto resolve = [&](const std::string& name) {
    return searching ? resolve_search_workload(name, spec.search.dataset) : workloads::load_workload(name);
  };
  std::vector<workloads::Workload> bases;
  for (const std::string& name : spec.workloads) bases.push_back(resolve(name));
  std::vector<std::string> names;
  for (const workloads::Workload& base : bases) names.push_back(base.name);
  require_unique(names, "--workload");
  for (const workloads::Workload& base : bases) hashed += workloads::workload_to_yaml(base);

  std::vector<WidthPattern> patterns;
  for (double m : spec.widths) patterns.push_back({WidthPattern::Kind::uniform, m, {}});
  for (const std::vector<double>& stages : spec.stage_widths) {
    require(!stages.empty(), "--stage-widths needs at least one multiplier");
    for (double m : stages) require(m > 0, fmt::format("--stage-widths: multipliers must be positive, got {}", m));
    patterns.push_back({WidthPattern::Kind::stages, 1.0, stages});
  }
  if (patterns.empty()) patterns.push_back({});  // the workloads as they are (x1)
  std::vector<std::string> labels;
  for (const WidthPattern& p : patterns) labels.push_back(p.label());
  require_unique(labels, "--widths/--stage-widths");

  for (const workloads::Workload& base : bases) {
    if (searching) {
      networks.push_back(planned(base.name, "searched", base));
      continue;
    }
    for (const WidthPattern& pattern : patterns) {
      networks.push_back(planned(base.name, pattern.label(), apply_pattern(base, pattern)));
      networks.back().file = network_file_name(base.name, pattern.label());
    }
  }
  std::vector<std::string> paths;
  for (const NetworkFile& file : spec.networks) {
    paths.push_back(file.path);
    workloads::Workload network = workloads::read_workload_file(file.path);
    std::string group = network.name;
    std::string against = file.workload;
    if (against.empty() && spec.workloads.size() == 1) against = spec.workloads.front();
    if (!against.empty()) {
      const workloads::Workload base = resolve(against);
      require(base.input == network.input,
              fmt::format("--networks {}: input {} differs from {}'s {}", file.path, shape_text(network.input), base.name,
                          shape_text(base.input)));
      group = base.name;
    }
    hashed += workloads::workload_to_yaml(network);
    networks.push_back(planned(group, file.path, std::move(network)));
    networks.back().file = std::filesystem::absolute(file.path).lexically_normal().string();
  }
  require_unique(paths, "--networks");
  return networks;
}

std::vector<PlannedConfig> plan_configs(const GridSpec& spec, std::string& hashed) {
  // The axes, each with one "keep the base config's" entry when not given.
  std::vector<std::string> arrays, dataflows;
  for (const ArrayShape& a : spec.arrays) {
    require(a.rows >= 1 && a.cols >= 1, fmt::format("--array {}x{}: rows and columns must be at least 1", a.rows, a.cols));
    arrays.push_back(fmt::format("{}x{}", a.rows, a.cols));
  }
  require_unique(arrays, "--array");
  require_unique(spec.dataflows, "--dataflow");
  std::vector<std::string> keys;
  for (const SetAxis& axis : spec.sets) {
    keys.push_back(axis.key);
    require(!axis.values.empty(), fmt::format("--set {}: no values", axis.key));
    require_unique(axis.values, fmt::format("--set {}", axis.key));
    require(axis.key != "array.rows" && axis.key != "array.cols" && axis.key != "array.dataflow",
            fmt::format("--set {}: use --array / --dataflow, the grid's own axes", axis.key));
  }
  require_unique(keys, "--set");
  if (arrays.empty()) arrays.push_back("");
  dataflows = spec.dataflows;
  if (dataflows.empty()) dataflows.push_back("");

  const cost_models::PeSynthesisTable synthesis = cost_models::load_pe_synthesis(cost_models::default_config_dir());
  std::vector<PlannedConfig> configs;
  std::vector<std::size_t> choice(spec.sets.size(), 0);
  for (const std::string& array : arrays) {
    for (const std::string& dataflow : dataflows) {
      std::fill(choice.begin(), choice.end(), 0);
      while (true) {
        PlannedConfig c;
        cost_models::ConfigOverrides overrides;  // AcceleratorOptions' order: array, dataflow, energy, --set
        if (!array.empty()) {
          const auto x = array.find('x');
          overrides.emplace_back("array.rows", array.substr(0, x));
          overrides.emplace_back("array.cols", array.substr(x + 1));
        }
        if (!dataflow.empty()) overrides.emplace_back("array.dataflow", dataflow);
        if (!spec.energy.empty()) overrides.emplace_back("energy", spec.energy);
        for (std::size_t k = 0; k < spec.sets.size(); ++k) {
          c.sets.emplace_back(spec.sets[k].key, spec.sets[k].values[choice[k]]);
          overrides.emplace_back(c.sets.back());
        }
        try {
          c.config = cost_models::load_accelerator_config(spec.config, overrides);
          c.area = cost_models::estimate_area(c.config, synthesis);
        } catch (const core::InputError& error) {
          std::string where = array.empty() ? "" : array + " ";
          if (!dataflow.empty()) where += dataflow + " ";
          for (const auto& [key, value] : c.sets) where += key + "=" + value + " ";
          throw core::InputError(where.empty() ? error.what() : fmt::format("accelerator {}: {}", where.substr(0, where.size() - 1), error.what()));
        }
        c.array = fmt::format("{}x{}", c.config.rows, c.config.cols);
        c.dataflow = c.config.dataflow;
        hashed += cost_models::accelerator_config_to_yaml(c.config) + c.area.source;
        configs.push_back(std::move(c));
        // Next combination of --set values (the last axis fastest).
        std::size_t k = choice.size();
        while (k > 0 && ++choice[k - 1] == spec.sets[k - 1].values.size()) choice[--k] = 0;
        if (k == 0) break;
      }
    }
  }
  return configs;
}

}  // namespace

std::string PlannedConfig::label() const {
  std::string out = array + " " + dataflow;
  for (const auto& [key, value] : sets) out += fmt::format(" {}={}", key, value);
  return out;
}

std::string SearchVariant::label() const { return fmt::format("{} {} r={}", method, hw_loss, number_text(target)); }

workloads::Workload resolve_search_workload(const std::string& name, const std::string& dataset) {
  if (dataset == "fashion-mnist" && workloads::zoo::contains(name + "-fmnist")) return workloads::zoo::make(name + "-fmnist");
  return workloads::load_workload(name);
}

// Refuses a grid too large to plan, from the axes' lengths alone (before any config is loaded
// or point enumerated): the count is a product of list lengths and is computed in double so a
// hostile spec cannot overflow it.
void check_grid_size(const GridSpec& spec) {
  const double patterns = std::max<double>(1.0, double(spec.widths.size() + spec.stage_widths.size()));
  const double networks = double(spec.workloads.size()) * (spec.search.enabled ? 1.0 : patterns) + double(spec.networks.size());
  double configs = std::max<double>(1.0, double(spec.arrays.size())) * std::max<double>(1.0, double(spec.dataflows.size()));
  for (const SetAxis& axis : spec.sets) configs *= std::max<double>(1.0, double(axis.values.size()));
  double searches = 1.0;
  if (spec.search.enabled) {
    searches = double(spec.search.methods.size()) * double(spec.search.hw_losses.size()) * double(spec.search.targets.size());
  }
  const double points = networks * configs * searches;
  require(points <= double(kMaxGridPoints),
          fmt::format("the grid has {:.3g} points ({:.0f} networks x {:.0f} accelerators x {:.0f} searches), more than the "
                      "{} one run plans; narrow the axes or split the study into several specs",
                      points, networks, configs, searches, kMaxGridPoints));
  const double memory = double(train::physical_memory_bytes());
  const double needed = points * double(kBytesPerPoint);
  require(memory <= 0 || needed <= 0.8 * memory,
          fmt::format("the grid has {:.0f} points, whose records need about {:.1f} GiB, more than 80% of this machine's "
                      "{:.1f} GiB; narrow the axes or split the study into several specs",
                      points, needed / double(1u << 30), memory / double(1u << 30)));
}

Plan make_plan(const GridSpec& spec) {
  require(!spec.workloads.empty() || !spec.networks.empty(),
          "empty grid: give --workload or --networks (on the command line or in --spec)");
  const bool searching = spec.search.enabled;
  if (searching) {
    require(spec.widths.empty() && spec.stage_widths.empty() && spec.networks.empty(),
            "--search chooses the channel widths: drop --widths, --stage-widths and --networks");
    check_search(spec.search);
  }
  check_grid_size(spec);
  Plan plan;
  plan.spec = spec;
  std::string hashed = to_json(spec).dump() + "\n";
  hashed += cost_models::make_cost_model("analytical")->version() + "\n";
  plan.networks = plan_networks(spec, hashed);
  plan.configs = plan_configs(spec, hashed);
  if (searching) {
    for (const std::string& method : spec.search.methods)
      for (const std::string& loss : spec.search.hw_losses)
        for (double target : spec.search.targets) plan.searches.push_back({method, loss, target});
  }
  const std::size_t searches = std::max<std::size_t>(1, plan.searches.size());
  for (std::size_t n = 0; n < plan.networks.size(); ++n) {
    for (std::size_t c = 0; c < plan.configs.size(); ++c) {
      for (std::size_t s = 0; s < searches; ++s) {
        PlannedPoint p{plan.points.size(), n, c, s, ""};
        const PlannedConfig& config = plan.configs[c];
        std::string sets;
        for (const auto& [key, value] : config.sets) sets += fmt::format("{}{}={}", sets.empty() ? "" : ";", key, value);
        p.key = fmt::format("{}|{}|{}|{}|{}|{}", plan.networks[n].workload, plan.networks[n].label, config.array,
                            config.dataflow, sets, plan.searches.empty() ? "" : plan.searches[s].label());
        plan.points.push_back(std::move(p));
      }
    }
  }
  std::set<std::string> keys;
  for (const PlannedPoint& p : plan.points) {
    require(keys.insert(p.key).second, fmt::format("two points share the key '{}' (a network listed twice?)", p.key));
  }
  plan.hash = fnv1a_hex(hashed);
  return plan;
}

}  // namespace nce::explore
