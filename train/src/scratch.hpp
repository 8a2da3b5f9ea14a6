#pragma once
// Per-thread scratch buffers of the convolutions: grown once to the largest size asked for and
// reused, so the hot loops do not allocate.
#include <cstddef>
#include <vector>

namespace nce::train::detail {

inline float* grow(std::vector<float>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

}  // namespace nce::train::detail
