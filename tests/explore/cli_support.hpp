#pragma once
// Running the built `nce explore` from the explore tests: exit code, stdout, stderr.
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace nce::explore::testing {

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `prefix nce explore args` (prefix: e.g. "mpirun -np 3") with its output in `scratch`.
inline Result run_nce(const std::string& args, const std::filesystem::path& scratch, const std::string& prefix = "") {
  std::filesystem::create_directories(scratch);
  const std::string command =
      fmt::format("SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive {} {} explore {} > {} 2> {}", prefix, NCE_BINARY,
                  args, (scratch / "stdout").string(), (scratch / "stderr").string());
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(scratch / "stdout"), slurp(scratch / "stderr")};
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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
