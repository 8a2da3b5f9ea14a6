// Cycle behaviour of the SystemC model: hand-derived cycle counts, the array-width staircase,
// and invariants over a whole network (cycles >= MACs / PEs, utilization <= 1, more DRAM
// bandwidth never costs cycles).
#include <gtest/gtest.h>

#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::sim {
namespace {

// 3x3 conv, stride 1, padding 1, on a 16-channel 8x8 map, W2A2.
workloads::Workload staircase_conv(int out_channels) {
  workloads::Workload w;
  w.name = "staircase" + std::to_string(out_channels);
  w.input = {16, 8, 8};
  workloads::Layer conv;
  conv.name = "conv";
  conv.out_channels = out_channels;
  conv.kernel_h = conv.kernel_w = 3;
  conv.padding = 1;
  w.layers = {conv};
  return w;
}

cost_models::LayerStats run_single(const workloads::Workload& w, const cost_models::AcceleratorConfig& config) {
  return simulate_workload(w, config).layers.at(0);
}

TEST(SimTiming, SixteenChannelConvTakesTheHandDerivedCycles) {
  // Default config: 16x16 WS, 8 B/cycle DRAM with 100 cycles latency, auto word widths.
  // GEMM: K = 16*3*3 = 144, M = 16, N = 8*8 = 64; everything fits one step.
  // DRAM: inputs 16*64*2 bit = 256 B (32 cycles, arrive 32+100 = 132), then weights
  //   144*16*2 bit = 576 B (72 cycles on the channel, 32..104, arrive 204). Array starts at 204.
  // Array: 9 folds of k = 16 rows, one column per cycle (1 ifmap word, 1+1 ofmap words on 2 ports).
  //   t0_0 = 16 (first weight load); t0_i = t0_{i-1} + max(N = 64, 2R + C - 2 = 46) = 16 + 64i;
  //   t0_8 = 528; last output at t0_8 + 63 + R + m - 1 = 528 + 63 + 31 = 622, so the step lasts 623:
  //   compute 9*64 = 576, weight load 16, fill/drain 623 - (528 + 64) = 31.
  // Writeback: 16*64 outputs at 2 bits = 256 B: 32 cycles from 827, arrives 827+32+100 = 959.
  const cost_models::LayerStats s = run_single(staircase_conv(16), cost_models::AcceleratorConfig{});
  EXPECT_EQ(s.compute_cycles, 576);
  EXPECT_EQ(s.stall_stationary_load, 16);
  EXPECT_EQ(s.stall_fill_drain, 31);
  EXPECT_EQ(s.stall_other, 0);
  EXPECT_EQ(s.cycles, 959);
  EXPECT_EQ(s.stall_dram, 959 - 623);
  EXPECT_EQ(s.dram_read_bytes, 256 + 576);
  EXPECT_EQ(s.dram_write_bytes, 256);
  // Partial sums read back between the 9 reduction folds: 8 folds x 64 pixels x one 512-bit word.
  EXPECT_EQ(s.psum_readback_words, 8 * 64);
}

TEST(SimTiming, OutputChannelStaircaseOnSixteenColumns) {
  // 16 output channels fill the 16 columns once: 9 k-folds x 64 pixels = 576 compute cycles.
  // 17 need a second column tile (16 + 1 channels): 2 x 576 = 1152, twice as many.
  // 32 fill both tiles completely: the same 1152 cycles as 17.
  // Array-busy cycles (total minus DRAM stalls), from the fold timing of the test above:
  //   16: one step of 9 folds, 623 cycles.
  //   17: the mapper cuts M into blocks of 16 and 1 channels (equal DRAM traffic, more steps):
  //       623 + (528 + 63 + R + m - 1 + 1 = 608 with m = 1) = 1231, 1.98x of 16.
  //   32: two steps of 16 channels: 2 x 623 = 1246, 1.01x of 17.
  const cost_models::AcceleratorConfig config;
  const cost_models::LayerStats c16 = run_single(staircase_conv(16), config);
  const cost_models::LayerStats c17 = run_single(staircase_conv(17), config);
  const cost_models::LayerStats c32 = run_single(staircase_conv(32), config);
  EXPECT_EQ(c16.compute_cycles, 576);
  EXPECT_EQ(c17.compute_cycles, 1152);
  EXPECT_EQ(c32.compute_cycles, 1152);
  EXPECT_EQ(c16.cycles - c16.stall_dram, 623);
  EXPECT_EQ(c17.cycles - c17.stall_dram, 1231);
  EXPECT_EQ(c32.cycles - c32.stall_dram, 1246);
}

void expect_invariants(const cost_models::WorkloadStats& stats, const cost_models::AcceleratorConfig& config) {
  for (const cost_models::LayerStats& l : stats.layers) {
    if (!l.on_array) continue;
    SCOPED_TRACE(l.layer);
    EXPECT_EQ(l.cycles, l.compute_cycles + l.stall_cycles());
    EXPECT_GE(l.cycles * config.pes(), l.array_macs);
    EXPECT_GE(l.array_macs, l.macs);
    EXPECT_LE(l.utilization(config.pes()), 1.0);
    EXPECT_LE(l.mapping_efficiency(config.pes()), 1.0);
    EXPECT_GT(l.energy.total(), 0.0);
  }
}

TEST(SimTiming, Resnet20InvariantsOnEveryDataflow) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  for (const std::string& dataflow : cost_models::DataflowRegistry::names()) {
    cost_models::AcceleratorConfig config;
    config.dataflow = dataflow;
    const cost_models::WorkloadStats stats = simulate_workload(w, config);
    expect_invariants(stats, config);
    EXPECT_GE(stats.total.cycles * config.pes(), stats.total.macs);
  }
}

TEST(SimTiming, DoubleDramBandwidthNeverAddsCycles) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  for (double bandwidth : {1.0, 4.0, 8.0}) {
    cost_models::AcceleratorConfig slow;
    slow.dram.bytes_per_cycle = bandwidth;
    cost_models::AcceleratorConfig fast = slow;
    fast.dram.bytes_per_cycle = 2 * bandwidth;
    const cost_models::WorkloadStats a = simulate_workload(w, slow);
    const cost_models::WorkloadStats b = simulate_workload(w, fast);
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
      EXPECT_LE(b.layers[i].cycles, a.layers[i].cycles) << a.layers[i].layer << " at " << bandwidth << " B/cycle";
    }
  }
}

TEST(SimTiming, DramTrafficEqualsTheSchedule) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const cost_models::AcceleratorConfig config;
  const cost_models::WorkloadStats stats = simulate_workload(w, config);
  const std::vector<cost_models::LayerSchedule> schedules = cost_models::map_workload(w, config);
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    EXPECT_EQ(stats.layers[i].dram_read_bytes, schedules[i].dram_read_bytes()) << schedules[i].layer;
    EXPECT_EQ(stats.layers[i].dram_write_bytes, schedules[i].dram_write_bytes()) << schedules[i].layer;
  }
}

TEST(SimTiming, NarrowSramWordsShowUpAsPortStalls) {
  // An 8-bit ifmap word carries 4 of the 16 rows' 2-bit digits: 4 cycles per column on one port,
  // so each real column is followed by 3 bubble cycles ("other").
  cost_models::AcceleratorConfig config;
  config.ifmap.word_bits = 8;
  const cost_models::LayerStats s = run_single(staircase_conv(16), config);
  EXPECT_EQ(s.compute_cycles, 576);
  EXPECT_EQ(s.stall_other, 3 * 576);
}

}  // namespace
}  // namespace nce::sim
