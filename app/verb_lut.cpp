// nce lut: per-layer latency/energy lookup tables for other NAS frameworks (docs/LUT.md).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/reports/lut.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::app {
namespace {

double positive_number(const std::string& text, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v > 0) || !std::isfinite(v)) {
    throw UsageError(fmt::format("{}: '{}' is not a positive number", flag, text));
  }
  return v;
}

// "a:b:step" (inclusive) or "m1,m2,...".
std::vector<double> parse_widths(const std::string& text) {
  std::vector<double> out;
  if (std::count(text.begin(), text.end(), ':') == 2) {
    const std::size_t c1 = text.find(':'), c2 = text.rfind(':');
    const double a = positive_number(text.substr(0, c1), "--widths");
    const double b = positive_number(text.substr(c1 + 1, c2 - c1 - 1), "--widths");
    const double step = positive_number(text.substr(c2 + 1), "--widths");
    if (b < a) throw UsageError(fmt::format("--widths {}: the end is below the start", text));
    const auto count = static_cast<long>(std::floor((b - a) / step + 1e-9));
    if (count > 256) throw UsageError(fmt::format("--widths {}: more than 256 multipliers", text));
    for (long i = 0; i <= count; ++i) out.push_back(a + double(i) * step);
    return out;
  }
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(positive_number(item, "--widths"));
  if (out.empty()) throw UsageError("--widths needs a:b:step or a comma-separated list of multipliers");
  return out;
}

std::vector<std::string> split(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    std::stringstream in(value);
    for (std::string item; std::getline(in, item, ',');) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

}  // namespace

int run_lut(const std::vector<std::string>& args) {
  std::vector<std::string> workload_names;
  std::string widths;
  std::string precisions;
  std::string model_name = "analytical";
  std::string cache_dir;
  std::string out;
  AcceleratorOptions accelerator;
  po::options_description options;
  options.add_options()("workload", po::value(&workload_names)->required()->composing(),
                        "zoo model names or workload files (.yaml, .csv, .onnx), comma-separated or repeated");
  accelerator.add_to(options);
  options.add_options()("widths", po::value(&widths),
                        "also price every searchable layer at these multipliers of its width: a:b:step or m1,m2,...")(
      "precisions", po::value(&precisions), "price every layer at these precisions, e.g. W2A2,W4A4,W8A8 (default: its own)")(
      "model", po::value(&model_name)->default_value("analytical"), "cost model: analytical (= SystemC) or simulated")(
      "cache-dir", po::value(&cache_dir), "cost-table cache directory, or 'none' (default: ~/.cache/nce/cost-tables)")(
      "out", po::value(&out)->required(), "F.json, F.csv, or a directory for both (lut.json, lut.csv)");
  po::positional_options_description positionals;
  po::variables_map values;
  if (!parse("usage: nce lut --workload NAME|FILE[,...] [--config FILE] [--array RxC] [--dataflow ws|os|is] "
             "[--set KEY=VALUE ...] [--widths a:b:step|m1,m2] [--precisions W2A2,...] [--model analytical|simulated] "
             "[--cache-dir DIR|none] --out F.json|F.csv|DIR\n\n"
             "One entry per distinct conv/fc geometry and precision: cycles, latency, energy, MACs, keyed like\n"
             "once-for-all's latency tables (docs/LUT.md maps the fields onto once-for-all and NNI/nn-Meter).",
             options, positionals, args, values)) {
    return kExitOk;
  }
  const std::filesystem::path out_path(out);
  const std::string ext = out_path.extension().string();
  if (!ext.empty() && ext != ".json" && ext != ".csv") {
    throw UsageError(fmt::format("--out '{}': expected a .json or .csv file, or a directory", out));
  }
  reports::LutOptions lut_options;
  if (!widths.empty()) lut_options.width_multipliers = parse_widths(widths);
  if (!precisions.empty()) lut_options.precisions = reports::parse_precisions(precisions);
  if (cache_dir != "none") {
    lut_options.cache_dir = cache_dir.empty() ? cost_models::default_cost_cache_dir() : std::filesystem::path(cache_dir);
  }
  const cost_models::AcceleratorConfig config = accelerator.resolve();
  const std::unique_ptr<cost_models::CostModel> model = cost_models::make_cost_model(model_name);
  std::vector<workloads::Workload> networks;
  for (const std::string& name : split(workload_names)) networks.push_back(workloads::load_workload(name));
  if (networks.empty()) throw UsageError("--workload names no workload");

  reports::Lut lut = reports::build_lut(networks, *model, config, lut_options);
  std::string label = config.name;
  for (const auto& [key, value] : accelerator.overrides()) label += fmt::format("{}{}={}", label == config.name ? " + " : ", ", key, value);
  lut.config_label = label;

  std::vector<std::filesystem::path> written;
  if (ext.empty()) {
    core::prepare_output_directory(out_path);
    written = {out_path / "lut.json", out_path / "lut.csv"};
  } else {
    written = {out_path};
  }
  for (const std::filesystem::path& path : written) {
    const std::string text = path.extension() == ".csv" ? reports::lut_csv(lut) : reports::lut_json(lut).dump(2) + "\n";
    core::write_file_atomically(path, text);
  }
  std::cout << fmt::format("{} entries ({} on {}x{} {}, model {}) from {} workload{}\n", lut.entries.size(), label,
                           config.rows, config.cols, config.dataflow, model->name(), networks.size(),
                           networks.size() == 1 ? "" : "s");
  for (const std::filesystem::path& path : written) std::cout << "wrote " << path.string() << "\n";
  return kExitOk;
}

}  // namespace nce::app
