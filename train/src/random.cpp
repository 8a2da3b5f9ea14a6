#include "nce/train/random.hpp"

#include <cmath>
#include <numbers>

namespace nce::train {

double Rng::uniform() { return double(engine_() >> 11) * (1.0 / 9007199254740992.0); }

double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t Rng::below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  // SplitMix64 finaliser over the combined words: well-mixed, cheap, portable.
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1) + 0xBF58476D1CE4E5B9ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace nce::train
