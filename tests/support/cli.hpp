#pragma once
// Running the built `nce` program from a test, as a user's shell does: its exit code, stdout and
// stderr. A test that includes this is registered with nce_add_cli_test (tests/CMakeLists.txt),
// which defines NCE_BINARY as the program's path and builds the program first.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nce::testing {

struct Result {
  int exit_code = -1;  // -1: the program did not exit normally (a signal)
  std::string out;
  std::string err;
};

// The whole file as bytes; empty if it does not exist.
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Runs `prefix nce args` through the shell (args are shell words: quote what needs it) with
// stdout and stderr captured in files under `scratch`, which is created if missing. prefix: e.g.
// "mpirun -np 3". SystemC's banner is off, and OpenMP threads sleep when idle so that tests run
// side by side do not spin against each other.
inline Result run_nce(const std::string& args, const std::filesystem::path& scratch, const std::string& prefix = "") {
  std::filesystem::create_directories(scratch);
  const std::string command = "SC_COPYRIGHT_MESSAGE=DISABLE OMP_WAIT_POLICY=passive " + prefix + " " + NCE_BINARY +
                              " " + args + " > " + (scratch / "stdout").string() + " 2> " +
                              (scratch / "stderr").string();
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(scratch / "stdout"), slurp(scratch / "stderr")};
}

}  // namespace nce::testing
