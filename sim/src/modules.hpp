#pragma once
// The SystemC modules of the accelerator (private to sim/). Time: one clock period = 1 ns of
// simulated time; every module acts on clock edges (timed triggers at the period).
#include <systemc>

#include <cstdint>
#include <deque>
#include <memory>
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

// The MAC array with its operand feeders (im2col, skew, de-skew). One SC_METHOD advances the
// whole array each clock cycle while a step runs; idle, it sleeps until started.
SC_MODULE(SystolicArray) {
  LayerJob* job = nullptr;
  OnChipBuffers* buffers = nullptr;
  sc_core::sc_event done;  // notified for the cycle after the step's last output

  void start(int step, int input_slot, int weight_slot, int output_slot);

  SC_CTOR(SystolicArray);

 private:
  struct FoldTiming {
    cost_models::ArrayFold fold;
    int weight_beats = 1;  // WS: cycles per weight row loaded
    int beats = 1;         // cycles per streamed column (SRAM ports)
    int drain_beats = 1;   // OS: cycles per drained output row
    std::int64_t load = 0; // WS: cycle the shadow-weight load starts
    std::int64_t t0 = 0;   // first column enters row 0 (OS: fold start)
    std::int64_t next_output = 0;
  };
  void tick();
  bool tick_weight_stationary(std::int64_t c);  // true after the step's last output
  bool tick_output_stationary(std::int64_t c);
  void compute_pixel(std::size_t fold_index, std::int64_t pixel, std::int32_t* sums);
  void emit_outputs(const FoldTiming& f, std::int64_t pixel, const std::int32_t* sums);
  std::int8_t activation_digit(const cost_models::ArrayFold& fold, std::int64_t pixel, int k) const;
  void clock_rtl(std::int64_t c);  // RTL mode: drive the verilated grid for cycle c, capture psum_o

  sc_core::sc_event start_event_;
  bool busy_ = false;
  const cost_models::ScheduleStep* step_ = nullptr;
  int in_slot_ = 0, w_slot_ = 0, out_slot_ = 0;
  std::int64_t start_cycle_ = 0;
  std::vector<FoldTiming> folds_;
  std::size_t loading_ = 0;      // WS: fold whose weights are loading (or next to)
  std::size_t streaming_ = 0;    // fold whose columns are entering (OS: fold running)
  std::size_t output_fold_ = 0;  // oldest fold with outputs pending
  // im2col geometry of the layer: k -> (channel within group, kernel row, kernel column)
  std::vector<int> k_channel_, k_r_, k_s_;
  std::vector<std::size_t> k_offset_;  // slot offset of k from the kernel's top-left input (this step)
  std::vector<std::vector<std::int32_t>> tiles_;  // per fold: weight tile [k][m], while outputs are pending
  std::vector<std::int32_t> sums_;
  // RTL mode: the verilated mac_array and the de-skewed psums it produced, per fold [pixel][column].
  std::unique_ptr<rtl::ArrayModel> rtl_;
  std::vector<std::vector<std::int32_t>> rtl_sums_;
  std::vector<std::int8_t> rtl_weights_;
  std::vector<std::uint8_t> rtl_commits_, rtl_activations_;
  std::vector<std::int32_t> rtl_psums_;
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
