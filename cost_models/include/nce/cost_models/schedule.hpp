#pragma once
// The mapping of one conv/FC layer onto the array: im2col GEMM (K = C_in/groups * R * S,
// M = C_out/groups, N = H_out * W_out per group), cut into buffer-level blocks ("steps", each
// one double-buffered DMA round) and array-level folds. Computed once per layer by
// map_layer(); the SystemC model (sim/) executes it and the analytical model evaluates it, so
// the two can only differ in how they evaluate the same object.
//
// Timing contract (what the SystemC model does, cycle for cycle; see sim/TIMING.md):
//   DRAM: one channel, transfers in FIFO order. A transfer issued at t of b bytes starts at
//     s = max(t, channel_free), occupies the channel dram_occupancy_cycles(b) cycles and its
//     data is in the buffer `latency_cycles` after that.
//   Steps run in order on the array. Step s starts when step s-1's compute ended, its input
//     and weight blocks have arrived and the writeback of step s-2 (its ofmap slot) is done.
//     At t = 0 the loads with issue_after == -1 are issued in step order; when step u's
//     compute ends, its writeback is issued, then every load with issue_after == u in step
//     order. The layer ends when the last writeback has arrived in DRAM.
//   Within a step the folds run as the step's dataflow describes them in sim/TIMING.md
//   (WS/IS: shadow loads of the stationary operand overlapped with the previous fold's stream;
//   OS: stream, then drain).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/dataflow.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::cost_models {

enum class LoopOrder { weights_outer, inputs_outer };
std::string_view to_string(LoopOrder order);

// One buffer-level block: output channels [m0, m0+m_size) of group `group` for output rows
// [out_row0, out_row0+out_rows), with the full reduction K (partial sums never leave the chip).
struct ScheduleStep {
  int group = 0;
  int m0 = 0;
  int m_size = 0;
  int out_row0 = 0;
  int out_rows = 0;
  // Input rows held in the ifmap slot. Contiguous layers (stride <= kernel height): rows
  // [in_row0, in_row0 + in_rows) clipped to the map, padding never stored. Gathered layers
  // (LayerSchedule::gathered_rows, stride > kernel height, e.g. 1x1 stride-2 shortcuts): the DMA
  // fetches only the rows the kernel touches, slot row (y - out_row0) * kernel_h + r for output
  // row y and kernel row r, so in_rows = out_rows * kernel_h (padding rows stored as zeros).
  int in_row0 = 0;
  int in_rows = 0;
  std::int64_t n0 = 0;  // = out_row0 * W_out
  std::int64_t n_size = 0;
  // DRAM traffic of the step, at the operands' native precision; zero when the block is the
  // one the previous step already holds.
  std::int64_t input_bytes = 0;
  std::int64_t weight_bytes = 0;
  std::int64_t output_bytes = 0;
  // SRAM words written by those loads / read by the writeback.
  std::int64_t input_fill_words = 0;
  std::int64_t weight_fill_words = 0;
  std::int64_t output_drain_words = 0;
  int input_issue_after = -1;  // the step whose compute end frees the slot the load goes to
  int weight_issue_after = -1;
};

// One pass of the array over a GEMM tile. WS: k_size <= rows reduction rows hold weights for
// m_size <= cols output channels, n_size pixels stream. IS: k_size <= rows reduction rows hold
// the im2col inputs of n_size <= cols pixels, m_size filters stream. OS: n_size <= rows pixels x
// m_size <= cols channels accumulate over k_size reduction steps.
struct ArrayFold {
  int k0 = 0;
  int k_size = 0;
  int m0 = 0;  // within the step's block
  int m_size = 0;
  std::int64_t n0 = 0;  // within the step's block
  std::int64_t n_size = 0;
  int act_digit = 0;
  int weight_digit = 0;
  bool accumulate = false;  // read the partial sum back from the ofmap buffer and add
};

struct LayerSchedule {
  std::string layer;
  workloads::LayerType type = workloads::LayerType::conv;
  bool on_array = false;  // pool/add run in the post-processing unit, not on the MAC array
  const Dataflow* dataflow = nullptr;  // the config's (cost_models/include/nce/cost_models/dataflow.hpp)
  LoopOrder order = LoopOrder::weights_outer;
  int rows = 0;
  int cols = 0;

  // Geometry (FC: a 1x1 conv on a K x 1 x 1 map).
  workloads::TensorShape in;
  workloads::TensorShape out;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int padding = 0;
  int groups = 1;
  bool gathered_rows = false;  // stride > kernel_h: see ScheduleStep::in_rows
  workloads::GemmDims gemm;  // per group

  int weight_bits = 2;
  int act_bits = 2;
  int weight_digits = 1;
  int act_digits = 1;
  int passes = 1;  // act_digits * weight_digits
  std::int64_t macs = 0;

  int m_block = 0;       // output channels per step
  int out_rows_block = 0;  // output rows per step
  int k_chunk = 0;       // reduction steps per fold (Dataflow::k_chunk)
  std::vector<ScheduleStep> steps;

  std::int64_t dram_read_bytes() const;
  std::int64_t dram_write_bytes() const;
};

// Lowers `layer` (with its analyzed shapes) onto `config`. Throws InputError when a minimal
// tile cannot fit a buffer, naming the buffer and the sizes.
LayerSchedule map_layer(const workloads::Layer& layer, const workloads::LayerInfo& info, const AcceleratorConfig& config);
std::vector<LayerSchedule> map_workload(const workloads::Workload& workload, const AcceleratorConfig& config);

// The folds of one step in execution order: the schedule's dataflow decides (Dataflow::for_each_fold).
void for_each_fold(const LayerSchedule& schedule, const ScheduleStep& step,
                   const std::function<void(const ArrayFold&)>& visit);

// Cycles one DRAM transfer of `bytes` occupies the channel: ceil(bytes / bytes_per_cycle).
std::int64_t dram_occupancy_cycles(std::int64_t bytes, const DramConfig& dram);

// The digit passes of one tile in the order every dataflow runs them: for each weight digit,
// for each activation digit, one visit of `tile` with its digits and `accumulate` set (false
// only for the first pass over the first reduction tile, k0 == 0).
void visit_digit_passes(const LayerSchedule& schedule, ArrayFold& tile, const std::function<void(const ArrayFold&)>& visit);

}  // namespace nce::cost_models
