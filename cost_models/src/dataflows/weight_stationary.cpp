// Weight-stationary (ws): a fold's weights (k <= rows reduction rows x m <= cols output
// channels) sit in the PEs; the step's pixels stream through, one im2col column per beat, and
// each leaves one line of m partial sums at the bottom. rtl/mac_array.sv implements it. The
// partial sum passes down and the activation right (docs/ENERGY.md section 1).
#include <memory>

#include "systolic.hpp"

namespace nce::cost_models {
namespace {

class WeightStationary final : public systolic::StationaryDataflow {
 public:
  WeightStationary() : StationaryDataflow(systolic::Stationary::weights) {}
  std::string_view name() const override { return "ws"; }
  std::string_view description() const override { return "weight-stationary"; }
  bool has_rtl() const override { return true; }
};

const bool registered = DataflowRegistry::add("ws", "weight-stationary: weights held in the PEs, activations stream",
                                              [] { return std::make_unique<WeightStationary>(); });

}  // namespace
}  // namespace nce::cost_models
