// Cost-table cache files (cost_models/include/nce/cost_models/cost_table.hpp): the input replaces
// the cache file of one layer, and the table is built through the cache. A damaged file must be
// rebuilt (never trusted, never a crash); an intact one must give the freshly priced entry.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/workloads/workload.hpp"
#include "nce/workloads/zoo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  static const cost_models::AcceleratorConfig config =
      cost_models::load_accelerator_config(cost_models::default_config_dir() / "default.yaml");
  static const workloads::Workload workload = workloads::zoo::make("resnet20");
  static const std::unique_ptr<cost_models::CostModel> model = cost_models::make_cost_model("analytical");
  static const std::filesystem::path dir = fuzz::scratch_dir() / "cache";
  // One 3x3 conv of ResNet20 at 16 and 24 output channels.
  static const std::vector<cost_models::LayerTableSpec> specs = {
      cost_models::layer_table_spec(workload, workloads::analyze(workload), 1, {16}, {16, 24})};
  static std::filesystem::path file;
  if (file.empty()) {  // the first call writes the cache: find its one file
    (void)cost_models::build_cost_table("resnet20", specs, *model, config, dir);
    file = std::filesystem::directory_iterator(dir)->path();
  }
  fuzz::write_scratch(std::filesystem::relative(file, fuzz::scratch_dir()).string(), fuzz::as_text(data, size));
  return fuzz::accept_or_refuse([&] { (void)cost_models::build_cost_table("resnet20", specs, *model, config, dir); });
}
