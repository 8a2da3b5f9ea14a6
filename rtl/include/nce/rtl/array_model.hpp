#pragma once
// A cycle-level handle on one verilated mac_array (rtl/mac_array.sv), independent of its size:
// Verilator fixes Rows/Cols at verilation time, so every size is its own generated class and
// this interface hides which one a driver talks to.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nce::rtl {

// Waveform file format of a traced model. Verilator compiles one format into a model, so each
// verilated size exists as three models: none (the fast one), VCD and FST.
enum class Waveform { none, vcd, fst };

// The format a waveform file name asks for: ".vcd" or ".fst" (lower case); InputError otherwise.
Waveform waveform_for_path(const std::string& path);
// "none", "VCD", "FST".
const char* to_string(Waveform waveform);

class ArrayModel {
 public:
  virtual ~ArrayModel() = default;

  virtual int rows() const = 0;
  virtual int cols() const = 0;
  virtual int acc_width() const = 0;

  // Pulses rst_ni low (every register of the array clears to 0).
  virtual void reset() = 0;
  // One clock cycle: drives the edge inputs for the cycle, then one rising clock edge.
  // weights: cols() codes for w_i; commits: rows() flags for w_commit_i; activations: rows()
  // codes for a_i. Afterwards read_psums() returns what psum_o holds in the next cycle.
  virtual void cycle(bool w_shift, std::span<const std::int8_t> weights, std::span<const std::uint8_t> commits,
                     std::span<const std::uint8_t> activations) = 0;
  // psum_o of every column, sign-extended from acc_width() bits.
  virtual void read_psums(std::span<std::int32_t> psums) const = 0;
  // Rising clock edges since construction.
  virtual std::uint64_t cycles() const = 0;
  // The waveform format this model was built to write (Waveform::none: no tracing code).
  virtual Waveform waveform() const = 0;
  // Dumps every signal to `path` (GTKWave opens VCD and FST) from now on, two time units per
  // clock cycle; close_trace() ends it. Throws InputError when the model has no tracing code
  // (make it with make_verilated_array(rows, cols, Waveform::vcd or ::fst)), when `path` names
  // the other format, or when the file cannot be written.
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
};

// The verilated sizes linked into this build (rtl/CMakeLists.txt: NCE_RTL_ARRAY_SIZES).
std::vector<std::pair<int, int>> verilated_array_sizes();
// "4x4, 8x8, ..." for error messages.
std::string verilated_array_sizes_text();
// A fresh, reset model of a rows x cols array; throws InputError naming the supported sizes
// when that size was not verilated. Waveform::none gives the fast model (no tracing code, what
// simulations and tests should run); ::vcd and ::fst give a model built with that tracing
// (compiled at -O1; with a trace open the 16x16 array runs ~8x slower) for open_trace().
std::unique_ptr<ArrayModel> make_verilated_array(int rows, int cols, Waveform waveform = Waveform::none);

}  // namespace nce::rtl
