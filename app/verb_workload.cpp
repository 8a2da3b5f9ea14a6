// nce workload show|list|export
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::app {
namespace {

std::string shape_text(const workloads::TensorShape& s) { return fmt::format("{}x{}x{}", s.channels, s.height, s.width); }

std::string kernel_text(const workloads::Layer& layer) {
  if (layer.type == workloads::LayerType::add || (layer.type == workloads::LayerType::pool && layer.pool == workloads::PoolType::global_avg) ||
      layer.type == workloads::LayerType::fc) {
    return "-";
  }
  return fmt::format("{}x{}/s{}/p{}", layer.kernel_h, layer.kernel_w, layer.stride, layer.padding);
}

std::string precision_text(const workloads::Layer& layer) {
  if (!layer.has_weights()) return "-";
  return fmt::format("W{}A{}", layer.precision.weight_bits, layer.precision.act_bits);
}

std::string human(std::int64_t value) {
  if (value >= 1'000'000'000) return fmt::format("{:.3f}G", double(value) / 1e9);
  if (value >= 1'000'000) return fmt::format("{:.2f}M", double(value) / 1e6);
  if (value >= 1'000) return fmt::format("{:.1f}k", double(value) / 1e3);
  return std::to_string(value);
}

void print_table(const workloads::Workload& workload, const std::vector<workloads::LayerInfo>& infos) {
  std::size_t name_width = 5;
  for (const workloads::Layer& layer : workload.layers) name_width = std::max(name_width, layer.name.size());
  std::cout << fmt::format("{}: input {}, {} layers\n", workload.name, shape_text(workload.input),
                           workload.layers.size());
  std::cout << fmt::format("{:<{}}  {:<5} {:>12} {:>12} {:<12} {:<6} {:>14} {:>10}  {}\n", "layer", name_width, "type",
                           "input", "output", "kernel", "prec", "MACs", "params", "GEMM K x M x N");
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const workloads::Layer& layer = workload.layers[i];
    const workloads::LayerInfo& info = infos[i];
    const std::string gemm = layer.has_weights()
                                 ? fmt::format("{} x {} x {}{}", info.gemm.k, info.gemm.m, info.gemm.n,
                                               info.gemm.groups > 1 ? fmt::format(" (x{} groups)", info.gemm.groups) : "")
                                 : "-";
    std::cout << fmt::format("{:<{}}  {:<5} {:>12} {:>12} {:<12} {:<6} {:>14} {:>10}  {}\n", layer.name, name_width,
                             to_string(layer.type), shape_text(info.in), shape_text(info.out), kernel_text(layer),
                             precision_text(layer), info.macs, info.params, gemm);
  }
  const workloads::WorkloadTotals sum = totals(infos);
  std::cout << fmt::format("total: {} MACs ({}), {} params ({})\n", sum.macs, human(sum.macs), sum.params,
                           human(sum.params));
}

nlohmann::json shape_json(const workloads::TensorShape& s) {
  return {{"channels", s.channels}, {"height", s.height}, {"width", s.width}};
}

void print_json(const workloads::Workload& workload, const std::vector<workloads::LayerInfo>& infos) {
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const workloads::Layer& layer = workload.layers[i];
    const workloads::LayerInfo& info = infos[i];
    nlohmann::json entry = {{"name", layer.name},
                            {"type", to_string(layer.type)},
                            {"inputs", layer.inputs},
                            {"input_shape", shape_json(info.in)},
                            {"output_shape", shape_json(info.out)},
                            {"macs", info.macs},
                            {"params", info.params}};
    if (layer.has_weights()) {
      entry["weight_bits"] = layer.precision.weight_bits;
      entry["act_bits"] = layer.precision.act_bits;
      entry["searchable"] = layer.searchable;
      entry["gemm"] = {{"k", info.gemm.k}, {"m", info.gemm.m}, {"n", info.gemm.n}, {"groups", info.gemm.groups}};
    }
    if (layer.type == workloads::LayerType::conv || layer.type == workloads::LayerType::pool) {
      entry["kernel"] = {layer.kernel_h, layer.kernel_w};
      entry["stride"] = layer.stride;
      entry["padding"] = layer.padding;
    }
    layers.push_back(std::move(entry));
  }
  const workloads::WorkloadTotals sum = totals(infos);
  const nlohmann::json out = {{"name", workload.name},
                              {"input", shape_json(workload.input)},
                              {"layers", layers},
                              {"total_macs", sum.macs},
                              {"total_params", sum.params}};
  std::cout << out.dump(2) << "\n";
}

void print_csv(const workloads::Workload& workload, const std::vector<workloads::LayerInfo>& infos) {
  std::cout << "layer,type,in_c,in_h,in_w,out_c,out_h,out_w,weight_bits,act_bits,macs,params,gemm_k,gemm_m,gemm_n\n";
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const workloads::Layer& layer = workload.layers[i];
    const workloads::LayerInfo& info = infos[i];
    std::cout << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", layer.name, to_string(layer.type),
                             info.in.channels, info.in.height, info.in.width, info.out.channels, info.out.height,
                             info.out.width, layer.has_weights() ? layer.precision.weight_bits : 0,
                             layer.has_weights() ? layer.precision.act_bits : 0, info.macs, info.params, info.gemm.k,
                             info.gemm.m, info.gemm.n);
  }
}

