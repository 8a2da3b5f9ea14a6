// Output-stationary (os): a fold's n <= rows pixels x m <= cols output channels accumulate in
// place while k reduction steps of both operands stream in (activations from the left, weights
// from the top); the skew then empties and the n output rows drain into the output buffer.
#include <algorithm>
#include <memory>

#include "nce/workloads/reference_model.hpp"
#include "systolic.hpp"

namespace nce::cost_models {
namespace {

using systolic::ceil_div;

class OutputStationary final : public Dataflow {
 public:
  std::string_view name() const override { return "os"; }
  std::string_view description() const override { return "output-stationary"; }
  // The in-PE sum must not wrap over a fold's reduction steps: k_chunk <= the deepest reduction
  // the accumulator holds.
  int k_chunk(std::int64_t k, const AcceleratorConfig& config) const override {
    return static_cast<int>(std::min<std::int64_t>(k, workloads::ref::max_reduction_depth(config.accumulator_bits)));
  }
  void for_each_fold(const LayerSchedule& s, const ScheduleStep& step,
                     const std::function<void(const ArrayFold&)>& visit) const override {
    const std::int64_t k = s.gemm.k;
    ArrayFold fold;
    for (int m0 = 0; m0 < step.m_size; m0 += s.cols) {
      fold.m0 = m0;
      fold.m_size = std::min(s.cols, step.m_size - m0);
      for (std::int64_t n0 = 0; n0 < step.n_size; n0 += s.rows) {
        fold.n0 = n0;
        fold.n_size = std::min<std::int64_t>(s.rows, step.n_size - n0);
        for (std::int64_t k0 = 0; k0 < k; k0 += s.k_chunk) {
          fold.k0 = static_cast<int>(k0);
          fold.k_size = static_cast<int>(std::min<std::int64_t>(s.k_chunk, k - k0));
          visit_digit_passes(s, fold, visit);
        }
      }
    }
  }
  std::int64_t fold_count(const LayerSchedule& s, const ScheduleStep& step) const override {
    return ceil_div(step.m_size, s.cols) * ceil_div(step.n_size, s.rows) * ceil_div(s.gemm.k, s.k_chunk) * s.passes;
  }
  std::int64_t estimate_cycles(const TilingShape& t, const AcceleratorConfig& config) const override {
    return t.steps * ceil_div(t.m, config.cols) * ceil_div(t.n, config.rows) * ceil_div(t.k, t.k_chunk) * t.passes *
           (t.k_chunk + 2 * std::min<std::int64_t>(t.n, config.rows) + config.cols);
  }
  // Activation and weight pass on; the sum stays in place (docs/ENERGY.md section 1).
  int forwarded_register_bits(const AcceleratorConfig&) const override { return 2 + 2; }
  StepCost step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config) const override {
    const systolic::Words w(config);
    StepCost c;
    for_each_fold(s, step, [&](const ArrayFold& f) {
      const std::int64_t beats =
          std::max({std::int64_t{1}, ceil_div(ceil_div(2 * f.n_size, w.ifmap), config.ifmap.ports),
                    ceil_div(ceil_div(2 * f.m_size, w.weight), config.weight.ports)});
      const std::int64_t drain_beats =
          ceil_div(systolic::output_line_words(f.m_size, f.accumulate, w), config.ofmap.ports);
      // Folds run back to back: k columns stream, the skew empties, n output rows drain.
      const std::int64_t tail = f.n_size + f.m_size - 2 + f.n_size * drain_beats;
      c.duration += f.k_size * beats + tail;
      c.compute += f.k_size;
      c.stall_other += f.k_size * (beats - 1);
      c.stall_fill_drain += tail;
      c.ifmap.reads += f.k_size * ceil_div(2 * f.n_size, w.ifmap);
      c.ifmap.read_bits += f.k_size * 2 * f.n_size;
      c.weight.reads += f.k_size * ceil_div(2 * f.m_size, w.weight);
      c.weight.read_bits += std::int64_t{f.k_size} * 2 * f.m_size;
      systolic::count_output_lines(c, f.n_size, f.m_size, f.accumulate, w);
      ++c.folds;
    });
    return c;
  }
};

const bool registered =
    DataflowRegistry::add("os", "output-stationary: partial sums held in the PEs, both operands stream",
                          [] { return std::make_unique<OutputStationary>(); });

}  // namespace
}  // namespace nce::cost_models
