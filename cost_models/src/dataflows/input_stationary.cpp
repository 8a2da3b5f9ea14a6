// Input-stationary (is): a fold's im2col inputs (k <= rows reduction rows x n <= cols output
// pixels) sit in the PEs; the step's filters stream through, one per beat, and each leaves one
// line of n partial sums at the bottom. SCALE-Sim's IS mapping: the IFMAP window matrix is held,
// folds ceil(K / rows) x ceil(N / cols), filters streamed.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"
#include "systolic.hpp"

namespace nce::cost_models {
namespace {

using systolic::ceil_div;

class InputStationary final : public Dataflow {
 public:
  std::string_view name() const override { return "is"; }
  std::string_view description() const override { return "input-stationary"; }
  void validate(const AcceleratorConfig& config) const override {
    if (workloads::ref::accumulator_can_wrap(config.rows, config.accumulator_bits)) {
      throw core::InputError(fmt::format("array.accumulator_bits = {} cannot hold a column sum of {} rows x {}",
                                         config.accumulator_bits, config.rows, workloads::ref::kMaxDigitProduct));
    }
  }
  int k_chunk(std::int64_t, const AcceleratorConfig& config) const override { return config.rows; }
  void for_each_fold(const LayerSchedule& s, const ScheduleStep& step,
                     const std::function<void(const ArrayFold&)>& visit) const override {
    systolic::stationary_folds(s, step, systolic::Stationary::inputs, visit);
  }
  std::int64_t fold_count(const LayerSchedule& s, const ScheduleStep& step) const override {
    return ceil_div(step.n_size, s.cols) * ceil_div(s.gemm.k, s.rows) * s.passes;
  }
  std::int64_t estimate_cycles(const TilingShape& t, const AcceleratorConfig& config) const override {
    return t.steps * ceil_div(t.n, config.cols) * ceil_div(t.k, config.rows) * t.passes *
           std::max<std::int64_t>(t.m, 2 * config.rows + config.cols - 2);
  }
  // The partial sum passes down and the weight right.
  int forwarded_register_bits(const AcceleratorConfig& config) const override { return config.accumulator_bits + 2; }
  StepCost step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config) const override {
    return systolic::stationary_step_cost(s, step, config, systolic::Stationary::inputs);
  }
};

const bool registered = DataflowRegistry::add("is", "input-stationary: im2col inputs held in the PEs, weights stream",
                                              [] { return std::make_unique<InputStationary>(); });

}  // namespace
}  // namespace nce::cost_models
