#include "nce/cost_models/cost_table.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"

namespace nce::cost_models {
namespace {

std::filesystem::path cache_file(const std::filesystem::path& dir, const std::string& key) {
  const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(key.data()), uInt(key.size()));
  return dir / fmt::format("{:08x}-{}.json", crc, key.size());
}

std::string channel_key(int in, int out) { return fmt::format("{}x{}", in, out); }

// One distinct layer variant (geometry key + channel counts) and its result.
struct Job {
  std::string key;
  int in = 0;
  int out = 0;
  workloads::Precision precision;
  std::size_t spec = 0;
  CostEntry entry;
  bool done = false;
};

void load_cache(const std::filesystem::path& file, const std::string& key, std::map<std::string, CostEntry>& entries) {
  std::ifstream in(file);
  if (!in) return;
  try {
    const nlohmann::json json = nlohmann::json::parse(in);
    if (json.at("key").get<std::string>() != key) return;  // a hash collision: not our entries
    for (const auto& [cell, value] : json.at("entries").items()) {
      entries[cell] = CostEntry{value.at("macs").get<std::int64_t>(), value.at("params").get<std::int64_t>(),
                                value.at("cycles").get<std::int64_t>(), value.at("energy_pj").get<double>()};
    }
  } catch (const nlohmann::json::exception&) {
    entries.clear();  // a damaged cache file is rebuilt, never trusted
  }
}

void store_cache(const std::filesystem::path& file, const std::string& key,
                 const std::map<std::string, CostEntry>& entries) {
  nlohmann::json json;
  json["key"] = key;
  json["entries"] = nlohmann::json::object();
  for (const auto& [cell, e] : entries) {
    json["entries"][cell] = {{"macs", e.macs}, {"params", e.params}, {"cycles", e.cycles}, {"energy_pj", e.energy_pj}};
  }
  core::write_file_atomically(file, json.dump() + "\n");
}

// The key with the config already rendered: emitting the YAML per cell took ~80% of building
// an analytical table, so build_cost_table renders it once.
std::string cache_key(const workloads::Layer& layer, const workloads::LayerInfo& info, const CostModel& model, const std::string& config_yaml) {
  // Everything the cost can depend on except the two channel counts, which index the entries.
  return fmt::format(
      "model={}/{}\nlayer type={} kernel={}x{} stride={} padding={} groups={} bits=W{}A{} input={}x{} pool={}\n"
      "config:\n{}",
      model.name(), model.version(), to_string(layer.type), layer.kernel_h, layer.kernel_w, layer.stride,
      layer.padding, layer.groups, layer.precision.weight_bits, layer.precision.act_bits, info.in.height,
      info.in.width, to_string(layer.pool), config_yaml);
}

}  // namespace

std::string_view to_string(CostMetric metric) {
  switch (metric) {
    case CostMetric::macs: return "macs";
    case CostMetric::params: return "params";
    case CostMetric::cycles: return "cycles";
    case CostMetric::energy: return "energy";
    case CostMetric::bitops: return "bitops";
  }
  return "?";
}

CostMetric cost_metric_from_string(std::string_view text) {
  if (text == "macs" || text == "flops") return CostMetric::macs;
  if (text == "params") return CostMetric::params;
  if (text == "cycles" || text == "latency") return CostMetric::cycles;
  if (text == "energy") return CostMetric::energy;
  if (text == "bitops") return CostMetric::bitops;
  throw core::InputError(
      fmt::format("unknown cost metric '{}' (expected flops, params, latency, energy or bitops)", text));
}

double CostEntry::metric(CostMetric which) const {
  switch (which) {
    case CostMetric::macs: return double(macs);
    case CostMetric::params: return double(params);
    case CostMetric::cycles: return double(cycles);
    case CostMetric::energy: return energy_pj;
    case CostMetric::bitops: return double(bitops);
  }
  return 0;
}

std::map<std::string, std::vector<int>> multiplier_candidates(const workloads::Workload& workload,
                                                              const std::vector<workloads::LayerInfo>& infos,
                                                              const std::vector<double>& multipliers) {
  std::map<std::string, std::vector<int>> candidates;
  if (multipliers.empty()) return candidates;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    const workloads::Layer& layer = workload.layers[i];
    if (!layer.searchable || !layer.has_weights()) continue;
    std::set<int> widths;
    for (double m : multipliers) widths.insert(std::max(1, int(std::lround(m * infos[i].out.channels))));
    candidates[layer.name] = {widths.begin(), widths.end()};
  }
  return candidates;
}

LayerTableSpec layer_table_spec(const workloads::Workload& workload, const std::vector<workloads::LayerInfo>& infos,
                                std::size_t layer, std::vector<int> in_widths, std::vector<int> out_widths,
                                std::vector<workloads::Precision> precisions) {
  LayerTableSpec spec;
  spec.name = workload.layers.at(layer).name;
  spec.layer = layer;
  spec.geometry = workload.layers[layer];
  spec.geometry.inputs.clear();
  spec.geometry.input_shape = infos.at(layer).in;
  spec.in_widths = std::move(in_widths);
  spec.out_widths = std::move(out_widths);
  spec.precisions = std::move(precisions);
  return spec;
}

std::pair<workloads::Layer, workloads::LayerInfo> layer_variant(const LayerTableSpec& spec, int in_channels,
                                                                int out_channels, workloads::Precision precision) {
  workloads::Layer layer = spec.geometry;
  const workloads::TensorShape in = spec.geometry.input_shape.value_or(workloads::TensorShape{});
  layer.input_shape = workloads::TensorShape{in_channels, in.height, in.width};
  if (layer.has_weights()) layer.out_channels = out_channels;
  layer.precision = precision;
  const workloads::Workload single{spec.name, *layer.input_shape, {layer}};
  workloads::LayerInfo info = analyze(single).front();
  return {std::move(layer), info};
}

