#include "nce/rtl/random_tiles.hpp"

namespace nce::rtl {

GemmTile random_tile(std::mt19937_64& rng, int rows, int cols, int max_n) {
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  GemmTile tile;
  const bool full = uniform(0, 3) == 0;
  tile.k = full ? rows : uniform(1, rows);
  tile.m = full ? cols : uniform(1, cols);
  tile.n = uniform(1, max_n);
  const bool extreme = uniform(0, 7) == 0;
  const int extreme_weight = uniform(0, 1) == 0 ? -2 : 1;
  tile.weights.resize(std::size_t(tile.k) * tile.m);
  tile.activations.resize(std::size_t(tile.k) * tile.n);
  for (auto& w : tile.weights) w = static_cast<std::int8_t>(extreme ? extreme_weight : uniform(-2, 1));
  for (auto& a : tile.activations) a = static_cast<std::uint8_t>(extreme ? 3 : uniform(0, 3));
  return tile;
}

}  // namespace nce::rtl
