#include "nce/search/expected_cost.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nce/core/input_error.hpp"
#include "nce/core/softmax.hpp"

namespace nce::search {
namespace {

int index_of(const workloads::Workload& workload, const std::string& name) {
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (workload.layers[i].name == name) return int(i);
  }
  return -1;
}

}  // namespace

WidthBinding bind_widths(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates) {
  const std::size_t count = workload.layers.size();
  WidthBinding binding;
  binding.in_decision.assign(count, -1);
  binding.out_decision.assign(count, -1);
  for (const auto& [name, widths] : candidates) {
    const int at = index_of(workload, name);
    if (at < 0) throw core::InputError(fmt::format("width candidates: workload '{}' has no layer '{}'", workload.name, name));
    const workloads::Layer& layer = workload.layers[at];
    if (!layer.searchable || !layer.has_weights()) {
      throw core::InputError(fmt::format("width candidates: layer '{}' is not searchable", name));
    }
    if (widths.empty() || widths.front() <= 0 || !std::is_sorted(widths.begin(), widths.end()) ||
        std::adjacent_find(widths.begin(), widths.end()) != widths.end()) {
      throw core::InputError(fmt::format("width candidates of '{}' must be positive and strictly ascending", name));
    }
    binding.out_decision[at] = int(binding.decisions.size());
    binding.decisions.push_back({name, widths});
  }
  // Width each layer's output carries (-1: fixed); layers are in topological order.
  std::vector<int> carried(count, -1);
  for (std::size_t i = 0; i < count; ++i) {
    const workloads::Layer& layer = workload.layers[i];
    const int producer = layer.inputs.empty() ? -1 : index_of(workload, layer.inputs.front());
    binding.in_decision[i] = producer < 0 ? -1 : carried[producer];
    switch (layer.type) {
      case workloads::LayerType::conv:
      case workloads::LayerType::fc: carried[i] = binding.out_decision[i]; break;
      case workloads::LayerType::pool:
      case workloads::LayerType::add: carried[i] = binding.in_decision[i]; break;
    }
  }
  // Projection shortcuts follow the width of the add's main branch.
  for (std::size_t i = 0; i < count; ++i) {
    const workloads::Layer& add = workload.layers[i];
    if (add.type != workloads::LayerType::add || add.inputs.size() != 2) continue;
    const int main_branch = carried[index_of(workload, add.inputs[0])];
    const int side = index_of(workload, add.inputs[1]);
    const workloads::Layer& shortcut = workload.layers[side];
    if (main_branch >= 0 && shortcut.type == workloads::LayerType::conv && binding.out_decision[side] < 0) {
      binding.out_decision[side] = main_branch;
    }
  }
  return binding;
}

std::vector<CostTerm> build_cost_terms(const workloads::Workload& workload, const WidthBinding& binding,
                                       const LayerCostFunction& cost) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::vector<CostTerm> terms;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (!workload.layers[i].has_weights()) continue;
    CostTerm term;
    term.layer = i;
    term.in_decision = binding.in_decision[i];
    term.out_decision = binding.out_decision[i];
    const std::vector<int> in_widths =
        term.in_decision < 0 ? std::vector<int>{infos[i].in.channels} : binding.decisions[term.in_decision].widths;
    const std::vector<int> out_widths =
        term.out_decision < 0 ? std::vector<int>{infos[i].out.channels} : binding.decisions[term.out_decision].widths;
    term.table.resize(Eigen::Index(in_widths.size()), Eigen::Index(out_widths.size()));
    for (std::size_t a = 0; a < in_widths.size(); ++a) {
      for (std::size_t b = 0; b < out_widths.size(); ++b) {
        // A tied layer only ever sees equal choices; the off-diagonal entries are never used.
        const bool tied = term.in_decision >= 0 && term.in_decision == term.out_decision;
        term.table(Eigen::Index(a), Eigen::Index(b)) = (tied && a != b) ? 0.0 : cost(i, in_widths[a], out_widths[b]);
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<cost_models::LayerTableSpec> table_specs(const workloads::Workload& workload, const WidthBinding& binding) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::vector<cost_models::LayerTableSpec> specs;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (!workload.layers[i].has_weights()) continue;
    const int in_d = binding.in_decision.at(i), out_d = binding.out_decision.at(i);
    specs.push_back(cost_models::layer_table_spec(
        workload, infos, i, in_d < 0 ? std::vector<int>{infos[i].in.channels} : binding.decisions[std::size_t(in_d)].widths,
        out_d < 0 ? std::vector<int>{infos[i].out.channels} : binding.decisions[std::size_t(out_d)].widths));
  }
  return specs;
}

std::vector<CostTerm> cost_terms(const cost_models::CostTable& table, const WidthBinding& binding,
                                 cost_models::CostMetric metric) {
  std::vector<CostTerm> out;
  for (const cost_models::LayerCostTable& layer : table.layers) {
    CostTerm term;
    term.layer = layer.layer;
    term.in_decision = binding.in_decision.at(layer.layer);
    term.out_decision = binding.out_decision.at(layer.layer);
    term.table.resize(Eigen::Index(layer.in_widths.size()), Eigen::Index(layer.out_widths.size()));
    for (std::size_t i = 0; i < layer.in_widths.size(); ++i) {
      for (std::size_t j = 0; j < layer.out_widths.size(); ++j) {
        term.table(Eigen::Index(i), Eigen::Index(j)) = layer.at(i, j).metric(metric);
      }
    }
    out.push_back(std::move(term));
  }
  return out;
}

