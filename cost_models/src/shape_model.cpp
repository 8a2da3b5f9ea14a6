// The `shape` cost model: MACs and parameters from the layer's shape alone (the FLOPs and
// params budgets of the NCE paper); cycles and energy stay zero.
#include <memory>

#include "nce/cost_models/cost_model.hpp"

namespace nce::cost_models {
namespace {

class ShapeCostModel final : public CostModel {
 public:
  std::string name() const override { return "shape"; }
  std::string version() const override { return "1"; }
  LayerStats evaluate(const workloads::Layer& layer, const workloads::LayerInfo& info,
                      const AcceleratorConfig&) const override {
    LayerStats stats;
    stats.layer = layer.name;
    stats.type = std::string(to_string(layer.type));
    stats.macs = info.macs;
    return stats;
  }
};

const bool registered = CostModelRegistry::add("shape", "MACs and parameters from the shape alone (FLOPs/params budgets)",
                                               [](const CostModelOptions&) { return std::make_unique<ShapeCostModel>(); });

}  // namespace

std::unique_ptr<CostModel> make_cost_model(std::string_view name, const CostModelOptions& options) {
  return CostModelRegistry::create(name, "cost model", options);
}

}  // namespace nce::cost_models
