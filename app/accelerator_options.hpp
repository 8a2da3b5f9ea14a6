#pragma once
// The accelerator flags, parsed one way by every verb that simulates or prices layers:
//   --config FILE       YAML config or SCALE-Sim .cfg (the installed configs/default.yaml when absent)
//   --array RxC         array.rows / array.cols
//   --dataflow NAME     a registered dataflow (array.dataflow)
//   --energy PRESET     an energy preset (energy)
//   --set KEY=VALUE     any config field by its YAML path (repeatable)
// Overrides apply in that order, so --set has the last word.
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "nce/cost_models/accelerator_config.hpp"

namespace nce::app {

struct ArraySize {
  int rows = 0;
  int cols = 0;
};

// "ROWSxCOLS" with both at least 1; UsageError naming `flag` otherwise.
ArraySize parse_array(const std::string& text, const std::string& flag = "--array");

// "KEY=VALUE"; UsageError naming `flag` otherwise.
std::pair<std::string, std::string> parse_assignment(const std::string& text, const std::string& flag = "--set");

class AcceleratorOptions {
 public:
  // Adds the flags to `options`.
  void add_to(po::options_description& options);
  // The validated config; InputError names the field or file.
  cost_models::AcceleratorConfig resolve() const;
  // Where the config came from, for reports: the file, or the default config's path.
  std::string source() const;
  // The flags as config-field overrides, in the order resolve() applies them (reports name the
  // configuration after them).
  cost_models::ConfigOverrides overrides() const;

 private:
  std::string config_;
  std::string array_;
  std::string dataflow_;
  std::string energy_;
  std::vector<std::string> sets_;
};

}  // namespace nce::app
