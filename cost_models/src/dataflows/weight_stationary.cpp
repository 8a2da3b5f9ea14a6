// Weight-stationary (ws): a fold's weights (k <= rows reduction rows x m <= cols output
// channels) sit in the PEs; the step's pixels stream through, one im2col column per beat, and
// each leaves one line of m partial sums at the bottom. rtl/mac_array.sv implements it.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"
#include "systolic.hpp"

namespace nce::cost_models {
namespace {

using systolic::ceil_div;

class WeightStationary final : public Dataflow {
 public:
  std::string_view name() const override { return "ws"; }
  std::string_view description() const override { return "weight-stationary"; }
  void validate(const AcceleratorConfig& config) const override {
    // A column sums `rows` digit products; the in-array accumulator must not wrap on it.
    if (workloads::ref::accumulator_can_wrap(config.rows, config.accumulator_bits)) {
      throw core::InputError(fmt::format("array.accumulator_bits = {} cannot hold a column sum of {} rows x {}",
                                         config.accumulator_bits, config.rows, workloads::ref::kMaxDigitProduct));
    }
  }
  int k_chunk(std::int64_t, const AcceleratorConfig& config) const override { return config.rows; }
  void for_each_fold(const LayerSchedule& s, const ScheduleStep& step,
                     const std::function<void(const ArrayFold&)>& visit) const override {
    systolic::stationary_folds(s, step, systolic::Stationary::weights, visit);
  }
  std::int64_t fold_count(const LayerSchedule& s, const ScheduleStep& step) const override {
    return ceil_div(step.m_size, s.cols) * ceil_div(s.gemm.k, s.rows) * s.passes;
  }
  std::int64_t estimate_cycles(const TilingShape& t, const AcceleratorConfig& config) const override {
    // A fold's stream hides the next fold's weight load only when it is long enough.
    return t.steps * ceil_div(t.m, config.cols) * ceil_div(t.k, config.rows) * t.passes *
           std::max<std::int64_t>(t.n, 2 * config.rows + config.cols - 2);
  }
  // The partial sum passes down and the activation right (docs/ENERGY.md section 1).
  int forwarded_register_bits(const AcceleratorConfig& config) const override { return config.accumulator_bits + 2; }
  StepCost step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config) const override {
    return systolic::stationary_step_cost(s, step, config, systolic::Stationary::weights);
  }
  bool has_rtl() const override { return true; }
};

const bool registered = DataflowRegistry::add("ws", "weight-stationary: weights held in the PEs, activations stream",
                                              [] { return std::make_unique<WeightStationary>(); });

}  // namespace
}  // namespace nce::cost_models
