#pragma once
// Random GEMM tiles for RTL verification (tests and `nce verify-rtl` share them).
#include <random>

#include "nce/rtl/array_driver.hpp"

namespace nce::rtl {

// A tile of random shape (k in [1, rows], m in [1, cols], n in [1, max_n]) and random codes;
// one tile in four is full-size, and one in eight holds only extreme codes (w = -2 or 1,
// a = 3) so that partial sums reach the accumulator's bounds, -6k and 3k.
GemmTile random_tile(std::mt19937_64& rng, int rows, int cols, int max_n);

}  // namespace nce::rtl
