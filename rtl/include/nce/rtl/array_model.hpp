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
  // Dumps every signal to a VCD file (GTKWave opens it) from now on; close_trace() ends it.
  virtual void open_trace(const std::string& path) = 0;
  virtual void close_trace() = 0;
};

// The verilated sizes linked into this build (rtl/CMakeLists.txt: NCE_RTL_ARRAY_SIZES).
std::vector<std::pair<int, int>> verilated_array_sizes();
// "4x4, 8x8, ..." for error messages.
std::string verilated_array_sizes_text();
// A fresh, reset model of a rows x cols array; throws InputError naming the supported sizes
// when that size was not verilated.
std::unique_ptr<ArrayModel> make_verilated_array(int rows, int cols);

}  // namespace nce::rtl
