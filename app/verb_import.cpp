// nce import: an ONNX model as a workload file (README.md, "Networks in, tables out").
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <string_view>

#include "cli.hpp"
#include "nce/workloads/onnx_import.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::app {

int run_import(const std::vector<std::string>& args) {
  std::string model;
  std::string out;
  std::string name;
  po::options_description options;
  options.add_options()("model", po::value(&model)->required(), "ONNX model (.onnx)")(
      "out", po::value(&out)->required(), "workload file to write: .yaml/.yml (our format) or .csv (SCALE-Sim topology)")(
      "name", po::value(&name), "workload name (default: the model file's stem)");
  po::positional_options_description positionals;
  positionals.add("model", 1);
  po::variables_map values;
  if (!parse("usage: nce import MODEL.onnx --out WORKLOAD.yaml [--name NAME]\n\n"
             "Imports Conv (groups, depthwise), Gemm/MatMul, BatchNormalization (folded into the conv),\n"
             "Relu/Clip, MaxPool/AveragePool/GlobalAveragePool, Add, Flatten/Reshape before an FC.\n"
             "Precision: nce's default (first conv and last FC W8A8, the rest W2A2); edit the file to change it.",
             options, positionals, args, values)) {
    return kExitOk;
  }
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext != ".yaml" && ext != ".yml" && ext != ".csv") {
    throw UsageError(fmt::format("--out '{}': expected a .yaml, .yml or .csv file", out));
  }
  if (std::filesystem::path(model).extension() != ".onnx") {
    throw UsageError(fmt::format("'{}': expected an .onnx file", model));
  }
  workloads::Workload workload = workloads::import_onnx(model);
  if (!name.empty()) workload.name = name;
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  const workloads::WorkloadTotals sum = totals(infos);
  std::map<std::string, int> kinds;
  int depthwise = 0;
  for (const workloads::Layer& layer : workload.layers) {
    ++kinds[std::string(to_string(layer.type))];
    if (layer.type == workloads::LayerType::conv && layer.groups > 1) ++depthwise;
  }
  std::string kind_text;
  for (const char* kind : {"conv", "fc", "pool", "add"}) {
    if (kinds[kind] > 0) kind_text += fmt::format("{}{} {}", kind_text.empty() ? "" : ", ", kinds[kind], kind);
    // The grouped convs are counted with the convs: "7 conv (2 grouped/depthwise), 1 fc, ...".
    if (std::string_view(kind) == "conv" && depthwise > 0) kind_text += fmt::format(" ({} grouped/depthwise)", depthwise);
  }
  workloads::write_workload_file(workload, out);
  std::cout << fmt::format("{}: {} layers ({}), input {}x{}x{}, {} MACs, {} params\n", workload.name,
                           workload.layers.size(), kind_text, workload.input.channels, workload.input.height,
                           workload.input.width, sum.macs, sum.params);
  std::cout << fmt::format("wrote {} (simulate it with: nce simulate --workload {} --out DIR)\n", out, out);
  return kExitOk;
}

}  // namespace nce::app
