#include "nce/explore/record.hpp"

#include <fmt/format.h>

#include "nce/core/input_error.hpp"

namespace nce::explore {

PointRecord record_of(const Plan& plan, const PlannedPoint& point) {
  const PlannedNetwork& network = plan.networks[point.network];
  const PlannedConfig& config = plan.configs[point.config];
  PointRecord r;
  r.index = point.index;
  r.key = point.key;
  r.workload = network.workload;
  r.network = network.label;
  r.array = config.array;
  r.dataflow = config.dataflow;
  r.sets = config.sets;
  if (plan.searching()) r.search = plan.searches[point.search].label();
  r.area_source = config.area.source;
  r.network_file = network.file;
  r.spec = plan.hash;
  return r;
}

nlohmann::json to_json(const PointRecord& r) {
  nlohmann::json sets = nlohmann::json::array();
  for (const auto& [key, value] : r.sets) sets.push_back({key, value});
  nlohmann::json json = {{"index", r.index},       {"key", r.key},           {"workload", r.workload},
                         {"network", r.network},   {"array", r.array},       {"dataflow", r.dataflow},
                         {"sets", sets},           {"search", r.search},     {"feasible", r.feasible},
                         {"metrics", r.metrics},   {"area_source", r.area_source},
                         {"spec", r.spec},         {"rank", r.rank},         {"seconds", r.seconds}};
  if (!r.feasible) json["problem"] = r.problem;
  json["network_file"] = r.network_file;
  return json;
}

PointRecord record_from_json(const nlohmann::json& json, const std::string& source) {
  try {
    PointRecord r;
    r.index = json.at("index").get<std::size_t>();
    r.key = json.at("key").get<std::string>();
    r.workload = json.at("workload").get<std::string>();
    r.network = json.at("network").get<std::string>();
    r.array = json.at("array").get<std::string>();
    r.dataflow = json.at("dataflow").get<std::string>();
    for (const nlohmann::json& s : json.at("sets")) r.sets.emplace_back(s.at(0).get<std::string>(), s.at(1).get<std::string>());
    r.search = json.at("search").get<std::string>();
    r.feasible = json.at("feasible").get<bool>();
    r.problem = json.value("problem", std::string());
    r.metrics = json.at("metrics").get<MetricValues>();
    r.area_source = json.at("area_source").get<std::string>();
    r.network_file = json.at("network_file").get<std::string>();
    r.spec = json.at("spec").get<std::string>();
    r.rank = json.at("rank").get<int>();
    r.seconds = json.at("seconds").get<double>();
    return r;
  } catch (const nlohmann::json::exception& error) {
    throw core::InputError(fmt::format("{}: not a point record ({})", source, error.what()));
  }
}

}  // namespace nce::explore
