#pragma once
// The cycle-by-cycle behaviour of one dataflow inside the SystemC array (private to sim/). Each
// registered cost_models::Dataflow has a counterpart here under the same name, one .cpp each:
//   ws  sim/src/dataflows/weight_stationary.cpp  (also drives rtl/mac_array.sv with --pe-model rtl)
//   os  sim/src/dataflows/output_stationary.cpp
//   is  sim/src/dataflows/input_stationary.cpp
//
// Contract: start() plans a step whose operands are in the array's slots; tick(c) then runs
// cycle c = 0, 1, ... of the step: it reads the SRAM ports (SramBuffer::read), adds each
// cycle to exactly one class (compute, stationary load, fill/drain, other) of the array's
// LayerStats, writes output lines through SystolicArray::write_line, and returns true in the
// cycle of the step's last output. The counts must equal the dataflow's closed form
// (cost_models::Dataflow::step_cost; tests/sim/analytical_exactness_test.cpp) and the outputs
// the integer reference model (tests/sim/functional_test.cpp). One instance per array; it may
// keep state between calls.
#include <cstdint>
#include <memory>

#include "../modules.hpp"
#include "nce/core/registry.hpp"

namespace nce::sim {

class ArrayDataflow {
 public:
  virtual ~ArrayDataflow() = default;
  virtual void start(SystolicArray& array) = 0;
  virtual bool tick(SystolicArray& array, std::int64_t c) = 0;
};

using ArrayDataflowRegistry = core::Registry<ArrayDataflow>;

}  // namespace nce::sim
