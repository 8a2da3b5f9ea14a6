#pragma once
// Numerically stable softmax, softmax(x)_j = exp(x_j - max x) / sum_i exp(x_i - max x), in
// double precision whatever the input type.
#include <span>
#include <vector>

namespace nce::core {

std::vector<double> softmax(std::span<const double> logits);
std::vector<double> softmax(std::span<const float> logits);

}  // namespace nce::core
