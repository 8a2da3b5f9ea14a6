// nce.Config and nce.load_config: the accelerator as the program's --config, --array, --dataflow,
// --energy and --set read it (app/accelerator_options.hpp), overrides applied in that order.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "nce/core/input_error.hpp"

namespace nce::python {

namespace {

// A --set value as YAML text: Python's True/False as true/false, numbers and strings as written.
std::string yaml_value(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  return py::str(value);
}

// "RxC" or (rows, cols), checked as the program's --array.
std::pair<int, int> array_size(const py::handle& value) {
  if (py::isinstance<py::str>(value)) {
    const std::string text = value.cast<std::string>();
    static const std::regex pattern(R"(^(\d{1,6})x(\d{1,6})$)");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) {
      throw core::InputError(fmt::format("array '{}': expected ROWSxCOLS, e.g. 16x16", text));
    }
    const std::pair<int, int> size{std::stoi(match[1].str()), std::stoi(match[2].str())};
    if (size.first < 1 || size.second < 1) {
      throw core::InputError(fmt::format("array '{}': rows and columns must be at least 1", text));
    }
    return size;
  }
  const auto size = value.cast<std::pair<int, int>>();
  if (size.first < 1 || size.second < 1) {
    throw core::InputError(fmt::format("array ({}, {}): rows and columns must be at least 1", size.first, size.second));
  }
  return size;
}

// --set as a dict {key: value} (in insertion order), a list of "KEY=VALUE" strings or of
// (key, value) pairs.
void add_sets(const py::handle& sets, cost_models::ConfigOverrides& out) {
  if (sets.is_none()) return;
  if (py::isinstance<py::dict>(sets)) {
    for (const auto& [key, value] : sets.cast<py::dict>()) out.emplace_back(py::str(key), yaml_value(value));
    return;
  }
  if (py::isinstance<py::str>(sets)) throw py::type_error("set: expected a dict or a list of 'KEY=VALUE', got a str");
  for (const py::handle item : sets) {
    if (py::isinstance<py::str>(item)) {
      const std::string text = item.cast<std::string>();
      const auto eq = text.find('=');
      if (eq == std::string::npos || eq == 0) throw core::InputError(fmt::format("set expects KEY=VALUE, got '{}'", text));
      out.emplace_back(text.substr(0, eq), text.substr(eq + 1));
    } else {
      const auto pair = item.cast<std::pair<py::object, py::object>>();
      out.emplace_back(py::str(pair.first), yaml_value(pair.second));
    }
  }
}

py::dict buffer_dict(const cost_models::AcceleratorConfig& c, const cost_models::BufferConfig& b) {
  return py::dict(py::arg("capacity_kib") = double(b.capacity_bytes) / 1024.0, py::arg("word_bits") = b.word_bits,
                  py::arg("effective_word_bits") = cost_models::effective_word_bits(c, b), py::arg("ports") = b.ports);
}

}  // namespace

cost_models::AcceleratorConfig default_config() { return cost_models::load_accelerator_config({}); }

cost_models::AcceleratorConfig config_arg(const py::handle& value) {
  if (value.is_none()) return default_config();
  if (py::isinstance<cost_models::AcceleratorConfig>(value)) return value.cast<cost_models::AcceleratorConfig>();
  if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
    return cost_models::load_accelerator_config(value.cast<std::filesystem::path>());
  }
  throw py::type_error("config: expected an nce.Config (nce.load_config), a config file path, or None for the default config");
}

void bind_configs(py::module_& m) {
  using cost_models::AcceleratorConfig;
  py::class_<AcceleratorConfig>(m, "Config", "A validated accelerator configuration (nce.load_config).")
      .def_readonly("name", &AcceleratorConfig::name)
      .def_readonly("rows", &AcceleratorConfig::rows)
      .def_readonly("cols", &AcceleratorConfig::cols)
      .def_readonly("dataflow", &AcceleratorConfig::dataflow)
      .def_readonly("accumulator_bits", &AcceleratorConfig::accumulator_bits)
      .def_readonly("offload_wide_layers", &AcceleratorConfig::offload_wide_layers)
      .def_readonly("clock_mhz", &AcceleratorConfig::clock_mhz)
      .def_property_readonly("pes", &AcceleratorConfig::pes)
      .def_property_readonly("energy", [](const AcceleratorConfig& c) { return c.energy.name; }, "the energy preset's name")
      .def_property_readonly("dram",
                             [](const AcceleratorConfig& c) {
                               return py::dict(py::arg("bytes_per_cycle") = c.dram.bytes_per_cycle,
                                               py::arg("latency_cycles") = c.dram.latency_cycles);
                             })
      .def_property_readonly("buffers",
                             [](const AcceleratorConfig& c) {
                               return py::dict(py::arg("ifmap") = buffer_dict(c, c.ifmap),
                                               py::arg("weight") = buffer_dict(c, c.weight),
                                               py::arg("ofmap") = buffer_dict(c, c.ofmap));
                             })
      .def("to_yaml", &cost_models::accelerator_config_to_yaml, "The config in the YAML format of configs/default.yaml.")
      .def("__eq__", [](const AcceleratorConfig& a, const AcceleratorConfig& b) { return a == b; })
      .def("__repr__", [](const AcceleratorConfig& c) {
        return fmt::format("<nce.Config '{}' {}x{} {}, {} MHz, energy {}>", c.name, c.rows, c.cols, c.dataflow,
                           c.clock_mhz, c.energy.name);
      });

  m.def(
      "load_config",
      [](const py::object& path, const py::object& array, const py::object& dataflow, const py::object& energy,
         const py::object& sets) {
        cost_models::ConfigOverrides overrides;
        if (!array.is_none()) {
          const auto [rows, cols] = array_size(array);
          overrides.emplace_back("array.rows", std::to_string(rows));
          overrides.emplace_back("array.cols", std::to_string(cols));
        }
        if (!dataflow.is_none()) overrides.emplace_back("array.dataflow", dataflow.cast<std::string>());
        if (!energy.is_none()) overrides.emplace_back("energy", energy.cast<std::string>());
        add_sets(sets, overrides);
        std::filesystem::path file;
        if (!path.is_none()) file = path.cast<std::filesystem::path>();
        return cost_models::load_accelerator_config(file, overrides);
      },
      py::arg("path") = py::none(), py::kw_only(), py::arg("array") = py::none(), py::arg("dataflow") = py::none(),
      py::arg("energy") = py::none(), py::arg("set") = py::none(),
      "The accelerator config as `nce simulate`/`cost-table`/`search` read it: `path` (YAML or SCALE-Sim .cfg; None: "
      "the default configs/default.yaml), then array ('RxC' or (rows, cols)), dataflow ('ws', 'os', 'is'), energy "
      "(preset name) and set ({'buffers.ofmap.capacity_kib': 128} or ['dram.latency_cycles=50', ...]), in that order. "
      "Raises nce.InputError naming the field.");
  m.def("default_config", &default_config, "nce.load_config() without arguments.");
}

}  // namespace nce::python
