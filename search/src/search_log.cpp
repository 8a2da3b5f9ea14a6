#include "search_log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

#include "nce/core/input_error.hpp"

namespace nce::search {

using json = nlohmann::json;

std::string epoch_log_line(const SearchEpoch& e) {
  json j;
  j["epoch"] = e.epoch;
  j["phase"] = e.phase;
  j["tau"] = e.tau;
  j["weight_loss"] = e.weight_loss;
  j["arch_loss"] = e.arch_loss;
  j["hardware_loss"] = e.hardware_loss;
  j["train_accuracy"] = e.train_accuracy;
  j["test_accuracy"] = e.test_accuracy;
  j["expected_cost"] = e.expected_cost;
  j["current_cost"] = e.current_cost;
  j["widths"] = e.widths;
  j["probabilities"] = e.probabilities;
  j["expansions"] = e.expansions;
  return j.dump();
}

std::vector<SearchEpoch> read_epoch_log(const std::filesystem::path& path, int count) {
  std::vector<SearchEpoch> epochs;
  std::ifstream in(path);
  int line_number = 0;
  for (std::string line; int(epochs.size()) < count && std::getline(in, line);) {
    ++line_number;
    if (line.empty()) continue;
    try {
      const json j = json::parse(line);
      SearchEpoch e;
      e.epoch = j.at("epoch").get<int>();
      e.phase = j.at("phase").get<std::string>();
      e.tau = j.at("tau").get<double>();
      e.weight_loss = j.at("weight_loss").get<double>();
      e.arch_loss = j.at("arch_loss").get<double>();
      e.hardware_loss = j.at("hardware_loss").get<double>();
      e.train_accuracy = j.at("train_accuracy").get<double>();
      e.test_accuracy = j.at("test_accuracy").get<double>();
      e.expected_cost = j.at("expected_cost").get<double>();
      e.current_cost = j.at("current_cost").get<double>();
      e.widths = j.at("widths").get<std::map<std::string, std::vector<int>>>();
      e.probabilities = j.at("probabilities").get<std::map<std::string, std::vector<double>>>();
      e.expansions = j.at("expansions").get<std::vector<std::string>>();
      epochs.push_back(std::move(e));
    } catch (const json::exception& error) {
      throw core::InputError(fmt::format("{}:{}: not a search epoch: {}", path.string(), line_number, error.what()));
    }
  }
  return epochs;
}

}  // namespace nce::search
