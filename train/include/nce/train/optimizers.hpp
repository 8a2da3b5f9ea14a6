#pragma once
// Optimizers over Parameter lists, with state that checkpoints can save and restore.
#include <cstdint>
#include <vector>

#include "nce/train/tensor.hpp"

namespace nce::train {

// Cosine annealing from `base` to 0 over `total` steps (Loshchilov & Hutter 2017, no restarts).
double cosine_lr(double base, std::int64_t step, std::int64_t total);

// SGD with momentum and L2 weight decay, PyTorch's formulation:
//   v = mu v + (g + wd w);  w -= lr v.
class Sgd {
 public:
  Sgd(std::vector<Parameter*> parameters, double momentum, double weight_decay);
  void step(double lr);
  std::vector<std::vector<float>*> state();  // momentum buffers, parameter order

 private:
  std::vector<Parameter*> parameters_;
  std::vector<std::vector<float>> velocity_;
  double momentum_;
  double weight_decay_;
};

// Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient (as TAS's architecture
// optimizer, torch.optim.Adam's weight_decay).
class Adam {
 public:
  Adam(std::vector<Parameter*> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
       double weight_decay = 0.0);
  void step(double lr);
  std::vector<std::vector<float>*> state();  // first then second moments, parameter order
  std::int64_t steps() const { return steps_; }
  void set_steps(std::int64_t steps) { steps_ = steps; }

 private:
  std::vector<Parameter*> parameters_;
  std::vector<std::vector<float>> m_;
  std::vector<std::vector<float>> v_;
  double beta1_;
  double beta2_;
  double eps_;
  double weight_decay_;
  std::int64_t steps_ = 0;
};

}  // namespace nce::train
