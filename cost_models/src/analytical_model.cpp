// Closed-form evaluation of a LayerSchedule (cost_models/ANALYTICAL.md has the formulas). Every
// expression mirrors one rule of the timing contract in schedule.hpp / sim/src/array.cpp, so a
// change there needs the same change here (and a version bump in analytical_model.hpp).
#include "nce/cost_models/analytical_model.hpp"

#include <algorithm>
#include <memory>
#include <vector>

namespace nce::cost_models {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Everything one step costs on the array, from the step's start to the cycle after its last
// output. Steps with equal (m_size, n_size) have equal folds, so this is computed once per shape.
struct StepCost {
  int m_size = 0;
  std::int64_t n_size = 0;
  std::int64_t duration = 0;
  std::int64_t compute = 0;
  std::int64_t stall_weight_load = 0;
  std::int64_t stall_fill_drain = 0;
  std::int64_t stall_other = 0;
  std::int64_t folds = 0;
  BufferAccessCounts ifmap, weight, ofmap;
  std::int64_t psum_readback_words = 0;
  std::int64_t output_accumulations = 0;
  std::int64_t weight_register_bits = 0;
};

struct Words {
  int ifmap = 0, weight = 0, ofmap = 0;
};

// Output-buffer traffic of one fold's n outputs (identical in both dataflows): every output
// writes ceil(32 m / word) words, and an accumulating fold first reads the partial sum back.
void count_outputs(StepCost& c, const ArrayFold& f, const Words& w) {
  const std::int64_t words = ceil_div(std::int64_t{f.m_size} * 32, w.ofmap);
  const std::int64_t bits = std::int64_t{f.m_size} * 32;
  c.ofmap.writes += f.n_size * words;
  c.ofmap.write_bits += f.n_size * bits;
  if (f.accumulate) {
    c.ofmap.reads += f.n_size * words;
    c.ofmap.read_bits += f.n_size * bits;
    c.psum_readback_words += f.n_size * words;
    c.output_accumulations += f.n_size * f.m_size;
  }
}

// Beats: cycles per streamed column when the SRAM ports cannot supply (or absorb) one per cycle.
std::int64_t output_words(const ArrayFold& f, const Words& w) {
  return ceil_div(std::int64_t{f.m_size} * 32, w.ofmap) * (f.accumulate ? 2 : 1);
}

StepCost weight_stationary_step(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config,
                                const Words& w) {
  StepCost c;
  const std::int64_t rows = s.rows;
  const std::int64_t cols = s.cols;
  std::int64_t t0 = 0;          // the current fold's first column enters row 0
  std::int64_t stream_end = 0;  // t0 + n * beats of the previous fold
  std::int64_t last_output = 0;
  ArrayFold last;
  std::int64_t last_beats = 1;
  for_each_fold(s, step, [&](const ArrayFold& f) {
    const std::int64_t weight_beats = ceil_div(ceil_div(2 * f.m_size, w.weight), config.weight.ports);
    const std::int64_t beats = std::max({std::int64_t{1}, ceil_div(ceil_div(2 * f.k_size, w.ifmap), config.ifmap.ports),
                                         ceil_div(output_words(f, w), config.ofmap.ports)});
    if (c.folds == 0) {
      t0 = rows * weight_beats;  // the first load starts with the step and nothing hides it
      c.stall_weight_load += t0;
    } else {
      // The shadow load starts when the previous fold's weights reached the last PE; the
      // stream waits for both the previous stream and the load.
      const std::int64_t load = t0 + rows + cols - 2;
      t0 = std::max(stream_end, load + rows * weight_beats);
      c.stall_weight_load += t0 - stream_end;
    }
    stream_end = t0 + f.n_size * beats;
    last_output = std::max(last_output, t0 + (f.n_size - 1) * beats + rows + f.m_size - 1);
    // Weight rows beyond k_size shift in zeros without an SRAM read.
    c.weight.reads += f.k_size * ceil_div(2 * f.m_size, w.weight);
    c.weight.read_bits += std::int64_t{f.k_size} * 2 * f.m_size;
    c.weight_register_bits += std::int64_t{f.k_size} * f.m_size * 2;
    count_outputs(c, f, w);
    // Streams of all but the last fold end before the next fold starts; the last is settled below.
    if (c.folds > 0) {
      c.compute += last.n_size;
      c.stall_other += last.n_size * (last_beats - 1);
      c.ifmap.reads += last.n_size * ceil_div(2 * last.k_size, w.ifmap);
      c.ifmap.read_bits += last.n_size * 2 * last.k_size;
    }
    last = f;
    last_beats = beats;
    ++c.folds;
  });
  c.duration = last_output + 1;  // the controller resumes the cycle after the last output
  // The last fold's stream can outlast its outputs when beats > rows + m (narrow ports):
  // the step ends anyway, so only the columns entered by then count.
  const std::int64_t t_last = stream_end - last.n_size * last_beats;
  const std::int64_t end = std::min(c.duration, stream_end);
  const std::int64_t entered = ceil_div(end - t_last, last_beats);
  c.compute += entered;
  c.stall_other += (end - t_last) - entered;
  c.ifmap.reads += entered * ceil_div(2 * last.k_size, w.ifmap);
  c.ifmap.read_bits += entered * 2 * last.k_size;
  c.stall_fill_drain = c.duration - end;
  return c;
}

StepCost output_stationary_step(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config,
                                const Words& w) {
  StepCost c;
  for_each_fold(s, step, [&](const ArrayFold& f) {
    const std::int64_t beats =
        std::max({std::int64_t{1}, ceil_div(ceil_div(2 * f.n_size, w.ifmap), config.ifmap.ports),
                  ceil_div(ceil_div(2 * f.m_size, w.weight), config.weight.ports)});
    const std::int64_t drain_beats = ceil_div(output_words(f, w), config.ofmap.ports);
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
    count_outputs(c, f, w);
    ++c.folds;
  });
  return c;
}

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
  const Words words{effective_word_bits(config, config.ifmap), effective_word_bits(config, config.weight),
                    effective_word_bits(config, config.ofmap)};

  // 1. The array: each step's duration and counts (memoised per step shape).
  std::vector<StepCost> shapes;
  std::vector<std::size_t> shape_of(s.steps.size());
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const ScheduleStep& step = s.steps[i];
    auto it = std::find_if(shapes.begin(), shapes.end(),
                           [&](const StepCost& c) { return c.m_size == step.m_size && c.n_size == step.n_size; });
    if (it == shapes.end()) {
      shapes.push_back(s.dataflow == Dataflow::weight_stationary ? weight_stationary_step(s, step, config, words)
                                                                : output_stationary_step(s, step, config, words));
      shapes.back().m_size = step.m_size;
      shapes.back().n_size = step.n_size;
      it = shapes.end() - 1;
    }
    shape_of[i] = std::size_t(it - shapes.begin());
  }
  std::int64_t array_busy = 0;
  for (std::size_t i : shape_of) {
    const StepCost* c = &shapes[i];
    array_busy += c->duration;
    stats.compute_cycles += c->compute;
    stats.stall_weight_load += c->stall_weight_load;
    stats.stall_fill_drain += c->stall_fill_drain;
    stats.stall_other += c->stall_other;
    stats.folds += c->folds;
    add(stats.ifmap, c->ifmap);
    add(stats.weight, c->weight);
    add(stats.ofmap, c->ofmap);
    stats.psum_readback_words += c->psum_readback_words;
    stats.output_accumulations += c->output_accumulations;
    stats.weight_register_bits += c->weight_register_bits;
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
    compute_end = start + shapes[shape_of[i]].duration;
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