LayerCostFunction macs_cost(const workloads::Workload& workload) {
  // The function outlives the call: keep copies of what it reads.
  std::vector<workloads::LayerInfo> infos = analyze(workload);
  return [layers = workload.layers, infos = std::move(infos)](std::size_t layer, int in_channels, int out_channels) -> double {
    const workloads::Layer& l = layers.at(layer);
    const workloads::LayerInfo& info = infos[layer];
    if (l.type == workloads::LayerType::fc) {
      return double(in_channels) * info.in.height * info.in.width * out_channels;
    }
    if (l.type != workloads::LayerType::conv) return 0.0;
    return double(l.kernel_h) * l.kernel_w * info.out.height * info.out.width * (double(in_channels) / l.groups) *
           out_channels;
  };
}

ExpectedCost::ExpectedCost(std::vector<int> decision_sizes, std::vector<CostTerm> terms)
    : decision_sizes_(std::move(decision_sizes)), terms_(std::move(terms)) {
  for (const CostTerm& term : terms_) {
    const Eigen::Index rows = term.in_decision < 0 ? 1 : decision_sizes_.at(term.in_decision);
    const Eigen::Index cols = term.out_decision < 0 ? 1 : decision_sizes_.at(term.out_decision);
    if (term.table.rows() != rows || term.table.cols() != cols) {
      throw core::InputError(fmt::format("cost table of layer {} is {}x{}, its decisions need {}x{}", term.layer,
                                   term.table.rows(), term.table.cols(), rows, cols));
    }
  }
}

ExpectedCostResult ExpectedCost::evaluate(const std::vector<Eigen::VectorXd>& probabilities) const {
  if (probabilities.size() != decision_sizes_.size()) {
    throw core::InputError(fmt::format("expected cost: {} probability vectors for {} decisions", probabilities.size(),
                                 decision_sizes_.size()));
  }
  ExpectedCostResult result;
  for (std::size_t d = 0; d < decision_sizes_.size(); ++d) {
    if (probabilities[d].size() != decision_sizes_[d]) {
      throw core::InputError(fmt::format("expected cost: decision {} has {} candidates, got {} probabilities", d,
                                   decision_sizes_[d], probabilities[d].size()));
    }
    result.gradient.push_back(Eigen::VectorXd::Zero(decision_sizes_[d]));
  }
  const Eigen::VectorXd fixed = Eigen::VectorXd::Ones(1);
  for (const CostTerm& term : terms_) {
    if (term.in_decision >= 0 && term.in_decision == term.out_decision) {
      const Eigen::VectorXd diagonal = term.table.diagonal();
      result.value += probabilities[term.in_decision].dot(diagonal);
      result.gradient[term.in_decision] += diagonal;
      continue;
    }
    const Eigen::VectorXd& p_in = term.in_decision < 0 ? fixed : probabilities[term.in_decision];
    const Eigen::VectorXd& p_out = term.out_decision < 0 ? fixed : probabilities[term.out_decision];
    const Eigen::VectorXd table_p_out = term.table * p_out;
    result.value += p_in.dot(table_p_out);
    if (term.in_decision >= 0) result.gradient[term.in_decision] += table_p_out;
    if (term.out_decision >= 0) result.gradient[term.out_decision] += term.table.transpose() * p_in;
  }
  return result;
}

ExpectedCostResult ExpectedCost::evaluate_logits(const std::vector<Eigen::VectorXd>& logits) const {
  std::vector<Eigen::VectorXd> probabilities;
  probabilities.reserve(logits.size());
  for (const auto& l : logits) {
    const std::vector<double> p = core::softmax(std::span<const double>(l.data(), std::size_t(l.size())));
    probabilities.push_back(Eigen::Map<const Eigen::VectorXd>(p.data(), Eigen::Index(p.size())));
  }
  ExpectedCostResult result = evaluate(probabilities);
  // Softmax Jacobian: dE/dtheta = pi .* (g - pi . g).
  for (std::size_t d = 0; d < logits.size(); ++d) {
    const Eigen::VectorXd& p = probabilities[d];
    const double mean = p.dot(result.gradient[d]);
    result.gradient[d] = (p.array() * (result.gradient[d].array() - mean)).matrix();
  }
  return result;
}

double ExpectedCost::cost_of(const std::vector<int>& choice) const {
  std::vector<Eigen::VectorXd> one_hot;
  for (std::size_t d = 0; d < decision_sizes_.size(); ++d) {
    Eigen::VectorXd p = Eigen::VectorXd::Zero(decision_sizes_[d]);
    p(choice.at(d)) = 1.0;
    one_hot.push_back(std::move(p));
  }
  return evaluate(one_hot).value;
}

}  // namespace nce::search
