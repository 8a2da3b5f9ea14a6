#include <gtest/gtest.h>

#include "Vtoolchain_counter.h"
#include "verilated.h"

namespace {

void tick(Vtoolchain_counter& dut) {
  dut.clk_i = 0;
  dut.eval();
  dut.clk_i = 1;
  dut.eval();
}

TEST(VerilatorToolchain, CounterCountsEnabledEdgesAndWrapsAtFourBits) {
  VerilatedContext context;
  Vtoolchain_counter dut(&context);
  dut.rst_ni = 0;
  dut.en_i = 0;
  dut.eval();
  dut.rst_ni = 1;
  EXPECT_EQ(dut.count_o, 0);
  dut.en_i = 1;
  for (int i = 0; i < 5; ++i) tick(dut);
  EXPECT_EQ(dut.count_o, 5);
  dut.en_i = 0;
  tick(dut);
  EXPECT_EQ(dut.count_o, 5);
  dut.en_i = 1;
  for (int i = 0; i < 12; ++i) tick(dut);
  EXPECT_EQ(dut.count_o, (5 + 12) % 16);
  dut.final();
}

}  // namespace
