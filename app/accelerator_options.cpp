#include "accelerator_options.hpp"

#include <fmt/format.h>

#include <regex>

#include "nce/cost_models/dataflow.hpp"

namespace nce::app {

ArraySize parse_array(const std::string& text, const std::string& flag) {
  static const std::regex pattern(R"(^(\d{1,6})x(\d{1,6})$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    throw UsageError(fmt::format("{} '{}': expected ROWSxCOLS, e.g. 16x16", flag, text));
  }
  const ArraySize size{std::stoi(match[1].str()), std::stoi(match[2].str())};
  if (size.rows < 1 || size.cols < 1) {
    throw UsageError(fmt::format("{} '{}': rows and columns must be at least 1", flag, text));
  }
  return size;
}

std::pair<std::string, std::string> parse_assignment(const std::string& text, const std::string& flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("{} expects KEY=VALUE, got '{}'", flag, text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void AcceleratorOptions::add_to(po::options_description& options) {
  options.add_options()("config", po::value(&config_),
                        "accelerator config: YAML or SCALE-Sim .cfg (the installed configs/default.yaml when absent)")(
      "array", po::value(&array_), "array size ROWSxCOLS (array.rows, array.cols)")(
      "dataflow", po::value(&dataflow_),
      fmt::format("dataflow: {} (array.dataflow)", cost_models::DataflowRegistry::names_text()).c_str())(
      "energy", po::value(&energy_), "energy preset (horowitz45, accelergy45)")(
      "set", po::value(&sets_)->composing(),
      "override any config field by its YAML path, e.g. --set buffers.ofmap.capacity_kib=32 (repeatable)");
}

cost_models::ConfigOverrides AcceleratorOptions::overrides() const {
  cost_models::ConfigOverrides out;
  if (!array_.empty()) {
    const ArraySize size = parse_array(array_);
    out.emplace_back("array.rows", std::to_string(size.rows));
    out.emplace_back("array.cols", std::to_string(size.cols));
  }
  if (!dataflow_.empty()) out.emplace_back("array.dataflow", dataflow_);
  if (!energy_.empty()) out.emplace_back("energy", energy_);
  for (const std::string& set : sets_) out.push_back(parse_assignment(set));
  return out;
}

cost_models::AcceleratorConfig AcceleratorOptions::resolve() const {
  return cost_models::load_accelerator_config(config_, overrides());
}

std::string AcceleratorOptions::source() const {
  return config_.empty() ? (cost_models::default_config_dir() / "default.yaml").string() : config_;
}

}  // namespace nce::app
