// Closed-form evaluation of a LayerSchedule (cost_models/ANALYTICAL.md has the formulas). Every
// expression mirrors one rule of the timing contract in schedule.hpp / sim/src/array.cpp, so a
// change there needs the same change here (and a version bump in analytical_model.hpp).
#include "nce/cost_models/analytical_model.hpp"

#include <algorithm>
#include <memory>
#include <vector>

namespace nce::cost_models {
namespace {

void add(BufferAccessCounts& into, const BufferAccessCounts& from) {
  into.reads += from.reads;
  into.writes += from.writes;
  into.read_bits += from.read_bits;
  into.write_bits += from.write_bits;
}

}  // namespace

LayerStats analytical_layer_stats(const LayerSchedule& s, const AcceleratorConfig& config) {
  LayerStats stats;
  stats.layer = s.layer;
  stats.type = std::string(to_string(s.type));
  stats.on_array = s.on_array;
  stats.macs = s.macs;
  if (!s.on_array) return stats;  // the SystemC model reports nothing else, not even energy
  stats.passes = s.passes;
  stats.array_macs = s.macs * s.passes;
  stats.steps = static_cast<std::int64_t>(s.steps.size());

  // 1. The array: each step's duration and counts from its dataflow, memoised per step shape
  // (steps with equal (m_size, n_size) have equal folds).
  struct Shape {
    int m_size = 0;
    std::int64_t n_size = 0;
    StepCost cost;
  };
  std::vector<Shape> shapes;
  std::vector<std::size_t> shape_of(s.steps.size());
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const ScheduleStep& step = s.steps[i];
    auto it = std::find_if(shapes.begin(), shapes.end(),
                           [&](const Shape& c) { return c.m_size == step.m_size && c.n_size == step.n_size; });
    if (it == shapes.end()) {
      shapes.push_back({step.m_size, step.n_size, s.dataflow->step_cost(s, step, config)});
      it = shapes.end() - 1;
    }
    shape_of[i] = std::size_t(it - shapes.begin());
  }
  std::int64_t array_busy = 0;
  for (std::size_t i : shape_of) {
    const StepCost* c = &shapes[i].cost;
    array_busy += c->duration;
    stats.compute_cycles += c->compute;
    stats.stall_stationary_load += c->stall_stationary_load;
    stats.stall_fill_drain += c->stall_fill_drain;
    stats.stall_other += c->stall_other;
    stats.folds += c->folds;
    add(stats.ifmap, c->ifmap);
    add(stats.weight, c->weight);
    add(stats.ofmap, c->ofmap);
    stats.psum_readback_words += c->psum_readback_words;
    stats.output_accumulations += c->output_accumulations;
    stats.stationary_register_bits += c->stationary_register_bits;
  }

  // 2. DMA: the loads each step needs (step 0 always has both) and their issue conditions.
  const std::size_t n = s.steps.size();
  const int cg = s.in.channels / s.groups;
  struct Load {
    std::int64_t bytes = 0;
    std::int64_t done = 0;
  };
  std::vector<Load> loads;
  std::vector<std::size_t> input_load(n), weight_load(n);
  std::vector<std::vector<std::size_t>> loads_after(n + 1);  // [issue_after + 1] -> loads in step order
  for (std::size_t i = 0; i < n; ++i) {
    const ScheduleStep& step = s.steps[i];
    if (step.input_bytes > 0 || i == 0) {
      input_load[i] = loads.size();
      loads_after[std::size_t(step.input_issue_after + 1)].push_back(loads.size());
      loads.push_back({step.input_bytes, 0});
      stats.ifmap.writes += step.input_fill_words;
      stats.ifmap.write_bits += std::int64_t{cg} * step.in_rows * s.in.width * s.act_digits * 2;
    } else {
      input_load[i] = input_load[i - 1];
    }
    if (step.weight_bytes > 0 || i == 0) {
      weight_load[i] = loads.size();
      loads_after[std::size_t(step.weight_issue_after + 1)].push_back(loads.size());
      loads.push_back({step.weight_bytes, 0});
      stats.weight.writes += step.weight_fill_words;
      stats.weight.write_bits += s.gemm.k * step.m_size * s.weight_digits * 2;
    } else {
      weight_load[i] = weight_load[i - 1];
    }
    stats.ofmap.reads += step.output_drain_words;  // the writeback drains the ofmap slot
    stats.ofmap.read_bits += std::int64_t{step.m_size} * step.n_size * 32;
    stats.dram_read_bytes += step.input_bytes + step.weight_bytes;
    stats.dram_write_bytes += step.output_bytes;
  }

  // 3. The step recurrence. One FIFO channel: a transfer issued at t starts at
  // max(t, channel free), holds the channel ceil(bytes / bandwidth) cycles, lands `latency` later.
  // Issue times never decrease, so each transfer is settled when it is issued.
  std::int64_t channel_free = 0;
  auto transfer = [&](std::int64_t issued, std::int64_t bytes) {
    const std::int64_t start = std::max(issued, channel_free);
    channel_free = start + dram_occupancy_cycles(bytes, config.dram);
    return channel_free + config.dram.latency_cycles;
  };
  auto issue_loads = [&](int condition, std::int64_t at) {
    for (std::size_t l : loads_after[std::size_t(condition + 1)]) loads[l].done = transfer(at, loads[l].bytes);
  };
  std::vector<std::int64_t> writeback_done(n, 0);
  issue_loads(-1, 0);
  std::int64_t compute_end = 0;
  for (std::size_t i = 0; i < n; ++i) {
    // A step starts when the previous one finished, its operands arrived and the writeback of
    // step i-2 (which used the same ofmap slot) reached DRAM.
    std::int64_t start = std::max({compute_end, loads[input_load[i]].done, loads[weight_load[i]].done});
    if (i >= 2) start = std::max(start, writeback_done[i - 2]);
    compute_end = start + shapes[shape_of[i]].cost.duration;
    writeback_done[i] = transfer(compute_end, s.steps[i].output_bytes);
    issue_loads(static_cast<int>(i), compute_end);
  }
  std::int64_t end = compute_end;
  for (std::size_t i = n >= 2 ? n - 2 : 0; i < n; ++i) end = std::max(end, writeback_done[i]);
  stats.cycles = end;
  stats.stall_dram = stats.cycles - array_busy;
  stats.energy = price_energy(stats, config);
  return stats;
}

namespace {

class AnalyticalCostModel final : public CostModel {
 public:
  std::string name() const override { return "analytical"; }
  // Bump with any change of the formulas (or of the SystemC timing they mirror): cached cost
  // tables of an older version are then never reused.
  std::string version() const override { return "1"; }
  LayerStats evaluate(const workloads::Layer& layer, const workloads::LayerInfo& info,
                      const AcceleratorConfig& config) const override {
    return analytical_layer_stats(map_layer(layer, info, config), config);
  }
};

const bool registered =
    CostModelRegistry::add("analytical", "closed-form evaluation of the schedule, equal to the SystemC model",
                           [](const CostModelOptions&) { return std::make_unique<AnalyticalCostModel>(); });

}  // namespace

}  // namespace nce::cost_models
