#include <gtest/gtest.h>
#include <systemc>

namespace {

// Counts rising clock edges; proves SystemC's kernel links and advances time.
SC_MODULE(EdgeCounter) {
  sc_core::sc_in<bool> clock;
  int edges = 0;

  void on_edge() { ++edges; }

  SC_CTOR(EdgeCounter) {
    SC_METHOD(on_edge);
    sensitive << clock.pos();
    dont_initialize();
  }
};

TEST(SystemcToolchain, TenNanosecondClockGivesOneHundredEdgesInOneMicrosecond) {
  sc_core::sc_clock clock("clock", 10, sc_core::SC_NS);
  EdgeCounter counter("counter");
  counter.clock(clock);
  // The clock's first rising edge is at t = 0; edges at 0, 10, ..., 990 ns fall inside [0, 1000).
  sc_core::sc_start(1000, sc_core::SC_NS);
  EXPECT_EQ(counter.edges, 100);
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::sc_time(1000, sc_core::SC_NS));
}

}  // namespace

int sc_main(int, char*[]) { return 0; }  // SystemC's library expects the symbol; gtest_main drives the test
