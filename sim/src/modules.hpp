#pragma once
// The SystemC modules of the accelerator (private to sim/). Time: one clock period = 1 ns of
// simulated time; every module acts on clock edges (timed triggers at the period).
#include <systemc>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "nce/cost_models/layer_stats.hpp"
#include "nce/cost_models/schedule.hpp"
#include "nce/rtl/array_model.hpp"

namespace nce::sim {

inline const sc_core::sc_time kClockPeriod(1, sc_core::SC_NS);
inline std::int64_t current_cycle() {
  return static_cast<std::int64_t>(sc_core::sc_time_stamp().value() / kClockPeriod.value());
}

// What one simulate_layer call asks of the hardware: the schedule, the operands in "DRAM" and
// where the results and counts go.
struct LayerJob {
  const cost_models::LayerSchedule* schedule = nullptr;
  const cost_models::AcceleratorConfig* config = nullptr;
  const std::vector<std::int32_t>* dram_input = nullptr;    // CHW codes of schedule->in
  const std::vector<std::int32_t>* dram_weights = nullptr;  // [m][k] codes
  std::vector<std::int32_t>* dram_output = nullptr;         // [m][n] sums
  cost_models::LayerStats* stats = nullptr;
  bool rtl = false;
};

// One on-chip SRAM: two slots (double buffer) and the access counters of its array-side ports.
template <typename T>
struct SramBuffer {
  std::vector<T> slots[2];
  cost_models::BufferAccessCounts counts;
  void read(std::int64_t words, std::int64_t bits) {
    counts.reads += words;
    counts.read_bits += bits;
  }
  void write(std::int64_t words, std::int64_t bits) {
    counts.writes += words;
    counts.write_bits += bits;
  }
};

struct OnChipBuffers {
  SramBuffer<std::int8_t> ifmap;    // digit planes [digit][channel][row][x]
  SramBuffer<std::int8_t> weight;   // digit planes [digit][m][k]
  SramBuffer<std::int32_t> ofmap;   // sums [m][n]
};

enum class TransferKind { load_inputs, load_weights, writeback };

struct Transfer {
  TransferKind kind = TransferKind::load_inputs;
  int step = 0;
  int slot = 0;
  std::int64_t bytes = 0;
  std::int64_t done_cycle = -1;  // data in place (load) or in DRAM (writeback); -1 until known
  sc_core::sc_event done;
};

// DRAM channel + DMA engine: FIFO transfers, ceil(bytes / bandwidth) cycles of channel
// occupancy each, data usable `latency` cycles after the last byte.
SC_MODULE(DmaEngine) {
  LayerJob* job = nullptr;
  OnChipBuffers* buffers = nullptr;

  void issue(Transfer* transfer);
  void wait_done(Transfer* transfer);  // called from the controller's thread

  SC_CTOR(DmaEngine) { SC_THREAD(run); }

 private:
  void run();
  void move_data(const Transfer& transfer);
  std::deque<Transfer*> queue_;
  sc_core::sc_event queued_;
};

class ArrayDataflow;

// The MAC array with its operand feeders (im2col, skew, de-skew). One SC_METHOD advances the
// whole array each clock cycle while a step runs; idle, it sleeps until started. What happens
// in a cycle is the dataflow's (sim/src/dataflows/array_dataflow.hpp); this module holds the
// step's operands and offers the pieces every dataflow uses.
SC_MODULE(SystolicArray) {
  LayerJob* job = nullptr;
  OnChipBuffers* buffers = nullptr;
  sc_core::sc_event done;  // notified for the cycle after the step's last output

  void start(int step, int input_slot, int weight_slot, int output_slot);

  SC_CTOR(SystolicArray);
  ~SystolicArray() override;

  // ---- for the dataflows ----
  const cost_models::LayerSchedule& schedule() const { return *job->schedule; }
  const cost_models::AcceleratorConfig& config() const { return *job->config; }
  const cost_models::ScheduleStep& step() const { return *step_; }
  cost_models::LayerStats& stats() { return *job->stats; }
  // Activation digit of reduction index k for output pixel `pixel` of the step (0 in padding).
  std::int8_t activation_digit(const cost_models::ArrayFold& fold, std::int64_t pixel, int k) const;
  // The fold's weight digit plane in the weight slot, [m][k] over the step's output channels.
  const std::int8_t* weight_plane(const cost_models::ArrayFold& fold) const;
  // Sums of pixel `pixel` (step-relative) over the fold's reduction rows, for its m_size
  // channels; `tile` caches the fold's weights as the PEs hold them ([k][m]) until cleared.
  void pixel_sums(const cost_models::ArrayFold& fold, std::int64_t pixel, std::vector<std::int32_t>& tile,
                  std::int32_t* sums) const;
  // Sums of filter `filter` (fold-relative) over the fold's reduction rows, for its n_size
  // pixels; `tile` caches the fold's im2col inputs as the PEs hold them ([k][n]) until cleared.
  void filter_sums(const cost_models::ArrayFold& fold, std::int64_t filter, std::vector<std::int32_t>& tile,
                   std::int32_t* sums) const;
  // Writes one de-skewed output line into the ofmap slot, shifted by the fold's digit weights
  // and added to the partial sum when the fold accumulates, with the ofmap port counts. A line
  // runs along the fold's channels at step pixel `index` (along_channels), or along its pixels
  // at fold filter `index`.
  void write_line(const cost_models::ArrayFold& fold, bool along_channels, std::int64_t index, const std::int32_t* sums);

 private:
  void tick();

  sc_core::sc_event start_event_;
  const cost_models::ScheduleStep* step_ = nullptr;
  int in_slot_ = 0, w_slot_ = 0, out_slot_ = 0;
  std::int64_t start_cycle_ = 0;
  std::unique_ptr<ArrayDataflow> dataflow_;  // the current layer's (recreated when it changes)
  std::string dataflow_name_;
  // im2col geometry of the layer: k -> (channel within group, kernel row, kernel column)
  std::vector<int> k_channel_, k_r_, k_s_;
  std::vector<std::size_t> k_offset_;  // slot offset of k from the kernel's top-left input (this step)
};

// Executes the schedule: issues DMA transfers by the double-buffering rules of schedule.hpp,
// starts the array on each step, and pauses the kernel when the layer is done.
SC_MODULE(Controller) {
  LayerJob* job = nullptr;
  DmaEngine* dma = nullptr;
  SystolicArray* array = nullptr;
  OnChipBuffers* buffers = nullptr;
  bool finished = false;

  SC_CTOR(Controller) { SC_THREAD(run); }

 private:
  void run();
  void execute();
};

struct Accelerator {
  OnChipBuffers buffers;
  DmaEngine dma{"dma"};
  SystolicArray array{"array"};
  Controller controller{"controller"};
  Accelerator();
};

}  // namespace nce::sim
