// SCALE-Sim .cfg accelerator configs (configs/README.md).
#include "fuzz_support.hpp"
#include "nce/cost_models/accelerator_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  return fuzz::accept_or_refuse([&] {
    const cost_models::AcceleratorConfig config =
        cost_models::accelerator_config_from_scalesim(std::string(fuzz::as_text(data, size)), "fuzz.cfg");
    (void)cost_models::accelerator_config_to_yaml(config);
  });
}
