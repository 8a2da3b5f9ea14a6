// nce.Workload and the functions that load workloads: zoo names, workload files (YAML, SCALE-Sim
// CSV, ONNX), YAML text.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "nce/core/input_error.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/search/precision_search.hpp"
#include "nce/search/supernet.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::python {

namespace {

py::tuple shape_tuple(const workloads::TensorShape& s) { return py::make_tuple(s.channels, s.height, s.width); }

py::dict layer_dict(const workloads::Layer& layer, const workloads::LayerInfo& info) {
  py::dict d;
  d["name"] = layer.name;
  d["type"] = std::string(workloads::to_string(layer.type));
  d["inputs"] = layer.inputs;
  d["in_shape"] = shape_tuple(info.in);
  d["out_shape"] = shape_tuple(info.out);
  d["out_channels"] = info.out.channels;
  d["kernel"] = py::make_tuple(layer.kernel_h, layer.kernel_w);
  d["stride"] = layer.stride;
  d["padding"] = layer.padding;
  d["groups"] = layer.groups;
  if (layer.type == workloads::LayerType::pool) d["pool"] = std::string(workloads::to_string(layer.pool));
  if (layer.type == workloads::LayerType::add) d["join"] = std::string(workloads::to_string(layer.join));
  d["weight_bits"] = layer.precision.weight_bits;
  d["act_bits"] = layer.precision.act_bits;
  d["batch_norm"] = layer.batch_norm;
  d["relu"] = layer.relu;
  d["bias"] = layer.bias;
  d["searchable"] = layer.searchable;
  d["macs"] = info.macs;
  d["params"] = info.params;
  d["gemm"] = py::dict(py::arg("k") = info.gemm.k, py::arg("m") = info.gemm.m, py::arg("n") = info.gemm.n,
                       py::arg("groups") = info.gemm.groups);
  return d;
}

std::vector<std::string> searchable_layers(const workloads::Workload& w) {
  std::vector<std::string> out;
  for (const workloads::Layer& layer : w.layers) {
    if (layer.searchable && layer.has_weights()) out.push_back(layer.name);
  }
  return out;
}

}  // namespace

workloads::Workload workload_arg(const py::handle& value) {
  if (py::isinstance<workloads::Workload>(value)) return value.cast<workloads::Workload>();
  if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
    const std::string text = py::str(py::module_::import("os").attr("fspath")(value));
    return workloads::load_workload(text);
  }
  throw py::type_error("workload: expected an nce.Workload, a zoo name or a workload file path");
}

void bind_workloads(py::module_& m) {
  py::class_<workloads::Workload>(m, "Workload",
                                  "A network as nce sees it: an ordered layer graph with its input shape. Load one with "
                                  "nce.load_workload (zoo name or file) or nce.workload_from_yaml.")
      .def_readwrite("name", &workloads::Workload::name)
      .def_property_readonly("input", [](const workloads::Workload& w) { return shape_tuple(w.input); },
                             "(channels, height, width) of one input image")
      .def_property_readonly("layer_names",
                             [](const workloads::Workload& w) {
                               std::vector<std::string> names;
                               for (const workloads::Layer& layer : w.layers) names.push_back(layer.name);
                               return names;
                             })
      .def_property_readonly("searchable_layers", &searchable_layers,
                             "the conv/fc layers a channel search may resize (their default width candidates)")
      .def(
          "layers",
          [](const workloads::Workload& w) {
            const std::vector<workloads::LayerInfo> infos = workloads::analyze(w);
            py::list out;
            for (std::size_t i = 0; i < w.layers.size(); ++i) out.append(layer_dict(w.layers[i], infos[i]));
            return out;
          },
          "One dict per layer: name, type, inputs, in_shape, out_shape, kernel, stride, padding, groups, weight_bits, "
          "act_bits, searchable, macs, params, gemm {k, m, n, groups} (the im2col GEMM the array runs), ...")
      .def(
          "layer",
          [](const workloads::Workload& w, const std::string& name) {
            const std::vector<workloads::LayerInfo> infos = workloads::analyze(w);
            for (std::size_t i = 0; i < w.layers.size(); ++i) {
              if (w.layers[i].name == name) return layer_dict(w.layers[i], infos[i]);
            }
            throw core::InputError(fmt::format("workload '{}' has no layer '{}'", w.name, name));
          },
          py::arg("name"), "The dict of one layer (see layers()).")
      .def(
          "totals",
          [](const workloads::Workload& w) {
            const workloads::WorkloadTotals t = workloads::totals(workloads::analyze(w));
            return py::dict(py::arg("macs") = t.macs, py::arg("params") = t.params);
          },
          "{'macs': ..., 'params': ...} per image, as `nce workload show` prints them")
      .def(
          "with_widths",
          [](const workloads::Workload& w, const std::map<std::string, int>& widths) {
            workloads::Workload out = w;
            for (const auto& [name, channels] : widths) out.set_out_channels(name, channels);
            workloads::analyze(out);
            return out;
          },
          py::arg("widths"),
          "A copy with the output channels of the named conv/fc layers set ({layer: channels}); consumers follow.")
      .def(
          "derive",
          [](const workloads::Workload& w, const std::map<std::string, int>& widths, const std::string& join) {
            return search::derive_workload(w, widths, search::join_mode_from_string(join));
          },
          py::arg("widths"), py::arg("join") = "prefix",
          "The network a channel search derives with {layer: width} for searchable layers: residual adds whose inputs "
          "differ become prefix joins (or get projections: join='projection-w8a8'/'projection-w2a2'), as `nce search` "
          "derives its derived.yaml.")
      .def(
          "with_precisions",
          [](const workloads::Workload& w, const std::map<std::string, std::pair<int, int>>& bits) {
            std::map<std::string, workloads::Precision> precisions;
            for (const auto& [name, wa] : bits) precisions[name] = {wa.first, wa.second};
            return search::derive_precisions(w, precisions);
          },
          py::arg("precisions"), "A copy with {layer: (weight_bits, act_bits)} (as the precision search derives it).")
      .def("to_yaml", &workloads::workload_to_yaml, "The workload in nce's YAML format (workloads/FORMAT.md).")
      .def(
          "save", [](const workloads::Workload& w, const std::filesystem::path& path) { workloads::write_workload_file(w, path); },
          py::arg("path"), "Writes the workload file (.yaml in our format, .csv as a SCALE-Sim topology).")
      .def("__len__", [](const workloads::Workload& w) { return w.layers.size(); })
      .def("__eq__", [](const workloads::Workload& a, const workloads::Workload& b) { return a == b; })
      .def("__repr__", [](const workloads::Workload& w) {
        return fmt::format("<nce.Workload '{}' input {}x{}x{}, {} layers>", w.name, w.input.channels, w.input.height,
                           w.input.width, w.layers.size());
      });

  m.def(
      "load_workload", [](const py::object& name_or_path) { return workload_arg(name_or_path); }, py::arg("name_or_path"),
      "A zoo network by name (nce.zoo_names()) or a workload file: .yaml/.yml/.json in nce's format, .csv as a SCALE-Sim "
      "topology, .onnx. The same loader as the program's --workload.");
  m.def(
      "workload_from_yaml",
      [](const std::string& text, const std::string& source_name) { return workloads::workload_from_yaml(text, source_name); },
      py::arg("text"), py::arg("source_name") = "<string>", "A workload from YAML text in nce's format.");
  m.def("zoo_names", &workloads::zoo::names, "The names nce.load_workload accepts without a file.");
}

}  // namespace nce::python
