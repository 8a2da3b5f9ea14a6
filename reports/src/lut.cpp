#include "nce/reports/lut.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/reports/html_page.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::reports {
namespace {

std::string op_of(const workloads::Layer& layer, const workloads::LayerInfo& info) {
  if (layer.type == workloads::LayerType::fc) return "fc";
  if (layer.groups == 1) return "conv";
  return layer.groups == info.in.channels && layer.out_channels == info.in.channels ? "dwconv" : "gconv";
}

std::string hwc(const workloads::TensorShape& s) { return fmt::format("{}x{}x{}", s.height, s.width, s.channels); }

std::string key_of(const LutEntry& e) {
  std::string key = fmt::format("{}-input:{}-output:{}", e.op, hwc(e.in), hwc(e.out));
  if (e.op != "fc") {
    key += e.kernel_h == e.kernel_w ? fmt::format("-kernel:{}", e.kernel_h) : fmt::format("-kernel:{}x{}", e.kernel_h, e.kernel_w);
    key += fmt::format("-stride:{}-pad:{}", e.stride, e.padding);
    if (e.op == "gconv") key += fmt::format("-groups:{}", e.groups);
  }
  return key + fmt::format("-bits:w{}a{}", e.precision.weight_bits, e.precision.act_bits);
}

// nn-Meter's kernel names: the op and the operators fused after it.
std::string nn_meter_kernel(const workloads::Layer& layer, const std::string& op) {
  if (op == "fc") return layer.relu ? "fc-relu" : "fc";
  std::string kernel = op == "dwconv" ? "dwconv" : "conv";
  if (layer.batch_norm) kernel += "-bn";
  if (layer.relu) kernel += "-relu";
  return kernel;
}

}  // namespace

std::vector<workloads::Precision> parse_precisions(const std::string& text) {
  static const std::regex pattern(R"(^[Ww](\d{1,2})[Aa](\d{1,2})$)");
  std::vector<workloads::Precision> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, end - begin);
    std::smatch match;
    if (!std::regex_match(item, match, pattern)) {
      throw core::InputError(fmt::format("precision '{}': expected W<bits>A<bits>, e.g. W2A2", item));
    }
    const workloads::Precision p{std::stoi(match[1].str()), std::stoi(match[2].str())};
    if (p.weight_bits < 1 || p.weight_bits > 16 || p.act_bits < 1 || p.act_bits > 16) {
      throw core::InputError(fmt::format("precision '{}': bit widths must lie in 1..16", item));
    }
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    begin = end + 1;
  }
  return out;
}

Lut build_lut(const std::vector<workloads::Workload>& workloads, const cost_models::CostModel& model,
              const cost_models::AcceleratorConfig& config, const LutOptions& options) {
  Lut lut;
  lut.model = model.name();
  lut.config = config;
  lut.config_label = config.name;
  std::map<std::string, std::size_t> index;  // key -> entries position
  for (const workloads::Workload& workload : workloads) {
    lut.workloads.push_back(workload.name);
    const std::vector<workloads::LayerInfo> infos = analyze(workload);
    const search::WidthBinding binding =
        search::bind_widths(workload, cost_models::multiplier_candidates(workload, infos, options.width_multipliers));
    std::vector<cost_models::LayerTableSpec> specs = search::table_specs(workload, binding);
    for (cost_models::LayerTableSpec& spec : specs) spec.precisions = options.precisions;
    const cost_models::CostTable table = cost_models::build_cost_table(workload.name, specs, model, config, options.cache_dir);
    for (std::size_t t = 0; t < table.layers.size(); ++t) {
      const cost_models::LayerCostTable& lt = table.layers[t];
      const cost_models::LayerTableSpec& spec = table.specs[t];
      if (spec.layer >= workload.layers.size()) continue;  // projection specs (none under prefix joins)
      const workloads::Layer& base = workload.layers[spec.layer];
      const workloads::LayerInfo& base_info = infos[spec.layer];
      for (std::size_t p = 0; p < lt.precisions.size(); ++p) {
        for (std::size_t i = 0; i < lt.in_widths.size(); ++i) {
          for (std::size_t j = 0; j < lt.out_widths.size(); ++j) {
            const auto [layer, info] = cost_models::layer_variant(spec, lt.in_widths[i], lt.out_widths[j], lt.precisions[p]);
            const cost_models::CostEntry& cost = lt.at(i, j, p);
            LutEntry e;
            e.op = op_of(layer, info);
            e.in = info.in;
            e.out = info.out;
            if (layer.type == workloads::LayerType::conv) {
              e.kernel_h = layer.kernel_h;
              e.kernel_w = layer.kernel_w;
              e.stride = layer.stride;
              e.padding = layer.padding;
              e.groups = layer.groups;
            }
            e.precision = layer.precision;
            e.key = key_of(e);
            const bool base_cell = info.in.channels == base_info.in.channels && info.out.channels == base_info.out.channels;
            auto found = index.find(e.key);
            if (found != index.end()) {
              if (base_cell) lut.entries[found->second].layers.push_back(workload.name + "/" + base.name);
              continue;
            }
            e.macs = cost.macs;
            e.params = cost.params;
            e.passes = workloads::ref::activation_digit_count(layer.precision.act_bits) *
                       workloads::ref::weight_digit_count(layer.precision.weight_bits);
            e.cycles = cost.cycles;
            e.latency_us = double(cost.cycles) / config.clock_mhz;
            e.energy_pj = cost.energy_pj;
            e.utilization = cost.cycles == 0 ? 0.0 : double(cost.macs) * e.passes / (double(config.pes()) * double(cost.cycles));
            e.nn_meter_kernel = nn_meter_kernel(base, e.op);
            if (base_cell) e.layers.push_back(workload.name + "/" + base.name);
            index.emplace(e.key, lut.entries.size());
            lut.entries.push_back(std::move(e));
          }
        }
      }
    }
  }
  return lut;
}

