#pragma once
// Expected hardware cost of a channel-width search space and its gradient (docs/NCE.md §3).
//
// Every searchable layer owns a width decision with candidate widths c_1 < ... < c_n and a
// probability vector pi over them. Layer l costs T_l[i][j] with input candidate i (from the
// decision that produces its input) and output candidate j (its own decision). Then
//   E = sum_l pi_in(l)^T T_l pi_out(l),
// exact when the two decisions are independent, with
//   dE/dpi_d = sum_{l: out(l)=d} T_l^T pi_in(l) + sum_{l: in(l)=d} T_l pi_out(l).
// A layer whose input and output follow the same decision (tied channels) costs
// sum_j pi_j T_l[j][j]. When T holds MACs this reproduces TAS's expected FLOPs
// k^2 H W E[c_in] E[c_out], because MACs are bilinear in the widths.
#include <Eigen/Core>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "nce/cost_models/cost_table.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::search {

struct WidthDecision {
  std::string layer;        // the searchable layer that owns it
  std::vector<int> widths;  // candidate output widths, ascending
};

// Which decision sets each layer's input and output width (-1: fixed at the workload's value).
struct WidthBinding {
  std::vector<WidthDecision> decisions;
  std::vector<int> in_decision;   // per workload layer
  std::vector<int> out_decision;  // per workload layer
};

// Binds candidate widths (by layer name) to a workload. A layer's input decision is the one
// that sets the width of its producer; pools pass widths through, and an add passes on its
// first (main-branch) input's width — TAS's simplification for residual joins. A 1x1
// projection shortcut that is not itself searchable is tied to the decision of the add's
// main branch, since the add needs equal widths. Throws InputError for unknown or
// non-searchable layers, empty or non-ascending candidate lists.
WidthBinding bind_widths(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates);

// Cost of workload layer `layer` with `in_channels` input and `out_channels` output channels.
using LayerCostFunction = std::function<double(std::size_t layer, int in_channels, int out_channels)>;

// T_l for every layer with weights: rows = input candidates (1 when fixed), columns = output
// candidates (1 when fixed).
struct CostTerm {
  std::size_t layer = 0;
  int in_decision = -1;
  int out_decision = -1;
  Eigen::MatrixXd table;
};

std::vector<CostTerm> build_cost_terms(const workloads::Workload& workload, const WidthBinding& binding,
                                       const LayerCostFunction& cost);

// The cost-table specs of every conv/fc layer of `workload`: the candidates of the decisions
// that set its input and output widths (one entry each where fixed). Spec i prices workload
// layer specs[i].layer.
std::vector<cost_models::LayerTableSpec> table_specs(const workloads::Workload& workload, const WidthBinding& binding);

// The expected-cost terms of a table built from table_specs(workload, binding), for one metric.
std::vector<CostTerm> cost_terms(const cost_models::CostTable& table, const WidthBinding& binding,
                                 cost_models::CostMetric metric);

// MACs of a conv/fc layer at the given widths (the FLOPs cost of the paper).
LayerCostFunction macs_cost(const workloads::Workload& workload);

struct ExpectedCostResult {
  double value = 0;
  std::vector<Eigen::VectorXd> gradient;  // one per decision
};

class ExpectedCost {
 public:
  ExpectedCost(std::vector<int> decision_sizes, std::vector<CostTerm> terms);

  // Expected cost under per-decision probabilities and its gradient with respect to them.
  ExpectedCostResult evaluate(const std::vector<Eigen::VectorXd>& probabilities) const;
  // Same with pi = softmax(logits); the gradient is with respect to the logits.
  ExpectedCostResult evaluate_logits(const std::vector<Eigen::VectorXd>& logits) const;
  // Cost of one architecture: candidate index per decision.
  double cost_of(const std::vector<int>& choice) const;

  const std::vector<CostTerm>& terms() const { return terms_; }

 private:
  std::vector<int> decision_sizes_;
  std::vector<CostTerm> terms_;
};

}  // namespace nce::search
