#pragma once
// Deterministic random numbers: the same seed gives the same numbers on every platform, which
// std::normal_distribution does not promise (its algorithm is implementation-defined).
#include <cstdint>
#include <random>

namespace nce::train {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  double uniform();                    // [0, 1)
  double normal();                     // N(0, 1), Box-Muller
  std::uint64_t below(std::uint64_t n);  // uniform integer in [0, n)
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

// Seeds derived from a run seed and a purpose/epoch, so each epoch's shuffle and augmentation
// depend only on (seed, epoch) and a resumed run replays them exactly.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t index = 0);

}  // namespace nce::train
