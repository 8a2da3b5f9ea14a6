#pragma once
// ArrayModel over one Verilator-generated mac_array class. Private to nce_rtl: only
// verilated_arrays.cpp includes the generated headers.
#include <verilated.h>
#include <verilated_vcd_c.h>

#include <memory>
#include <type_traits>

#include "nce/rtl/array_model.hpp"
#include "nce/workloads/input_error.hpp"

namespace nce::rtl::detail {

// Verilator stores a packed port of up to 64 bits in an integer and a wider one in VlWide
// (32-bit words); element i of a flat port sits at bits [i*width, (i+1)*width). Widths here
// divide 32, so an element never straddles two words.
template <class Port>
void clear_port(Port& port) {
  if constexpr (std::is_integral_v<Port>) {
    port = 0;
  } else {
    for (auto& word : port.m_storage) word = 0;
  }
}

template <class Port>
void put_field(Port& port, int index, int width, std::uint32_t value) {
  const int lsb = index * width;
  if constexpr (std::is_integral_v<Port>) {
    port = static_cast<Port>(port | (static_cast<Port>(value) << lsb));
  } else {
    port.m_storage[lsb / 32] |= value << (lsb % 32);
  }
}

template <class Port>
std::uint32_t get_field(const Port& port, int index, int width) {
  const int lsb = index * width;
  const std::uint64_t mask = (std::uint64_t{1} << width) - 1;
  if constexpr (std::is_integral_v<Port>) {
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(port) >> lsb) & mask);
  } else {
    return static_cast<std::uint32_t>((port.m_storage[lsb / 32] >> (lsb % 32)) & mask);
  }
}

template <class Model>
class VerilatedArray final : public ArrayModel {
 public:
  // Widths fixed by rtl/mac_array.sv's defaults, which NCE_RTL_ARRAY_SIZES does not override.
  static constexpr int kActWidth = 2;
  static constexpr int kWeightWidth = 2;
  static constexpr int kAccWidth = 16;

  VerilatedArray(int rows, int cols) : rows_(rows), cols_(cols), model_(std::make_unique<Model>(&context_)) {
    context_.traceEverOn(true);
    reset();
  }
  ~VerilatedArray() override {
    close_trace();
    model_->final();
  }

  int rows() const override { return rows_; }
  int cols() const override { return cols_; }
  int acc_width() const override { return kAccWidth; }

  void reset() override {
    model_->clk_i = 0;
    model_->w_shift_i = 0;
    clear_port(model_->w_i);
    clear_port(model_->w_commit_i);
    clear_port(model_->a_i);
    model_->rst_ni = 1;
    model_->eval();
    model_->rst_ni = 0;  // the falling edge resets asynchronously
    model_->eval();
    model_->rst_ni = 1;
    model_->eval();
  }

  void cycle(bool w_shift, std::span<const std::int8_t> weights, std::span<const std::uint8_t> commits,
             std::span<const std::uint8_t> activations) override {
    model_->w_shift_i = w_shift;
    clear_port(model_->w_i);
    if (w_shift) {
      for (int c = 0; c < cols_; ++c) {
        put_field(model_->w_i, c, kWeightWidth, static_cast<std::uint32_t>(weights[c]) & ((1u << kWeightWidth) - 1));
      }
    }
    clear_port(model_->w_commit_i);
    clear_port(model_->a_i);
    for (int r = 0; r < rows_; ++r) {
      put_field(model_->w_commit_i, r, 1, commits[r]);
      put_field(model_->a_i, r, kActWidth, activations[r]);
    }
    model_->clk_i = 0;
    model_->eval();
    dump();
    model_->clk_i = 1;
    model_->eval();
    dump();
    ++cycles_;
  }

  void read_psums(std::span<std::int32_t> psums) const override {
    for (int c = 0; c < cols_; ++c) {
      const std::uint32_t raw = get_field(model_->psum_o, c, kAccWidth);
      // Sign-extend from kAccWidth bits.
      psums[c] = static_cast<std::int32_t>(raw << (32 - kAccWidth)) >> (32 - kAccWidth);
    }
  }

  std::uint64_t cycles() const override { return cycles_; }

  void open_trace(const std::string& path) override {
    close_trace();
    trace_ = std::make_unique<VerilatedVcdC>();
    model_->trace(trace_.get(), 99);
    trace_->open(path.c_str());
    if (!trace_->isOpen()) {
      trace_.reset();
      throw InputError("cannot write trace file '" + path + "'");
    }
  }

  void close_trace() override {
    if (!trace_) return;
    trace_->close();
    trace_.reset();
  }

 private:
  void dump() {
    if (trace_) trace_->dump(time_);
    ++time_;  // two time units per cycle: clock low, clock high
  }

  int rows_;
  int cols_;
  VerilatedContext context_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedVcdC> trace_;
  std::uint64_t cycles_ = 0;
  std::uint64_t time_ = 0;
};

}  // namespace nce::rtl::detail
