#pragma once
// The Python module `nce` (docs/PYTHON.md): one binder per part of the library. The module
// holds no cost logic of its own: workloads, configs, cost tables, expected costs and
// simulations are the libraries' (the same calls the `nce` program makes); this layer converts
// arguments and results between Python and C++.
#include <pybind11/pybind11.h>

#include <filesystem>
#include <optional>
#include <string>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::python {

namespace py = pybind11;

void bind_workloads(py::module_& m);
void bind_configs(py::module_& m);
void bind_costs(py::module_& m);
void bind_simulation(py::module_& m);

// A workload argument: a Workload, or a zoo name / workload file path (str or os.PathLike).
workloads::Workload workload_arg(const py::handle& value);
// A config argument: a Config, a config file path (YAML or SCALE-Sim .cfg), or None for the
// default config (configs/default.yaml).
cost_models::AcceleratorConfig config_arg(const py::handle& value);
// The default config (configs/default.yaml, found as docs/PYTHON.md says).
cost_models::AcceleratorConfig default_config();
// A cost-table cache argument: None = the default cache ($XDG_CACHE_HOME/nce/cost-tables, as
// `nce cost-table`), False or "none" = no cache, else a directory.
std::optional<std::filesystem::path> cache_arg(const py::handle& value);

// One layer's statistics as a flat dict: every LayerStats count, stall_cycles, utilization and
// mapping_efficiency on `config`'s array, latency_us at its clock, energy_pj and one
// energy_<component>_pj per component.
py::dict stats_dict(const cost_models::LayerStats& stats, const cost_models::AcceleratorConfig& config);

}  // namespace nce::python
