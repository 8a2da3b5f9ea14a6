#include "nce/train/optimizers.hpp"

#include <cmath>
#include <numbers>

namespace nce::train {

double cosine_lr(double base, std::int64_t step, std::int64_t total) {
  if (total <= 0) return base;
  const double t = std::min(1.0, double(step) / double(total));
  return base * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
}

Sgd::Sgd(std::vector<Parameter*> parameters, double momentum, double weight_decay)
    : parameters_(std::move(parameters)), momentum_(momentum), weight_decay_(weight_decay) {
  for (const Parameter* p : parameters_) velocity_.emplace_back(p->value.size(), 0.0f);
}

void Sgd::step(double lr) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Parameter& p = *parameters_[i];
    std::vector<float>& v = velocity_[i];
    const float wd = float(p.weight_decay >= 0.0f ? double(p.weight_decay) : weight_decay_);
    const float mu = float(momentum_);
    const float rate = float(lr);
    for (std::size_t j = 0; j < p.value.size(); ++j) {
      v[j] = mu * v[j] + (p.grad[j] + wd * p.value[j]);
      p.value[j] -= rate * v[j];
    }
  }
}

std::vector<std::vector<float>*> Sgd::state() {
  std::vector<std::vector<float>*> result;
  for (auto& v : velocity_) result.push_back(&v);
  return result;
}

Adam::Adam(std::vector<Parameter*> parameters, double beta1, double beta2, double eps, double weight_decay)
    : parameters_(std::move(parameters)), beta1_(beta1), beta2_(beta2), eps_(eps), weight_decay_(weight_decay) {
  for (const Parameter* p : parameters_) {
    m_.emplace_back(p->value.size(), 0.0f);
    v_.emplace_back(p->value.size(), 0.0f);
  }
}

void Adam::step(double lr) {
  ++steps_;
  const double correction1 = 1.0 - std::pow(beta1_, double(steps_));
  const double correction2 = 1.0 - std::pow(beta2_, double(steps_));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Parameter& p = *parameters_[i];
    const double wd = p.weight_decay >= 0.0f ? double(p.weight_decay) : weight_decay_;
    for (std::size_t j = 0; j < p.value.size(); ++j) {
      const double g = double(p.grad[j]) + wd * p.value[j];
      m_[i][j] = float(beta1_ * m_[i][j] + (1.0 - beta1_) * g);
      v_[i][j] = float(beta2_ * v_[i][j] + (1.0 - beta2_) * g * g);
      const double m_hat = m_[i][j] / correction1;
      const double v_hat = v_[i][j] / correction2;
      p.value[j] -= float(lr * m_hat / (std::sqrt(v_hat) + eps_));
    }
  }
}

std::vector<std::vector<float>*> Adam::state() {
  std::vector<std::vector<float>*> result;
  for (auto& m : m_) result.push_back(&m);
  for (auto& v : v_) result.push_back(&v);
  return result;
}

}  // namespace nce::train
