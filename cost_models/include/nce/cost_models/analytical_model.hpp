#pragma once
// The analytical array model (registered as cost model `analytical`): the same LayerSchedule the SystemC model executes, evaluated in
// closed form — per-fold cycle formulas inside a step, a step-level recurrence for the DMA
// channel and double buffering — instead of cycle by cycle. Its LayerStats equal the SystemC
// model's field for field (tests/sim/analytical_exactness_test.cpp); the formulas are in
// cost_models/ANALYTICAL.md.
#include <string>

#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/schedule.hpp"

namespace nce::cost_models {

// Statistics of one mapped layer: cycles, compute cycles, stalls by cause, SRAM and DRAM
// traffic and energy (price_energy). Pool/add layers report zeros like the SystemC model.
LayerStats analytical_layer_stats(const LayerSchedule& schedule, const AcceleratorConfig& config);

}  // namespace nce::cost_models
