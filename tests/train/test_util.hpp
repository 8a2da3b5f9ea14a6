#pragma once
// Helpers shared by the search tests: random tensors and finite differences.
#include <functional>

#include "nce/train/random.hpp"
#include "nce/train/tensor.hpp"

namespace nce::train::testing {

inline Tensor random_tensor(int n, int c, int h, int w, std::uint64_t seed, float scale = 1.0f) {
  Tensor t(n, c, h, w);
  Rng rng(seed);
  for (float& v : t.data) v = float(rng.normal()) * scale;
  return t;
}

// Scalar loss L = sum(out * weights): its gradient w.r.t. out is `weights`.
inline double weighted_sum(const Tensor& out, const Tensor& weights) {
  double sum = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) sum += double(out.data[i]) * weights.data[i];
  return sum;
}

// Central difference of `loss` w.r.t. values[i].
inline double numeric_derivative(std::vector<float>& values, std::size_t i, const std::function<double()>& loss,
                                 float eps = 1e-2f) {
  const float saved = values[i];
  values[i] = saved + eps;
  const double plus = loss();
  values[i] = saved - eps;
  const double minus = loss();
  values[i] = saved;
  return (plus - minus) / (2.0 * double(eps));
}

}  // namespace nce::train::testing
