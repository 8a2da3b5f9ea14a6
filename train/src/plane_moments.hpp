#pragma once
// sum(x) and sum(x * x) over one plane, in kReductionLanes float lanes combined in double. Batch
// norm needs them of its input for every channel; Conv2d computes them of its output while that
// is still in cache (ChannelMoments), with this same function in the same order, so both ways
// give bit-identical statistics.
#include <cstddef>

#include "nce/train/tensor.hpp"

namespace nce::train::detail {

struct PlaneSums {
  double first = 0.0;
  double second = 0.0;
};

inline PlaneSums plane_moments(const float* __restrict x, std::size_t count) {
  constexpr std::size_t kLanes = kReductionLanes;
  float sum[kLanes] = {};
  float sum_sq[kLanes] = {};
  std::size_t p = 0;
  for (; p + kLanes <= count; p += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      sum[l] += x[p + l];
      sum_sq[l] += x[p + l] * x[p + l];
    }
  }
  PlaneSums result;
  for (std::size_t l = 0; l < kLanes; ++l) {
    result.first += sum[l];
    result.second += sum_sq[l];
  }
  for (; p < count; ++p) {
    result.first += x[p];
    result.second += double(x[p]) * x[p];
  }
  return result;
}

}  // namespace nce::train::detail
