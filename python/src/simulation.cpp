// nce.simulate (the SystemC model, as `nce simulate` runs it) and nce.evaluate (any registered
// cost model layer by layer, e.g. the analytical model, equal to SystemC in every statistic):
// per-layer statistics as dicts and as NumPy arrays.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "nce/core/input_error.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/sim/simulator.hpp"

namespace nce::python {

namespace {

// The integer fields of stats_dict, in column order for the arrays.
struct IntField {
  const char* name;
  std::int64_t (*get)(const cost_models::LayerStats&);
};

const std::vector<IntField>& int_fields() {
  using S = cost_models::LayerStats;
  static const std::vector<IntField> fields = {
      {"macs", [](const S& s) { return s.macs; }},
      {"array_macs", [](const S& s) { return s.array_macs; }},
      {"passes", [](const S& s) { return std::int64_t{s.passes}; }},
      {"folds", [](const S& s) { return s.folds; }},
      {"steps", [](const S& s) { return s.steps; }},
      {"cycles", [](const S& s) { return s.cycles; }},
      {"compute_cycles", [](const S& s) { return s.compute_cycles; }},
      {"stall_dram", [](const S& s) { return s.stall_dram; }},
      {"stall_stationary_load", [](const S& s) { return s.stall_stationary_load; }},
      {"stall_fill_drain", [](const S& s) { return s.stall_fill_drain; }},
      {"stall_other", [](const S& s) { return s.stall_other; }},
      {"stall_cycles", [](const S& s) { return s.stall_cycles(); }},
      {"ifmap_reads", [](const S& s) { return s.ifmap.reads; }},
      {"ifmap_writes", [](const S& s) { return s.ifmap.writes; }},
      {"ifmap_read_bits", [](const S& s) { return s.ifmap.read_bits; }},
      {"ifmap_write_bits", [](const S& s) { return s.ifmap.write_bits; }},
      {"weight_reads", [](const S& s) { return s.weight.reads; }},
      {"weight_writes", [](const S& s) { return s.weight.writes; }},
      {"weight_read_bits", [](const S& s) { return s.weight.read_bits; }},
      {"weight_write_bits", [](const S& s) { return s.weight.write_bits; }},
      {"ofmap_reads", [](const S& s) { return s.ofmap.reads; }},
      {"ofmap_writes", [](const S& s) { return s.ofmap.writes; }},
      {"ofmap_read_bits", [](const S& s) { return s.ofmap.read_bits; }},
      {"ofmap_write_bits", [](const S& s) { return s.ofmap.write_bits; }},
      {"psum_readback_words", [](const S& s) { return s.psum_readback_words; }},
      {"output_accumulations", [](const S& s) { return s.output_accumulations; }},
      {"stationary_register_bits", [](const S& s) { return s.stationary_register_bits; }},
      {"dram_read_bytes", [](const S& s) { return s.dram_read_bytes; }},
      {"dram_write_bytes", [](const S& s) { return s.dram_write_bytes; }},
  };
  return fields;
}

struct FloatField {
  const char* name;
  double (*get)(const cost_models::LayerStats&, const cost_models::AcceleratorConfig&);
};

const std::vector<FloatField>& float_fields() {
  using S = cost_models::LayerStats;
  using C = cost_models::AcceleratorConfig;
  static const std::vector<FloatField> fields = {
      {"utilization", [](const S& s, const C& c) { return s.utilization(c.pes()); }},
      {"mapping_efficiency", [](const S& s, const C& c) { return s.mapping_efficiency(c.pes()); }},
      {"latency_us", [](const S& s, const C& c) { return double(s.cycles) / c.clock_mhz; }},
      {"energy_pj", [](const S& s, const C&) { return s.energy.total(); }},
      {"energy_multiplier_pj", [](const S& s, const C&) { return s.energy.multiplier_pj; }},
      {"energy_accumulator_pj", [](const S& s, const C&) { return s.energy.accumulator_pj; }},
      {"energy_register_pj", [](const S& s, const C&) { return s.energy.register_pj; }},
      {"energy_output_adder_pj", [](const S& s, const C&) { return s.energy.output_adder_pj; }},
      {"energy_sram_ifmap_pj", [](const S& s, const C&) { return s.energy.sram_ifmap_pj; }},
      {"energy_sram_weight_pj", [](const S& s, const C&) { return s.energy.sram_weight_pj; }},
      {"energy_sram_ofmap_pj", [](const S& s, const C&) { return s.energy.sram_ofmap_pj; }},
      {"energy_dram_pj", [](const S& s, const C&) { return s.energy.dram_pj; }},
      {"energy_leakage_pj", [](const S& s, const C&) { return s.energy.leakage_pj; }},
  };
  return fields;
}

// A workload's per-layer statistics and its totals on one config, from one model.
struct Result {
  cost_models::WorkloadStats stats;
  cost_models::AcceleratorConfig config;
  std::string model;
};

py::dict arrays(const Result& r) {
  py::dict out;
  std::vector<std::string> names, types;
  std::vector<bool> on_array;
  for (const cost_models::LayerStats& s : r.stats.layers) {
    names.push_back(s.layer);
    types.push_back(s.type);
  }
  out["layer"] = names;
  out["type"] = types;
  const auto n = py::ssize_t(r.stats.layers.size());
  py::array_t<bool> on(n);
  for (py::ssize_t i = 0; i < n; ++i) on.mutable_at(i) = r.stats.layers[std::size_t(i)].on_array;
  out["on_array"] = on;
  for (const IntField& f : int_fields()) {
    py::array_t<std::int64_t> a(n);
    for (py::ssize_t i = 0; i < n; ++i) a.mutable_at(i) = f.get(r.stats.layers[std::size_t(i)]);
    out[f.name] = a;
  }
  for (const FloatField& f : float_fields()) {
    py::array_t<double> a(n);
    for (py::ssize_t i = 0; i < n; ++i) a.mutable_at(i) = f.get(r.stats.layers[std::size_t(i)], r.config);
    out[f.name] = a;
  }
  return out;
}

py::list layer_dicts(const Result& r) {
  py::list out;
  for (const cost_models::LayerStats& s : r.stats.layers) out.append(stats_dict(s, r.config));
  return out;
}

}  // namespace

py::dict stats_dict(const cost_models::LayerStats& stats, const cost_models::AcceleratorConfig& config) {
  py::dict d;
  d["layer"] = stats.layer;
  d["type"] = stats.type;
  d["on_array"] = stats.on_array;
  for (const IntField& f : int_fields()) d[f.name] = f.get(stats);
  for (const FloatField& f : float_fields()) d[f.name] = f.get(stats, config);
  return d;
}

void bind_simulation(py::module_& m) {
  py::class_<Result>(m, "SimulationResult",
                     "Per-layer statistics of a workload on one accelerator (nce.simulate, nce.evaluate).")
      .def_property_readonly("workload", [](const Result& r) { return r.stats.workload; })
      .def_readonly("config", &Result::config)
      .def_readonly("model", &Result::model, "'systemc' for nce.simulate, else the cost model's name")
      .def_property_readonly("layers", &layer_dicts,
                             "one dict per layer (stats_dict fields: cycles, compute_cycles, stall_*, utilization, "
                             "SRAM/DRAM counts, energy_pj and energy_<component>_pj, ...)")
      .def_property_readonly("total", [](const Result& r) { return stats_dict(r.stats.total, r.config); },
                             "the sums over the layers (utilization over the whole run)")
      .def("arrays", &arrays, "{field: NumPy array over the layers}, plus 'layer', 'type' and 'on_array'.")
      .def(
          "layer",
          [](const Result& r, const std::string& name) {
            for (const cost_models::LayerStats& s : r.stats.layers) {
              if (s.layer == name) return stats_dict(s, r.config);
            }
            throw core::InputError(fmt::format("workload '{}' has no layer '{}'", r.stats.workload, name));
          },
          py::arg("name"))
      .def("__len__", [](const Result& r) { return r.stats.layers.size(); })
      .def("__repr__", [](const Result& r) {
        return fmt::format("<nce.SimulationResult '{}' on {}x{} {} ({}): {} layers, {} cycles>", r.stats.workload,
                           r.config.rows, r.config.cols, r.config.dataflow, r.model, r.stats.layers.size(),
                           r.stats.total.cycles);
      });

  m.def(
      "simulate",
      [](const py::object& workload_value, const py::object& config_value, const std::string& pe_model, std::uint64_t seed) {
        Result r;
        r.config = config_arg(config_value);
        r.model = "systemc";
        const workloads::Workload workload = workload_arg(workload_value);
        sim::SimulationOptions options;
        options.pe_model = sim::pe_model_from_string(pe_model);
        options.seed = seed;
        py::gil_scoped_release release;
        r.stats = sim::simulate_workload(workload, r.config, options);
        return r;
      },
      py::arg("workload"), py::arg("config") = py::none(), py::kw_only(), py::arg("pe_model") = "behavioral",
      py::arg("seed") = 1,
      "Runs every layer through the cycle-accurate SystemC model on seeded random operands, as `nce simulate` does "
      "(pe_model 'rtl' runs the verilated array). Not thread-safe: one simulation at a time per process.");

  m.def(
      "evaluate",
      [](const py::object& workload_value, const py::object& config_value, const std::string& model_name,
         std::uint64_t seed) {
        Result r;
        r.config = config_arg(config_value);
        const workloads::Workload workload = workload_arg(workload_value);
        const std::unique_ptr<cost_models::CostModel> model =
            cost_models::make_cost_model(model_name, cost_models::CostModelOptions{seed});
        r.model = model->name();
        py::gil_scoped_release release;
        const std::vector<workloads::LayerInfo> infos = workloads::analyze(workload);
        std::vector<cost_models::LayerStats> layers;
        for (std::size_t i = 0; i < infos.size(); ++i) layers.push_back(model->evaluate(workload.layers[i], infos[i], r.config));
        r.stats = cost_models::summarize(workload.name, std::move(layers));
        return r;
      },
      py::arg("workload"), py::arg("config") = py::none(), py::kw_only(), py::arg("model") = "analytical",
      py::arg("seed") = 1,
      "Every layer priced by a registered cost model (analytical: closed form, equal to the SystemC model in every "
      "statistic; simulated; shape: MACs and parameters only).");
}

}  // namespace nce::python
