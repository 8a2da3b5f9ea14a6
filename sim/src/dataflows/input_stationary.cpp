// Input-stationary (is) in the SystemC array: the fold's im2col inputs are held, the step's
// filters stream (sim/TIMING.md, "Stationary-operand step"). There is no RTL of it: the PE's
// stationary register holds a signed 2-bit weight, not an unsigned activation digit.
#include <memory>

#include "stationary_array.hpp"

namespace nce::sim {
namespace {

const bool registered = ArrayDataflowRegistry::add("is", "input-stationary", [] {
  return std::make_unique<StationaryArray>(/*weights_held=*/false);
});

}  // namespace
}  // namespace nce::sim
