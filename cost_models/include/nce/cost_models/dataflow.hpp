#pragma once
// A dataflow: which operand of a GEMM tile the array holds still, which one streams, and what
// that costs. Everything one dataflow decides sits behind this interface, one .cpp per dataflow,
// registered by name:
//   ws  cost_models/src/dataflows/weight_stationary.cpp  weights held, activations stream (rtl/mac_array.sv)
//   os  cost_models/src/dataflows/output_stationary.cpp  partial sums held, both operands stream
//   is  cost_models/src/dataflows/input_stationary.cpp   activations held, weights stream
// The SystemC model has the cycle-by-cycle counterpart of each, registered under the same name
// (sim/src/dataflows/). docs/EXTENDING.md has the recipe for another dataflow.
//
// Contract:
//  - for_each_fold() lists a step's folds in execution order (every (k, m, n) tile of the step's
//    GEMM block exactly once per digit pass, with accumulate false only on the first pass over
//    the first reduction tile); map_layer, the SystemC model and step_cost() all walk this order.
//  - step_cost() is the closed form of what the SystemC model counts for one step, field for
//    field (tests/sim/analytical_exactness_test.cpp). Stateless and thread-safe.
//  - fold_count() is the number of folds for_each_fold() visits in a step (SCALE-Sim's fold
//    structure, tests/cost_models/mapping_test.cpp).
//  - validate() throws core::InputError naming the field when the array cannot run it.
#include <cstdint>
#include <functional>
#include <string_view>

#include "nce/core/registry.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/layer_stats.hpp"

namespace nce::cost_models {

struct LayerSchedule;
struct ScheduleStep;
struct ArrayFold;

// Everything one step costs on the array, from the step's start to the cycle after its last
// output (sim/TIMING.md, cost_models/ANALYTICAL.md).
struct StepCost {
  std::int64_t duration = 0;
  std::int64_t compute = 0;
  std::int64_t stall_stationary_load = 0;
  std::int64_t stall_fill_drain = 0;
  std::int64_t stall_other = 0;
  std::int64_t folds = 0;
  BufferAccessCounts ifmap, weight, ofmap;
  std::int64_t psum_readback_words = 0;
  std::int64_t output_accumulations = 0;
  std::int64_t stationary_register_bits = 0;
};

// What map_layer's tiling search asks a dataflow to rank equal-traffic tilings: a rough cycle
// count of `steps` steps of m channels x n pixels with reduction k and `passes` digit passes.
struct TilingShape {
  std::int64_t steps = 0;
  std::int64_t m = 0;
  std::int64_t n = 0;
  std::int64_t k = 0;
  int passes = 1;
  int k_chunk = 1;
};

class Dataflow {
 public:
  virtual ~Dataflow() = default;
  virtual std::string_view name() const = 0;         // "ws": configs, flags, reports
  virtual std::string_view description() const = 0;  // "weight-stationary"
  virtual void validate(const AcceleratorConfig& config) const { (void)config; }
  // Reduction steps one fold covers for a layer of reduction K.
  virtual int k_chunk(std::int64_t k, const AcceleratorConfig& config) const = 0;
  virtual void for_each_fold(const LayerSchedule& schedule, const ScheduleStep& step,
                             const std::function<void(const ArrayFold&)>& visit) const = 0;
  virtual std::int64_t fold_count(const LayerSchedule& schedule, const ScheduleStep& step) const = 0;
  virtual std::int64_t estimate_cycles(const TilingShape& shape, const AcceleratorConfig& config) const = 0;
  // Flip-flop bits each PE forwards per MAC (the register term of price_energy).
  virtual int forwarded_register_bits(const AcceleratorConfig& config) const = 0;
  virtual StepCost step_cost(const LayerSchedule& schedule, const ScheduleStep& step,
                             const AcceleratorConfig& config) const = 0;
  // Whether rtl/mac_array.sv implements this dataflow (nce simulate --pe-model rtl).
  virtual bool has_rtl() const { return false; }
};

using DataflowRegistry = core::Registry<Dataflow>;

// The registered dataflow `name`; InputError lists the registered names.
const Dataflow& dataflow_named(std::string_view name);
// The dataflow of `config`.
inline const Dataflow& dataflow_of(const AcceleratorConfig& config) { return dataflow_named(config.dataflow); }

}  // namespace nce::cost_models
