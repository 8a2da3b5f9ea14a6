#include "nce/explore/grid.hpp"

#include <fmt/format.h>

#include <cmath>
#include <regex>

#include "nce/core/input_error.hpp"

namespace nce::explore {
namespace {

template <typename T>
T get(const nlohmann::json& json, const char* key, const T& fallback, const std::string& source) {
  if (!json.contains(key)) return fallback;
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception& error) {
    throw core::InputError(fmt::format("{}: spec field '{}': {}", source, key, error.what()));
  }
}

}  // namespace

std::string number_text(double value) { return fmt::format("{}", value); }

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash);
}

nlohmann::json to_json(const GridSpec& spec) {
  nlohmann::json arrays = nlohmann::json::array();
  for (const ArrayShape& a : spec.arrays) arrays.push_back(fmt::format("{}x{}", a.rows, a.cols));
  nlohmann::json sets = nlohmann::json::array();
  for (const SetAxis& s : spec.sets) sets.push_back({{"key", s.key}, {"values", s.values}});
  nlohmann::json networks = nlohmann::json::array();
  for (const NetworkFile& n : spec.networks) networks.push_back({{"workload", n.workload}, {"path", n.path}});
  const SearchSpec& s = spec.search;
  const nlohmann::json search = {
      {"enabled", s.enabled},         {"methods", s.methods},
      {"hw_losses", s.hw_losses},     {"targets", s.targets},
      {"dataset", s.dataset},         {"data_dir", s.data_dir},
      {"warmup_epochs", s.warmup_epochs}, {"search_epochs", s.search_epochs},
      {"retrain_epochs", s.retrain_epochs}, {"train_limit", s.train_limit},
      {"test_limit", s.test_limit},   {"batch", s.batch},
      {"lr", s.lr},                   {"arch_lr", s.arch_lr},
      {"threshold", s.threshold},     {"max_multiplier", s.max_multiplier},
      {"candidates", s.candidates},   {"join", s.join},
      {"seed", s.seed}};
  return {{"workloads", spec.workloads}, {"config", spec.config},   {"energy", spec.energy},
          {"arrays", arrays},            {"dataflows", spec.dataflows}, {"sets", sets},
          {"widths", spec.widths},       {"stage_widths", spec.stage_widths}, {"networks", networks},
          {"search", search}};
}

GridSpec grid_spec_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw core::InputError(fmt::format("{}: the spec must be a JSON object", source));
  GridSpec spec;
  spec.workloads = get(json, "workloads", spec.workloads, source);
  spec.config = get(json, "config", spec.config, source);
  spec.energy = get(json, "energy", spec.energy, source);
  static const std::regex shape(R"((\d+)x(\d+))");
  for (const std::string& a : get(json, "arrays", std::vector<std::string>{}, source)) {
    std::smatch m;
    if (!std::regex_match(a, m, shape)) throw core::InputError(fmt::format("{}: array '{}' is not RxC", source, a));
    spec.arrays.push_back({std::stoi(m[1]), std::stoi(m[2])});
  }
  spec.dataflows = get(json, "dataflows", spec.dataflows, source);
  for (const nlohmann::json& s : get(json, "sets", nlohmann::json::array(), source)) {
    spec.sets.push_back({get(s, "key", std::string(), source), get(s, "values", std::vector<std::string>{}, source)});
  }
  spec.widths = get(json, "widths", spec.widths, source);
  spec.stage_widths = get(json, "stage_widths", spec.stage_widths, source);
  for (const nlohmann::json& n : get(json, "networks", nlohmann::json::array(), source)) {
    spec.networks.push_back({get(n, "workload", std::string(), source), get(n, "path", std::string(), source)});
  }
  const nlohmann::json search = get(json, "search", nlohmann::json::object(), source);
  SearchSpec& s = spec.search;
  s.enabled = get(search, "enabled", s.enabled, source);
  s.methods = get(search, "methods", s.methods, source);
  s.hw_losses = get(search, "hw_losses", s.hw_losses, source);
  s.targets = get(search, "targets", s.targets, source);
  s.dataset = get(search, "dataset", s.dataset, source);
  s.data_dir = get(search, "data_dir", s.data_dir, source);
  s.warmup_epochs = get(search, "warmup_epochs", s.warmup_epochs, source);
  s.search_epochs = get(search, "search_epochs", s.search_epochs, source);
  s.retrain_epochs = get(search, "retrain_epochs", s.retrain_epochs, source);
  s.train_limit = get(search, "train_limit", s.train_limit, source);
  s.test_limit = get(search, "test_limit", s.test_limit, source);
  s.batch = get(search, "batch", s.batch, source);
  s.lr = get(search, "lr", s.lr, source);
  s.arch_lr = get(search, "arch_lr", s.arch_lr, source);
  s.threshold = get(search, "threshold", s.threshold, source);
  s.max_multiplier = get(search, "max_multiplier", s.max_multiplier, source);
  s.candidates = get(search, "candidates", s.candidates, source);
  s.join = get(search, "join", s.join, source);
  s.seed = get(search, "seed", s.seed, source);
  return spec;
}

}  // namespace nce::explore
