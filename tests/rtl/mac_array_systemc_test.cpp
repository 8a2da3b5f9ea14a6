// The --sc (SystemC) model of a 4x4 mac_array, clocked by sc_clock and driven by a SystemC
// testbench process through the protocol of rtl/mac_array.sv, against nce::workloads::ref.
#include <gtest/gtest.h>

#include <random>
#include <systemc>

#include "Vmac_array_4x4_sc.h"
#include "nce/workloads/reference_model.hpp"

namespace {

constexpr int kRows = 4;
constexpr int kCols = 4;
constexpr int kColumns = 8;  // activation columns streamed
constexpr int kAccWidth = 16;

// Writes inputs at the falling edge so the model samples them at the next rising edge, and
// reads psum_o at the falling edge after it.
SC_MODULE(ArrayBench) {
  sc_core::sc_in<bool> clk;
  sc_core::sc_signal<bool> rst_n{"rst_n"};
  sc_core::sc_signal<bool> w_shift{"w_shift"};
  sc_core::sc_signal<std::uint32_t> w{"w"};
  sc_core::sc_signal<std::uint32_t> w_commit{"w_commit"};
  sc_core::sc_signal<std::uint32_t> a{"a"};
  sc_core::sc_signal<std::uint64_t> psum{"psum"};

  std::int8_t weights[kRows][kCols] = {};
  std::uint8_t x[kRows][kColumns] = {};
  std::int32_t y[kCols][kColumns] = {};
  bool done = false;

  void run() {
    rst_n.write(false);
    wait(clk.negedge_event());
    rst_n.write(true);
    const int t0 = kRows;  // cycles 0..kRows-1 load the weights
    const int end = t0 + kColumns + kRows + kCols - 2;
    for (int t = 0; t < end; ++t) {
      std::uint32_t w_word = 0;
      if (t < kRows) {
        for (int c = 0; c < kCols; ++c) w_word |= (std::uint32_t(weights[kRows - 1 - t][c]) & 0x3u) << (2 * c);
      }
      std::uint32_t a_word = 0;
      std::uint32_t commit_word = 0;
      for (int r = 0; r < kRows; ++r) {
        const int j = t - t0 - r;
        if (j < 0 || j >= kColumns) continue;
        a_word |= std::uint32_t(x[r][j]) << (2 * r);
        if (j == 0) commit_word |= 1u << r;
      }
      w_shift.write(t < kRows);
      w.write(w_word);
      a.write(a_word);
      w_commit.write(commit_word);
      wait(clk.negedge_event());  // the rising edge of cycle t has passed
      for (int c = 0; c < kCols; ++c) {
        const int j = t - (t0 + kRows - 1 + c);
        if (j < 0 || j >= kColumns) continue;
        const auto raw = static_cast<std::uint32_t>((psum.read() >> (kAccWidth * c)) & 0xffffu);
        y[c][j] = static_cast<std::int16_t>(static_cast<std::uint16_t>(raw));
      }
    }
    done = true;
    sc_core::sc_stop();
  }

  SC_CTOR(ArrayBench) {
    SC_THREAD(run);
    sensitive << clk.neg();
  }
};

TEST(MacArraySystemC, ClocksOneTileThroughTheScModelBitExact) {
  sc_core::sc_clock clock("clock", 10, sc_core::SC_NS);
  ArrayBench bench("bench");
  Vmac_array_4x4_sc dut("dut");
  bench.clk(clock);
  dut.clk_i(clock);
  dut.rst_ni(bench.rst_n);
  dut.w_shift_i(bench.w_shift);
  dut.w_i(bench.w);
  dut.w_commit_i(bench.w_commit);
  dut.a_i(bench.a);
  dut.psum_o(bench.psum);

  std::mt19937_64 rng(4);
  nce::workloads::ref::Filters filters(kCols, kRows, 1, 1);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      bench.weights[r][c] = static_cast<std::int8_t>(std::uniform_int_distribution<int>(-2, 1)(rng));
      filters.at(c, r, 0, 0) = bench.weights[r][c];
    }
  }
  for (auto& row : bench.x) {
    for (auto& v : row) v = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 3)(rng));
  }

  sc_core::sc_start(1, sc_core::SC_US);
  ASSERT_TRUE(bench.done);
  // 1 reset cycle + load 4 + 8 columns + fill/drain 6 = 19 cycles of 10 ns.
  EXPECT_LT(sc_core::sc_time_stamp(), sc_core::sc_time(200, sc_core::SC_NS));

  for (int j = 0; j < kColumns; ++j) {
    nce::workloads::ref::FeatureMap column(kRows, 1, 1);
    for (int r = 0; r < kRows; ++r) column.at(r, 0, 0) = bench.x[r][j];
    const std::vector<std::int32_t> expected = nce::workloads::ref::fully_connected(column, filters);
    for (int c = 0; c < kCols; ++c) EXPECT_EQ(bench.y[c][j], expected[std::size_t(c)]) << "c=" << c << " j=" << j;
  }
}

}  // namespace

int sc_main(int, char*[]) { return 0; }  // SystemC's library expects the symbol; gtest_main drives the test
