#pragma once
// NCHW float tensors and trainable parameters of the engine.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace nce::train {

// Below this many elements a loop runs on one thread: waking the second core costs more than
// the work (and on a loaded machine a parallel region can wait a whole scheduler slice).
constexpr std::size_t kParallelElements = 1 << 14;

// Float reductions sum in this many independent lanes, combined in double afterwards: the
// compiler vectorizes that without reassociating (so results stay deterministic).
constexpr std::size_t kReductionLanes = 16;

struct Tensor {
  int n = 0;
  int c = 0;
  int h = 0;
  int w = 0;
  std::vector<float> data;

  Tensor() = default;
  Tensor(int n_, int c_, int h_, int w_) : n(n_), c(c_), h(h_), w(w_), data(std::size_t(n_) * c_ * h_ * w_, 0.0f) {}
  // Reshapes, reusing the buffer (no allocation once it has grown to the largest batch).
  void resize(int n_, int c_, int h_, int w_) {
    n = n_;
    c = c_;
    h = h_;
    w = w_;
    data.resize(std::size_t(n_) * c_ * h_ * w_);
  }
  void zero() { std::fill(data.begin(), data.end(), 0.0f); }
  std::size_t size() const { return data.size(); }
  std::size_t image_size() const { return std::size_t(c) * h * w; }
  float* image(int i) { return data.data() + std::size_t(i) * image_size(); }
  const float* image(int i) const { return data.data() + std::size_t(i) * image_size(); }
  float& at(int i, int ch, int y, int x) { return data[((std::size_t(i) * c + ch) * h + y) * w + x]; }
  float at(int i, int ch, int y, int x) const { return data[((std::size_t(i) * c + ch) * h + y) * w + x]; }
};

// A trainable tensor with its gradient. `weight_decay` < 0 means "the optimizer's default";
// PACT's clip uses its own coefficient (docs/NCE.md section 1).
struct Parameter {
  std::string name;
  std::vector<float> value;
  std::vector<float> grad;
  float weight_decay = -1.0f;

  Parameter() = default;
  Parameter(std::string name_, std::size_t size, float decay = -1.0f)
      : name(std::move(name_)), value(size, 0.0f), grad(size, 0.0f), weight_decay(decay) {}
  void zero_grad() { std::fill(grad.begin(), grad.end(), 0.0f); }
};

// State that is saved with a checkpoint but not trained (BN running statistics).
struct Buffer {
  std::string name;
  std::vector<float>* values = nullptr;
};

}  // namespace nce::train
