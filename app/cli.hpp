#pragma once
// Shared plumbing of the `nce` verbs: option parsing with --help, and the error contract
// (one line on stderr, exit 2 for usage/input errors).
#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace nce::app {

namespace po = boost::program_options;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the job ran and found a problem (e.g. an RTL mismatch)
constexpr int kExitUsage = 2;    // bad flags or input

// Thrown for bad command-line usage; main() prints it and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `args` against `options` (plus `--help`) and the given positionals. Returns false
// after printing help when --help was asked for; throws UsageError on bad flags.
bool parse(const std::string& usage, const po::options_description& options,
           const po::positional_options_description& positionals, const std::vector<std::string>& args,
           po::variables_map& values);

// Each verb: name, one-line summary, and its entry point taking the arguments after the verb.
struct Verb {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

// Verbs, one file each under app/.
int run_workload(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_cost_table(const std::vector<std::string>& args);
int run_verify_rtl(const std::vector<std::string>& args);
int run_search(const std::vector<std::string>& args);
int run_explore(const std::vector<std::string>& args);
int run_infer(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);
int run_lut(const std::vector<std::string>& args);

}  // namespace nce::app
