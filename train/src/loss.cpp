// Softmax cross-entropy over the batch.
#include "nce/train/layers.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nce::train {

LossResult softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels, Tensor& dlogits) {
  const int classes = int(logits.image_size());
  if (labels.size() != std::size_t(logits.n)) throw std::invalid_argument("cross entropy: label count differs from batch");
  dlogits.resize(logits.n, logits.c, logits.h, logits.w);
  LossResult result;
  const float inv_n = 1.0f / float(logits.n);
  for (int i = 0; i < logits.n; ++i) {
    const float* z = logits.image(i);
    float* dz = dlogits.image(i);
    const int label = labels[std::size_t(i)];
    if (label < 0 || label >= classes) throw std::invalid_argument("cross entropy: label outside the classes");
    const float top = *std::max_element(z, z + classes);
    double sum = 0.0;
    for (int j = 0; j < classes; ++j) sum += std::exp(double(z[j] - top));
    const double log_sum = std::log(sum) + top;
    result.loss += log_sum - z[label];
    int best = 0;
    for (int j = 0; j < classes; ++j) {
      dz[j] = float(std::exp(double(z[j]) - log_sum)) * inv_n;
      if (z[j] > z[best]) best = j;
    }
    dz[label] -= inv_n;
    if (best == label) ++result.correct;
  }
  result.loss /= logits.n;
  return result;
}

}  // namespace nce::train
