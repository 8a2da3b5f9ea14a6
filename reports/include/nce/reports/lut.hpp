#pragma once
// Latency/energy lookup tables for other NAS frameworks (`nce lut`, docs/LUT.md): one entry per
// distinct layer geometry and precision of the given workloads (conv and fc layers; pool and add
// run in the post-processing unit and cost no array cycles), priced by a registered cost model on
// one accelerator, written as JSON or CSV. Keys follow the "<op>-input:HxWxC-output:HxWxC-..."
// form of once-for-all's and ProxylessNAS's latency tables, so their lookup code reads them.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nce/cost_models/cost_model.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::reports {

struct LutEntry {
  std::string key;  // "conv-input:32x32x16-output:32x32x16-kernel:3-stride:1-pad:1-bits:w2a2"
  std::string op;   // conv, dwconv, gconv, fc
  workloads::TensorShape in;
  workloads::TensorShape out;
  int kernel_h = 1, kernel_w = 1, stride = 1, padding = 0, groups = 1;
  workloads::Precision precision;
  std::int64_t macs = 0;
  std::int64_t params = 0;
  int passes = 1;  // radix-4 digit passes
  std::int64_t cycles = 0;
  double latency_us = 0;  // cycles / clock
  double energy_pj = 0;
  double utilization = 0;  // macs x passes / (PEs x cycles)
  std::string nn_meter_kernel;  // conv-bn-relu, dwconv-bn, fc, ... (docs/LUT.md)
  std::vector<std::string> layers;  // "<workload>/<layer>" at this geometry (base widths only)
};

struct LutOptions {
  // Width multipliers of every searchable layer's channels ("--widths"); empty: the networks as
  // they are. Non-searchable layers keep their widths; a layer's input follows its producer's.
  std::vector<double> width_multipliers;
  // Precisions to price every layer at; empty: each layer's own.
  std::vector<workloads::Precision> precisions;
  std::optional<std::filesystem::path> cache_dir;  // the cost-table cache (none: price everything)
};

struct Lut {
  std::vector<std::string> workloads;
  std::string model;
  cost_models::AcceleratorConfig config;
  std::string config_label;
  std::vector<LutEntry> entries;  // in first-use order: workload, layer, precision, widths
};

// Prices every distinct (geometry, precision) of the workloads' conv and fc layers with `model`
// on `config`. InputError names the layer a model or the mapping refuses.
Lut build_lut(const std::vector<workloads::Workload>& workloads, const cost_models::CostModel& model,
              const cost_models::AcceleratorConfig& config, const LutOptions& options);

// "W2A2,W4A4" -> precisions; InputError on anything else.
std::vector<workloads::Precision> parse_precisions(const std::string& text);

nlohmann::ordered_json lut_json(const Lut& lut);  // entries in first-use order
std::string lut_csv(const Lut& lut);

}  // namespace nce::reports