std::string cost_cache_key(const workloads::Layer& layer, const workloads::LayerInfo& info, const CostModel& model,
                           const AcceleratorConfig& config) {
  return cache_key(layer, info, model, accelerator_config_to_yaml(config));
}

std::filesystem::path default_cost_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "nce" / "cost-tables";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".cache" / "nce" / "cost-tables";
  }
  return std::filesystem::temp_directory_path() / "nce-cost-tables";
}

CostTable build_cost_table(const std::string& workload_name, std::vector<LayerTableSpec> specs, const CostModel& model,
                           const AcceleratorConfig& config, const std::optional<std::filesystem::path>& cache_dir,
                           CostTableBuildStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  CostTable table{workload_name, model.name(), config.name, {}, {}};
  const std::string config_yaml = accelerator_config_to_yaml(config);

  // 1. The cells of every table, and the distinct layer variants behind them.
  std::vector<Job> jobs;
  std::map<std::tuple<std::string, int, int>, std::size_t> job_of;
  std::vector<std::vector<std::size_t>> cell_jobs;
  for (std::size_t s = 0; s < specs.size(); ++s) {
    LayerTableSpec& spec = specs[s];
    if (spec.precisions.empty()) spec.precisions = {spec.geometry.precision};
    if (spec.in_widths.empty() || spec.out_widths.empty()) {
      throw core::InputError(fmt::format("cost table of '{}': no width candidates", spec.name));
    }
    LayerCostTable layer_table;
    layer_table.name = spec.name;
    layer_table.layer = spec.layer;
    layer_table.in_widths = spec.in_widths;
    layer_table.out_widths = spec.out_widths;
    layer_table.precisions = spec.precisions;
    std::vector<std::size_t> cells;
    for (const workloads::Precision& precision : spec.precisions) {
      for (int in : spec.in_widths) {
        for (int out : spec.out_widths) {
          const auto [variant, info] = layer_variant(spec, in, out, precision);
          const std::string key = cache_key(variant, info, model, config_yaml);
          auto [it, fresh] = job_of.try_emplace({key, in, out}, jobs.size());
          if (fresh) jobs.push_back({key, in, out, precision, s, {}, false});
          cells.push_back(it->second);
        }
      }
    }
    cell_jobs.push_back(std::move(cells));
    table.layers.push_back(std::move(layer_table));
  }

  // 2. Cached entries.
  std::map<std::string, std::map<std::string, CostEntry>> cached;
  std::int64_t from_cache = 0;
  if (cache_dir) {
    std::error_code error;
    std::filesystem::create_directories(*cache_dir, error);
    if (error || !std::filesystem::is_directory(*cache_dir)) {
      throw core::InputError(fmt::format("cost-table cache directory '{}': {}", cache_dir->string(),
                                         error ? error.message() : "exists and is not a directory"));
    }
    for (Job& job : jobs) {
      auto [it, fresh] = cached.try_emplace(job.key);
      if (fresh) load_cache(cache_file(*cache_dir, job.key), job.key, it->second);
      if (auto hit = it->second.find(channel_key(job.in, job.out)); hit != it->second.end()) {
        job.entry = hit->second;
        job.done = true;
        ++from_cache;
      }
    }
  }

  // 3. Evaluate the rest on all cores (one thread when the model cannot share a process).
  std::vector<std::size_t> pending;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    if (!jobs[j].done) pending.push_back(j);
  }
  const int threads =
      model.thread_safe() ? int(std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, pending.size() + 1)) : 1;
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string first_error;
  auto worker = [&] {
    for (std::size_t p = next++; p < pending.size(); p = next++) {
      Job& job = jobs[pending[p]];
      try {
        const auto [variant, info] = layer_variant(specs[job.spec], job.in, job.out, job.precision);
        const LayerStats s = model.evaluate(variant, info, config);
        job.entry = CostEntry{info.macs, info.params, s.cycles, s.energy.total()};
        job.done = true;
      } catch (const std::exception& error) {
        std::lock_guard lock(error_mutex);
        if (first_error.empty()) {
          first_error = fmt::format("layer '{}' at {}x{} channels: {}", specs[job.spec].name, job.in, job.out,
                                    error.what());
        }
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }
  if (!first_error.empty()) throw core::InputError(first_error);

  // 4. Extend the cache with what was evaluated.
  if (cache_dir && !pending.empty()) {
    std::map<std::string, bool> dirty;
    for (std::size_t p : pending) {
      const Job& job = jobs[p];
      cached[job.key][channel_key(job.in, job.out)] = job.entry;
      dirty[job.key] = true;
    }
    for (const auto& [key, unused] : dirty) store_cache(cache_file(*cache_dir, key), key, cached[key]);
  }

  // 5. Fill the tables (bitops follow from the MACs and the cell's precision).
  for (Job& job : jobs) job.entry.bitops = job.entry.macs * job.precision.weight_bits * job.precision.act_bits;
  std::int64_t entries = 0;
  for (std::size_t t = 0; t < table.layers.size(); ++t) {
    for (std::size_t job : cell_jobs[t]) table.layers[t].entries.push_back(jobs[job].entry);
    entries += std::int64_t(cell_jobs[t].size());
  }
  table.specs = std::move(specs);
  if (stats != nullptr) {
    stats->entries = entries;
    stats->evaluated = std::int64_t(pending.size());
    stats->from_cache = from_cache;
    stats->threads = threads;
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return table;
}

}  // namespace nce::cost_models
