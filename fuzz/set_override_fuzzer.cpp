// --set KEY=VALUE overrides (one per input line) applied to the default config, as every verb
// with accelerator flags does (app/accelerator_options.cpp). The CLI refuses a malformed
// assignment with UsageError (also exit 2), so that is an accepted refusal here too.
#include <fstream>
#include <sstream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "fuzz_support.hpp"
#include "nce/cost_models/accelerator_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  static const std::string base = [] {
    std::ifstream in(cost_models::default_config_dir() / "default.yaml");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  try {
    return fuzz::accept_or_refuse([&] {
      cost_models::ConfigOverrides overrides;
      std::istringstream lines{std::string(fuzz::as_text(data, size))};
      for (std::string line; std::getline(lines, line);) overrides.push_back(app::parse_assignment(line));
      (void)cost_models::accelerator_config_from_yaml(base, "default.yaml", overrides);
    });
  } catch (const app::UsageError&) {
    return 0;
  }
}