nlohmann::ordered_json lut_json(const Lut& lut) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  for (const LutEntry& e : lut.entries) {
    entries[e.key] = {
        {"mean", e.latency_us / 1e3},
        {"cycles", e.cycles},
        {"latency_us", e.latency_us},
        {"energy_pj", e.energy_pj},
        {"macs", e.macs},
        {"params", e.params},
        {"passes", e.passes},
        {"utilization", e.utilization},
        {"op", e.op},
        {"input", {e.in.height, e.in.width, e.in.channels}},
        {"output", {e.out.height, e.out.width, e.out.channels}},
        {"kernel", {e.kernel_h, e.kernel_w}},
        {"stride", e.stride},
        {"padding", e.padding},
        {"groups", e.groups},
        {"weight_bits", e.precision.weight_bits},
        {"act_bits", e.precision.act_bits},
        {"nn_meter",
         {{"kernel", e.nn_meter_kernel},
          {"HW", e.in.height},
          {"CIN", e.in.channels},
          {"COUT", e.out.channels},
          {"KERNEL_SIZE", e.kernel_h},
          {"STRIDES", e.stride}}},
        {"layers", e.layers},
    };
  }
  const cost_models::AcceleratorConfig& c = lut.config;
  nlohmann::ordered_json json = {
      {"format", "nce-lut/1"},
      {"workloads", lut.workloads},
      {"model", lut.model},
      {"config",
       {{"name", lut.config_label},
        {"array", fmt::format("{}x{}", c.rows, c.cols)},
        {"dataflow", c.dataflow},
        {"clock_mhz", c.clock_mhz},
        {"energy_preset", c.energy.name},
        {"yaml", cost_models::accelerator_config_to_yaml(c)}}},
      {"units",
       {{"mean", "milliseconds per image (once-for-all / ProxylessNAS latency-table convention)"},
        {"latency_us", "microseconds per image at config.clock_mhz"},
        {"cycles", "array cycles per image"},
        {"energy_pj", "picojoules per image"},
        {"input", "[height, width, channels]"},
        {"output", "[height, width, channels]"}}},
      {"entries", entries},
  };
  return json;
}

std::string lut_csv(const Lut& lut) {
  Table table;
  table.header = {"key",        "op",          "in_h",      "in_w",     "in_c",   "out_h",      "out_w",
                  "out_c",      "kernel_h",    "kernel_w",  "stride",   "padding", "groups",    "weight_bits",
                  "act_bits",   "macs",        "params",    "passes",   "cycles", "latency_us", "latency_ms",
                  "energy_pj",  "utilization", "nn_meter_kernel", "layers"};
  for (const LutEntry& e : lut.entries) {
    std::string layers;
    for (const std::string& l : e.layers) layers += (layers.empty() ? "" : ";") + l;
    table.rows.push_back({e.key, e.op, std::to_string(e.in.height), std::to_string(e.in.width),
                          std::to_string(e.in.channels), std::to_string(e.out.height), std::to_string(e.out.width),
                          std::to_string(e.out.channels), std::to_string(e.kernel_h), std::to_string(e.kernel_w),
                          std::to_string(e.stride), std::to_string(e.padding), std::to_string(e.groups),
                          std::to_string(e.precision.weight_bits), std::to_string(e.precision.act_bits),
                          std::to_string(e.macs), std::to_string(e.params), std::to_string(e.passes),
                          std::to_string(e.cycles), fmt::format("{:.6f}", e.latency_us),
                          fmt::format("{:.9f}", e.latency_us / 1e3), fmt::format("{:.3f}", e.energy_pj),
                          fmt::format("{:.6f}", e.utilization), e.nn_meter_kernel, layers});
  }
  return to_csv(table);
}

}  // namespace nce::reports
