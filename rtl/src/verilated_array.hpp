#pragma once
// ArrayModel over one Verilator-generated mac_array class. Private to nce_rtl: only
// verilated_arrays.cpp includes the generated headers.
#include <verilated.h>
#include <verilated_fst_c.h>
#include <verilated_vcd_c.h>

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "nce/rtl/array_model.hpp"
#include "nce/core/input_error.hpp"

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

// Writes values[i] (already masked to `width` bits) into element i of the port, every element.
template <class Port, class Value>
void write_fields(Port& port, std::span<const Value> values, int width) {
  if constexpr (std::is_integral_v<Port>) {
    // Built in a register and stored once: the port is a member of the model, and stores to it
    // in a loop would go to memory one by one.
    std::uint64_t word = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      word |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(values[i])) << (i * std::size_t(width));
    }
    port = static_cast<Port>(word);
  } else {
    const std::size_t per_word = 32 / std::size_t(width);
    for (std::size_t w = 0; w * per_word < values.size(); ++w) {
      std::uint32_t word = 0;
      for (std::size_t j = 0; j < per_word && w * per_word + j < values.size(); ++j) {
        word |= static_cast<std::uint32_t>(values[w * per_word + j]) << (j * std::size_t(width));
      }
      port.m_storage[w] = word;
    }
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

// Trace is void for a model verilated without tracing, VerilatedVcdC for --trace and
// VerilatedFstC for --trace-fst (the writer class the model's trace() takes).
template <class Model, class Trace>
class VerilatedArray final : public ArrayModel {
 public:
  // Widths fixed by rtl/mac_array.sv's defaults, which NCE_RTL_ARRAY_SIZES does not override.
  static constexpr int kActWidth = 2;
  static constexpr int kWeightWidth = 2;
  static constexpr int kAccWidth = 16;
  static constexpr bool kTraced = !std::is_void_v<Trace>;

  VerilatedArray(int rows, int cols)
      : rows_(rows),
        cols_(cols),
        model_(std::make_unique<Model>(&context_)),
        weights_(std::size_t(cols), 0) {
    if constexpr (kTraced) context_.traceEverOn(true);
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
    w_i_clear_ = true;
    model_->rst_ni = 1;
    model_->eval();
    model_->rst_ni = 0;  // the falling edge resets asynchronously
    model_->eval();
    model_->rst_ni = 1;
    model_->eval();
  }

  // Two eval() calls per cycle: clock low (Verilator sees the new inputs and, on the next call,
  // the edge), clock high (the registers update). rtl/mac_pe.sv keeps all next-state logic in
  // its always_ff, so the first call evaluates almost nothing.
  void cycle(bool w_shift, std::span<const std::int8_t> weights, std::span<const std::uint8_t> commits,
             std::span<const std::uint8_t> activations) override {
    model_->w_shift_i = w_shift;
    if (w_shift) {
      // Two's-complement codes masked to their width.
      for (int c = 0; c < cols_; ++c) {
        weights_[std::size_t(c)] =
            static_cast<std::uint8_t>(static_cast<std::uint32_t>(weights[std::size_t(c)]) & ((1u << kWeightWidth) - 1));
      }
      write_fields(model_->w_i, std::span<const std::uint8_t>(weights_), kWeightWidth);
    } else if (!w_i_clear_) {
      clear_port(model_->w_i);  // 0 between loads, as the protocol's timing diagram draws it
    }
    w_i_clear_ = !w_shift;
    write_fields(model_->w_commit_i, commits.first(std::size_t(rows_)), 1);
    write_fields(model_->a_i, activations.first(std::size_t(rows_)), kActWidth);
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
      psums[std::size_t(c)] = static_cast<std::int32_t>(raw << (32 - kAccWidth)) >> (32 - kAccWidth);
    }
  }

  std::uint64_t cycles() const override { return cycles_; }

  Waveform waveform() const override {
    if constexpr (std::is_same_v<Trace, VerilatedVcdC>) return Waveform::vcd;
    if constexpr (std::is_same_v<Trace, VerilatedFstC>) return Waveform::fst;
    return Waveform::none;
  }

  void open_trace(const std::string& path) override {
    if constexpr (!kTraced) {
      throw core::InputError("cannot trace to '" + path +
                       "': this model was built without tracing (make it with Waveform::vcd or Waveform::fst)");
    } else {
      if (waveform_for_path(path) != waveform()) {
        throw core::InputError("cannot trace to '" + path + "': this model writes " + to_string(waveform()));
      }
      close_trace();
      trace_ = std::make_unique<Trace>();
      model_->trace(trace_.get(), 99);
      trace_->open(path.c_str());
      if (!trace_->isOpen()) {
        trace_.reset();
        throw core::InputError("cannot write trace file '" + path + "'");
      }
    }
  }

  void close_trace() override {
    if constexpr (kTraced) {
      if (!trace_) return;
      trace_->close();
      trace_.reset();
    }
  }

 private:
  void dump() {
    if constexpr (kTraced) {
      if (trace_) trace_->dump(time_);
      ++time_;  // two time units per cycle: clock low, clock high
    }
  }

  int rows_;
  int cols_;
  VerilatedContext context_;
  std::unique_ptr<Model> model_;
  std::vector<std::uint8_t> weights_;  // w_i codes of the current cycle, masked to their width
  bool w_i_clear_ = true;              // w_i holds 0 (no rewrite needed while no load runs)
  std::unique_ptr<std::conditional_t<kTraced, Trace, int>> trace_;  // unused without tracing
  std::uint64_t cycles_ = 0;
  std::uint64_t time_ = 0;
};

}  // namespace nce::rtl::detail
