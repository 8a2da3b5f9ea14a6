// mac_pe (rtl/mac_pe.sv) at its default widths: 2-bit weight and activation, 16-bit psum.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "Vmac_pe.h"
#include "verilated.h"

namespace {

constexpr int kAccWidth = 16;

// The RTL's arithmetic: two's complement modulo 2^16 (C++20 defines the narrowing as modular).
std::int32_t wrap16(std::int32_t value) { return static_cast<std::int16_t>(static_cast<std::uint16_t>(value)); }

class MacPe : public ::testing::Test {
 protected:
  MacPe() : pe(&context) {
    pe.clk_i = 0;
    pe.rst_ni = 1;
    pe.eval();
    pe.rst_ni = 0;  // the falling edge resets asynchronously
    pe.eval();
    pe.rst_ni = 1;
    pe.eval();
  }
  ~MacPe() override { pe.final(); }

  void tick() {
    pe.clk_i = 0;
    pe.eval();
    pe.clk_i = 1;
    pe.eval();
  }
  void drive(bool shift, int w, bool commit, int a, std::int32_t psum) {
    pe.w_shift_i = shift;
    pe.w_i = static_cast<std::uint8_t>(w & 0x3);
    pe.w_commit_i = commit;
    pe.a_i = static_cast<std::uint8_t>(a);
    pe.psum_i = static_cast<std::uint16_t>(psum);
  }
  std::int32_t psum_out() const { return wrap16(pe.psum_o); }
  int shadow_weight() const { return (pe.w_o & 0x2) ? int(pe.w_o) - 4 : int(pe.w_o); }  // 2-bit two's complement
  // Shifts w into the shadow register, then commits it with a zero activation.
  void load_weight(int w) {
    drive(true, w, false, 0, 0);
    tick();
    drive(false, 0, true, 0, 0);
    tick();
  }

  VerilatedContext context;
  Vmac_pe pe;
};

// psum_i at the accumulator's edges, where wrapping happens, and around zero.
constexpr std::array<std::int32_t, 14> kEdgePsums = {-32768, -32767, -32766, -32765, -32763, -32762, -1,
                                                     0,      1,      32763,  32764,  32765,  32766, 32767};

TEST_F(MacPe, ResetClearsEveryRegister) {
  EXPECT_EQ(pe.psum_o, 0);
  EXPECT_EQ(pe.a_o, 0);
  EXPECT_EQ(pe.w_o, 0);
  EXPECT_EQ(pe.w_commit_o, 0);
}

TEST_F(MacPe, AllSixteenOperandPairsAtEdgePsumsWrapModulo2To16) {
  int checked = 0;
  for (int w = -2; w <= 1; ++w) {
    load_weight(w);
    for (int a = 0; a <= 3; ++a) {
      for (const std::int32_t psum : kEdgePsums) {
        drive(false, 0, false, a, psum);
        tick();
        // e.g. 32767 + 1*3 wraps to -32766, and -32768 + (-2)*3 wraps to 32762.
        ASSERT_EQ(psum_out(), wrap16(psum + w * a)) << "w=" << w << " a=" << a << " psum_i=" << psum;
        ASSERT_EQ(pe.a_o, a);
        ASSERT_EQ(pe.w_commit_o, 0);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 16 * int(kEdgePsums.size()));
}

TEST_F(MacPe, WrapIsTwosComplementAtBothEnds) {
  load_weight(1);
  drive(false, 0, false, 3, 32767);
  tick();
  EXPECT_EQ(psum_out(), -32766);
  load_weight(-2);
  drive(false, 0, false, 3, -32768);
  tick();
  EXPECT_EQ(psum_out(), 32762);
}

TEST_F(MacPe, ShiftedWeightWaitsInTheShadowUntilCommitted) {
  load_weight(1);
  drive(true, -2, false, 0, 0);  // -2 enters the shadow register only
  tick();
  EXPECT_EQ(shadow_weight(), -2);
  for (int i = 0; i < 3; ++i) {  // the active weight holds through cycles without commit
    drive(false, 0, false, 3, 100);
    tick();
    EXPECT_EQ(psum_out(), 100 + 1 * 3);
    EXPECT_EQ(shadow_weight(), -2);
  }
}

TEST_F(MacPe, CommitAppliesTheShadowWeightToTheActivationItArrivesWith) {
  load_weight(1);
  drive(true, -1, false, 0, 0);
  tick();
  drive(false, 0, true, 2, 10);  // the commit cycle already multiplies by the new weight
  tick();
  EXPECT_EQ(psum_out(), 10 + (-1) * 2);
  EXPECT_EQ(pe.w_commit_o, 1);  // the marker moves on to the right neighbour
  drive(false, 0, false, 3, 0);  // and the new weight is held afterwards
  tick();
  EXPECT_EQ(psum_out(), -3);
  EXPECT_EQ(pe.w_commit_o, 0);
}

TEST_F(MacPe, ShadowChainForwardsWeightsDownwardEveryShiftCycle) {
  const std::array<int, 4> sequence = {1, -2, 0, -1};
  for (const int w : sequence) {
    drive(true, w, false, 0, 0);
    tick();
    EXPECT_EQ(shadow_weight(), w);
  }
  drive(false, 1, false, 0, 0);  // without shift the shadow ignores w_i
  tick();
  EXPECT_EQ(shadow_weight(), -1);
}

TEST_F(MacPe, ActivationAndPsumAreRegisteredOneCycle) {
  load_weight(-1);
  drive(false, 0, false, 2, 7);
  pe.clk_i = 0;
  pe.eval();
  EXPECT_EQ(pe.a_o, 0);  // nothing moves before the clock edge
  EXPECT_EQ(psum_out(), 0);
  pe.clk_i = 1;
  pe.eval();
  EXPECT_EQ(pe.a_o, 2);
  EXPECT_EQ(psum_out(), 7 - 2);
}

static_assert(kAccWidth == 16, "the wrap model above assumes the default AccWidth");

}  // namespace