int show(const std::vector<std::string>& args) {
  po::options_description options;
  std::string source, format;
  options.add_options()("workload", po::value(&source)->required(), "zoo model name or workload file")(
      "format", po::value(&format)->default_value("table"), "table, json or csv");
  po::positional_options_description positionals;
  positionals.add("workload", 1);
  po::variables_map values;
  if (!parse("usage: nce workload show NAME|FILE [--format table|json|csv]", options, positionals, args, values)) {
    return kExitOk;
  }
  if (format != "table" && format != "json" && format != "csv") {
    throw UsageError(fmt::format("--format: unknown '{}' (expected table, json or csv)", format));
  }
  const workloads::Workload workload = workloads::load_workload(source);
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  if (format == "json") {
    print_json(workload, infos);
  } else if (format == "csv") {
    print_csv(workload, infos);
  } else {
    print_table(workload, infos);
  }
  return kExitOk;
}

int list(const std::vector<std::string>& args) {
  po::variables_map values;
  if (!parse("usage: nce workload list", {}, {}, args, values)) return kExitOk;
  for (const std::string& name : workloads::zoo::names()) {
    const workloads::Workload workload = workloads::zoo::make(name);
    const workloads::WorkloadTotals sum = totals(analyze(workload));
    std::cout << fmt::format("{:<18} input {:<9} {:>10} MACs {:>9} params\n", name, shape_text(workload.input),
                             human(sum.macs), human(sum.params));
  }
  return kExitOk;
}

int export_workload(const std::vector<std::string>& args) {
  po::options_description options;
  std::string source, out;
  options.add_options()("workload", po::value(&source)->required(), "zoo model name or workload file")(
      "out", po::value(&out)->required(), "output file: .yaml/.yml/.json (our format) or .csv (SCALE-Sim topology)");
  po::positional_options_description positionals;
  positionals.add("workload", 1);
  po::variables_map values;
  if (!parse("usage: nce workload export NAME|FILE --out FILE", options, positionals, args, values)) return kExitOk;
  workloads::write_workload_file(workloads::load_workload(source), out);
  std::cout << "wrote " << out << "\n";
  return kExitOk;
}

}  // namespace

int run_workload(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: nce workload show NAME|FILE [--format table|json|csv]\n"
      "       nce workload list\n"
      "       nce workload export NAME|FILE --out FILE.yaml|FILE.csv";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << usage << "\n";
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "show") return show(rest);
  if (args[0] == "list") return list(rest);
  if (args[0] == "export") return export_workload(rest);
  throw UsageError(fmt::format("unknown subcommand '{}' (expected show, list or export)", args[0]));
}

}  // namespace nce::app
