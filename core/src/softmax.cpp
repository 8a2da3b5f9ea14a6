#include "nce/core/softmax.hpp"

#include <algorithm>
#include <cmath>

namespace nce::core {
namespace {

template <typename T>
std::vector<double> stable_softmax(std::span<const T> logits) {
  std::vector<double> out(logits.size());
  if (logits.empty()) return out;
  const double top = double(*std::max_element(logits.begin(), logits.end()));
  double norm = 0;
  for (std::size_t j = 0; j < logits.size(); ++j) norm += out[j] = std::exp(double(logits[j]) - top);
  for (double& v : out) v /= norm;
  return out;
}

}  // namespace

std::vector<double> softmax(std::span<const double> logits) { return stable_softmax(logits); }
std::vector<double> softmax(std::span<const float> logits) { return stable_softmax(logits); }

}  // namespace nce::core
