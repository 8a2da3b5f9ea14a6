// Build-time profile run of the verilated arrays (NCE_RTL_PGO, rtl/CMakeLists.txt): streams
// random 2-bit GEMM tiles through each fast model, compiled with -fprofile-instr-generate, via the
// same ArrayDriver that `nce verify-rtl`, the tests and `--pe-model rtl` use. The profile it writes
// ($LLVM_PROFILE_FILE) is what the fast models are then compiled with (-fprofile-instr-use). The
// outputs are not checked here: the rtl tests check the models that ship.
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "nce/rtl/array_driver.hpp"
#include "nce/rtl/random_tiles.hpp"
#include "verilated_array.hpp"
#include "nce_rtl_pgo_includes.inc"

namespace {

template <class Model>
void train(int rows, int cols) {
  // ~40,000 cycles per size: enough for the branch weights, which is what the profile adds.
  const int tiles = 40000 / (2 * rows + cols);
  nce::rtl::ArrayDriver driver(std::make_unique<nce::rtl::detail::VerilatedArray<Model, void>>(rows, cols));
  std::mt19937_64 rng(1);
  std::vector<nce::rtl::GemmTile> batch;
  for (int i = 0; i < tiles; ++i) batch.push_back(nce::rtl::random_tile(rng, rows, cols, 2 * rows));
  (void)driver.run(batch);
  std::printf("profiled %dx%d: %llu cycles\n", rows, cols, static_cast<unsigned long long>(driver.cycles()));
}

}  // namespace

int main() {
#define NCE_RTL_PGO_VARIANT(model, rows, cols) train<model>(rows, cols);
#include "nce_rtl_pgo_variants.inc"
#undef NCE_RTL_PGO_VARIANT
  return 0;
}
