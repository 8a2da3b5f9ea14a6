#include "nce/explore/widths.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <regex>
#include <set>

#include "nce/core/input_error.hpp"
#include "nce/explore/grid.hpp"
#include "nce/search/supernet.hpp"

namespace nce::explore {

std::string WidthPattern::label() const {
  if (kind == Kind::uniform) return fmt::format("x{}", number_text(multiplier));
  std::vector<std::string> parts;
  for (double m : stages) parts.push_back(number_text(m));
  return fmt::format("stages {}", fmt::join(parts, "/"));
}

int stage_of(const std::string& layer_name) {
  static const std::regex pattern(R"(^(?:stage|layer)(\d{1,4})\..*)");
  std::smatch match;
  return std::regex_match(layer_name, match, pattern) ? std::stoi(match[1]) : 0;
}

int stage_count(const workloads::Workload& workload) {
  std::set<int> stages;
  for (const workloads::Layer& layer : workload.layers) {
    if (layer.searchable && layer.has_weights() && stage_of(layer.name) > 0) stages.insert(stage_of(layer.name));
  }
  if (stages.empty()) return 0;
  if (*stages.begin() != 1 || *stages.rbegin() != int(stages.size())) {
    throw core::InputError(fmt::format("{}: its stages are not numbered 1..{} (found {})", workload.name, stages.size(),
                                       fmt::join(stages, ", ")));
  }
  return int(stages.size());
}

std::map<std::string, int> pattern_widths(const workloads::Workload& base, const WidthPattern& pattern) {
  if (pattern.kind == WidthPattern::Kind::stages) {
    const int stages = stage_count(base);
    if (stages == 0) {
      throw core::InputError(fmt::format(
          "--stage-widths: {} has no stages (searchable layers named stageN.* or layerN.*)", base.name));
    }
    if (int(pattern.stages.size()) != stages) {
      throw core::InputError(fmt::format("--stage-widths {}: {} multipliers, but {} has {} stages",
                                         fmt::join(pattern.stages, ","), pattern.stages.size(), base.name, stages));
    }
  }
  const std::vector<workloads::LayerInfo> infos = workloads::analyze(base);
  std::map<std::string, int> widths;
  for (std::size_t i = 0; i < base.layers.size(); ++i) {
    const workloads::Layer& layer = base.layers[i];
    if (!layer.searchable || !layer.has_weights()) continue;
    double m = pattern.multiplier;
    if (pattern.kind == WidthPattern::Kind::stages) {
      const int stage = stage_of(layer.name);
      if (stage == 0) continue;
      m = pattern.stages[std::size_t(stage - 1)];
    }
    const int base_width = infos[i].out.channels;
    const long width = std::lround(m * base_width);
    if (width < 1) {
      throw core::InputError(fmt::format("width {} leaves {} layer {} with {} channels ({} x {}); every layer needs at "
                                         "least 1",
                                         pattern.label(), base.name, layer.name, width, base_width, number_text(m)));
    }
    widths[layer.name] = int(width);
  }
  return widths;
}

workloads::Workload apply_pattern(const workloads::Workload& base, const WidthPattern& pattern) {
  return search::derive_workload(base, pattern_widths(base, pattern), search::JoinMode::prefix);
}

}  // namespace nce::explore
