#pragma once
// Pieces the dataflows of cost_models/src/dataflows/ share (private to cost_models/): SRAM word
// arithmetic, the output-buffer counts of a fold, and the closed form of a step on an array
// that holds one operand in its PEs and streams the other (weight- and input-stationary differ
// only in which operand is which; sim/TIMING.md "Stationary-operand step").
#include <cstdint>

#include "nce/cost_models/dataflow.hpp"
#include "nce/cost_models/schedule.hpp"

namespace nce::cost_models::systolic {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Word widths of the three buffers (effective_word_bits).
struct Words {
  int ifmap = 0, weight = 0, ofmap = 0;
  explicit Words(const AcceleratorConfig& config);
};

// Output-buffer traffic of `lines` lines of `width` 32-bit sums each: every line writes
// ceil(32 width / Wo) words, and an accumulating fold first reads the partial sums back.
void count_output_lines(StepCost& c, std::int64_t lines, std::int64_t width, bool accumulate, const Words& w);
// Words per output line, read-back included: what the ofmap port must move per streamed column.
std::int64_t output_line_words(std::int64_t width, bool accumulate, const Words& w);

// Which operand the PEs hold.
enum class Stationary { weights, inputs };

// A step of a stationary-operand array: per fold, `R` rows of the stationary operand shift into
// shadow registers (overlapped with the previous fold's stream), then the other operand streams
// one column per `beats` cycles and each streamed column leaves one de-skewed output line.
StepCost stationary_step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config,
                              Stationary held);

// The stationary dataflows' fold order: for each tile of the held operand's column dimension
// (WS: output channels, IS: pixels; `cols` wide), for each k tile (`rows` deep), every digit pass.
void stationary_folds(const LayerSchedule& s, const ScheduleStep& step, Stationary held,
                      const std::function<void(const ArrayFold&)>& visit);

// Everything of weight- and input-stationary but their names: the held operand's column
// dimension (WS: m, IS: n) is tiled by the columns, k by the rows; a column sums `rows` digit
// products; the partial sum passes down and the streamed operand right.
class StationaryDataflow : public Dataflow {
 public:
  explicit StationaryDataflow(Stationary held) : held_(held) {}
  void validate(const AcceleratorConfig& config) const override;
  int k_chunk(std::int64_t, const AcceleratorConfig& config) const override { return config.rows; }
  void for_each_fold(const LayerSchedule& s, const ScheduleStep& step,
                     const std::function<void(const ArrayFold&)>& visit) const override;
  std::int64_t fold_count(const LayerSchedule& s, const ScheduleStep& step) const override;
  std::int64_t estimate_cycles(const TilingShape& t, const AcceleratorConfig& config) const override;
  int forwarded_register_bits(const AcceleratorConfig& config) const override { return config.accumulator_bits + 2; }
  StepCost step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config) const override;

 private:
  Stationary held_;
};

}  // namespace nce::cost_models::systolic
