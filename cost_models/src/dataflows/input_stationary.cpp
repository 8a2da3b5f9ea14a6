// Input-stationary (is): a fold's im2col inputs (k <= rows reduction rows x n <= cols output
// pixels) sit in the PEs; the step's filters stream through, one per beat, and each leaves one
// line of n partial sums at the bottom. SCALE-Sim's IS mapping: the IFMAP window matrix is held,
// folds ceil(K / rows) x ceil(N / cols), filters streamed. The partial sum passes down and the
// weight right.
#include <memory>

#include "systolic.hpp"

namespace nce::cost_models {
namespace {

class InputStationary final : public systolic::StationaryDataflow {
 public:
  InputStationary() : StationaryDataflow(systolic::Stationary::inputs) {}
  std::string_view name() const override { return "is"; }
  std::string_view description() const override { return "input-stationary"; }
};

const bool registered = DataflowRegistry::add("is", "input-stationary: im2col inputs held in the PEs, weights stream",
                                              [] { return std::make_unique<InputStationary>(); });

}  // namespace
}  // namespace nce::cost_models
