#pragma once
// Running the built `nce explore` from the explore tests, and reading what it wrote.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "support/cli.hpp"

namespace nce::explore::testing {

using nce::testing::lines_of;
using nce::testing::Result;
using nce::testing::slurp;

// Runs `prefix nce explore args` (prefix: e.g. "mpirun -np 3") with its output in `scratch`.
inline Result run_explore(const std::string& args, const std::filesystem::path& scratch, const std::string& prefix = "") {
  return nce::testing::run_nce("explore " + args, scratch, prefix);
}

// The records of a points.jsonl.
inline std::vector<nlohmann::json> records(const std::filesystem::path& jsonl) {
  std::vector<nlohmann::json> out;
  for (const std::string& line : lines_of(slurp(jsonl))) out.push_back(nlohmann::json::parse(line));
  return out;
}

inline std::set<std::string> keys_of(const std::vector<nlohmann::json>& records) {
  std::set<std::string> keys;
  for (const nlohmann::json& r : records) keys.insert(r.at("key").get<std::string>());
  return keys;
}

}  // namespace nce::explore::testing
