#pragma once
// Expected hardware cost of a channel-width search space and its gradient (docs/NCE.md section 3).
//
// Every searchable layer owns a width decision with candidate widths c_1 < ... < c_n and a
// probability vector pi over them. A layer's output width is its own decision's choice (or
// fixed); its input width is a WidthSource: the largest of a fixed width and the choices of a
// set of decisions. One decision is the common case (the producer's); more arise behind prefix
// joins, whose output is as wide as their widest input (workloads::Join::prefix). With the
// decisions independent, the input width's distribution follows from the candidates' CDFs:
//   P(in <= w) = [w >= fixed] * prod_{d in S} F_d(w),   F_d(w) = sum_{j: c_dj <= w} pi_dj,
// and layer l costs E_l = sum_k P(in = w_k) * (T_l pi_out(l))_k over the source's support w_k.
// For a single-decision source this is TAS's pi_in^T T pi_out; when T holds MACs it reproduces
// TAS's expected FLOPs k^2 H W E[c_in] E[c_out], because MACs are bilinear in the widths. The
// gradient with respect to every pi is exact (tests/search/expected_cost_test.cpp checks it
// against finite differences). A layer whose input and output follow the same single decision
// (tied channels) costs sum_j pi_j T_l[j][j].
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

// A width: the largest of `fixed` (0: none) and the chosen widths of `decisions`.
struct WidthSource {
  std::vector<int> decisions;  // ascending, unique
  int fixed = 0;
  bool single() const { return decisions.size() == 1 && fixed == 0; }
  // Every width the source can take, ascending.
  std::vector<int> support(const std::vector<WidthDecision>& all) const;
  // The width under `choice` (a candidate index per decision).
  int width(const std::vector<WidthDecision>& all, const std::vector<int>& choice) const;
  bool operator==(const WidthSource&) const = default;
};

// How the derived network joins a residual block whose widths differ (docs/NCE.md section 6).
enum class JoinMode {
  prefix,           // the supernet's own join: the narrower added into the first channels, no MACs
  projection_w8a8,  // TAS's derivation: a 1x1 projection on the identity path, W8A8 (20 digit passes)
  projection_w2a2,  // the same projection at the array's native 2 bits
};
std::string_view to_string(JoinMode mode);
JoinMode join_mode_from_string(std::string_view text);  // prefix, projection-w8a8, projection-w2a2

// Where the derivation of a projection-joined network puts a 1x1 projection: on the identity
// input of add `layer`, from the shortcut's width to the main branch's.
struct Projection {
  std::size_t layer = 0;  // the add
  WidthSource from;
  int to_decision = -1;  // the main branch's decision (-1: fixed at `to_fixed`)
  int to_fixed = 0;
};

struct WidthBinding {
  JoinMode join = JoinMode::prefix;
  std::vector<WidthDecision> decisions;
  std::vector<WidthSource> in;    // per workload layer: the width of its (first) input
  std::vector<int> out_decision;  // per workload layer: the decision setting its output (-1: fixed)
  std::vector<Projection> projections;  // projection joins only
};

// Binds candidate widths (by layer name) to a workload under a join mode. Pools pass widths
// through. Prefix joins carry the largest of their inputs (a WidthSource over both). Projection
// joins carry the main branch's (first input's) width, as TAS derives them: a fixed-width conv on
// the shortcut (a 1x1 projection, or the stem feeding the first block) is resized to the main
// branch, so it follows that decision, and an identity shortcut gets a Projection. Throws
// InputError for unknown or non-searchable layers, empty or non-ascending candidate lists.
WidthBinding bind_widths(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                         JoinMode join = JoinMode::prefix);

// Cost of workload layer `layer` with `in_channels` input and `out_channels` output channels.
using LayerCostFunction = std::function<double(std::size_t layer, int in_channels, int out_channels)>;

// T_l for every layer with weights (and every projection of a projection join): rows = the
// input source's support, columns = the output decision's candidates (one when fixed).
struct CostTerm {
  std::size_t layer = 0;
  WidthSource in;
  int out_decision = -1;
  std::vector<int> in_widths;  // in.support(), the table's rows
  Eigen::MatrixXd table;
};

std::vector<CostTerm> build_cost_terms(const workloads::Workload& workload, const WidthBinding& binding,
                                       const LayerCostFunction& cost);

// The cost-table specs of every conv/fc layer of `workload` (spec i prices workload layer
// specs[i].layer), followed by one per binding.projections entry.
std::vector<cost_models::LayerTableSpec> table_specs(const workloads::Workload& workload, const WidthBinding& binding);

// The expected-cost terms of a table built from table_specs(workload, binding), for one metric.
// Projection terms cost 0 where the two widths are equal (no projection is inserted there).
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
  ExpectedCost(std::vector<WidthDecision> decisions, std::vector<CostTerm> terms);

  // Expected cost under per-decision probabilities and its gradient with respect to them.
  ExpectedCostResult evaluate(const std::vector<Eigen::VectorXd>& probabilities) const;
  // Same with pi = softmax(logits); the gradient is with respect to the logits.
  ExpectedCostResult evaluate_logits(const std::vector<Eigen::VectorXd>& logits) const;
  // Cost of one architecture: candidate index per decision.
  double cost_of(const std::vector<int>& choice) const;

  const std::vector<CostTerm>& terms() const { return terms_; }

 private:
  std::vector<WidthDecision> decisions_;
  std::vector<CostTerm> terms_;
};

}  // namespace nce::search
