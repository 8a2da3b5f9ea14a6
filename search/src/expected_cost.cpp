#include "nce/search/expected_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

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

WidthSource fixed_width(int width) { return WidthSource{{}, width}; }
WidthSource one_decision(int decision) { return WidthSource{{decision}, 0}; }

// The largest of two sources.
WidthSource join_max(const WidthSource& a, const WidthSource& b) {
  WidthSource out;
  std::set_union(a.decisions.begin(), a.decisions.end(), b.decisions.begin(), b.decisions.end(),
                 std::back_inserter(out.decisions));
  out.fixed = std::max(a.fixed, b.fixed);
  return out;
}

int index_in(const std::vector<int>& sorted, int value) {
  return int(std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin());
}

}  // namespace

std::vector<int> WidthSource::support(const std::vector<WidthDecision>& all) const {
  std::set<int> widths;
  if (fixed > 0) widths.insert(fixed);
  for (int d : decisions) {
    for (int w : all.at(std::size_t(d)).widths) widths.insert(std::max(w, fixed));
  }
  return {widths.begin(), widths.end()};
}

int WidthSource::width(const std::vector<WidthDecision>& all, const std::vector<int>& choice) const {
  int w = fixed;
  for (int d : decisions) w = std::max(w, all.at(std::size_t(d)).widths.at(std::size_t(choice.at(std::size_t(d)))));
  return w;
}

std::string_view to_string(JoinMode mode) {
  switch (mode) {
    case JoinMode::prefix: return "prefix";
    case JoinMode::projection_w8a8: return "projection-w8a8";
    case JoinMode::projection_w2a2: return "projection-w2a2";
  }
  return "?";
}

JoinMode join_mode_from_string(std::string_view text) {
  for (JoinMode mode : {JoinMode::prefix, JoinMode::projection_w8a8, JoinMode::projection_w2a2}) {
    if (to_string(mode) == text) return mode;
  }
  throw core::InputError(fmt::format("unknown join '{}' (expected prefix, projection-w8a8 or projection-w2a2)", text));
}

WidthBinding bind_widths(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                         JoinMode join) {
  const std::size_t count = workload.layers.size();
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  WidthBinding binding;
  binding.join = join;
  binding.out_decision.assign(count, -1);
  for (const auto& [name, widths] : candidates) {
    const int at = index_of(workload, name);
    if (at < 0) {
      throw core::InputError(fmt::format("width candidates: workload '{}' has no layer '{}'", workload.name, name));
    }
    const workloads::Layer& layer = workload.layers[std::size_t(at)];
    if (!layer.searchable || !layer.has_weights()) {
      throw core::InputError(fmt::format("width candidates: layer '{}' is not searchable", name));
    }
    if (widths.empty() || widths.front() <= 0 || !std::is_sorted(widths.begin(), widths.end()) ||
        std::adjacent_find(widths.begin(), widths.end()) != widths.end()) {
      throw core::InputError(fmt::format("width candidates of '{}' must be positive and strictly ascending", name));
    }
    binding.out_decision[std::size_t(at)] = int(binding.decisions.size());
    binding.decisions.push_back({name, widths});
  }
  const bool projection = join != JoinMode::prefix;
  // The width each layer's output carries, in topological order. Projection joins tie a
  // fixed-width shortcut conv to its add's main branch, which can sit later in the order than the
  // conv's consumers (the stem feeds the first block's conv_a): iterate until nothing changes.
  std::vector<WidthSource> carried(count);
  std::vector<int> tied(count, -1);
  for (bool changed = true; changed;) {
    changed = false;
    binding.in.assign(count, WidthSource{});
    for (std::size_t i = 0; i < count; ++i) {
      const workloads::Layer& layer = workload.layers[i];
      const int producer = layer.inputs.empty() ? -1 : index_of(workload, layer.inputs.front());
      binding.in[i] = producer < 0 ? fixed_width(infos[i].in.channels) : carried[std::size_t(producer)];
      switch (layer.type) {
        case workloads::LayerType::conv:
        case workloads::LayerType::fc: {
          const int d = binding.out_decision[i] >= 0 ? binding.out_decision[i] : tied[i];
          carried[i] = d >= 0 ? one_decision(d) : fixed_width(infos[i].out.channels);
          break;
        }
        case workloads::LayerType::pool: carried[i] = binding.in[i]; break;
        case workloads::LayerType::add: {
          const int other = layer.inputs.size() == 2 ? index_of(workload, layer.inputs[1]) : -1;
          if (projection || other < 0) {
            carried[i] = binding.in[i];  // the main branch's width
          } else {
            carried[i] = join_max(binding.in[i], carried[std::size_t(other)]);
          }
          break;
        }
      }
    }
    if (!projection) break;
    for (std::size_t i = 0; i < count; ++i) {
      const workloads::Layer& add = workload.layers[i];
      if (add.type != workloads::LayerType::add || add.inputs.size() != 2) continue;
      const std::size_t side = std::size_t(index_of(workload, add.inputs[1]));
      const workloads::Layer& shortcut = workload.layers[side];
      const WidthSource& main = binding.in[i];
      if (shortcut.type != workloads::LayerType::conv || shortcut.searchable || !main.single()) continue;
      if (tied[side] != main.decisions.front()) {
        tied[side] = main.decisions.front();
        changed = true;
      }
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (binding.out_decision[i] < 0 && tied[i] >= 0) binding.out_decision[i] = tied[i];
  }
  if (projection) {
    // Identity shortcuts whose width can differ from the main branch's get a projection.
    for (std::size_t i = 0; i < count; ++i) {
      const workloads::Layer& add = workload.layers[i];
      if (add.type != workloads::LayerType::add || add.inputs.size() != 2) continue;
      const std::size_t side = std::size_t(index_of(workload, add.inputs[1]));
      if (workload.layers[side].type == workloads::LayerType::conv) continue;
      const WidthSource& main = binding.in[i];
      const WidthSource& from = carried[side];
      if (main == from) continue;  // always equal: nothing to project
      Projection p;
      p.layer = i;
      p.from = from;
      if (main.single()) {
        p.to_decision = main.decisions.front();
      } else if (main.decisions.empty()) {
        p.to_fixed = main.fixed;
      } else {
        throw std::logic_error("projection join: a main branch carries several decisions");
      }
      binding.projections.push_back(p);
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
    term.in = binding.in[i];
    term.out_decision = binding.out_decision[i];
    term.in_widths = term.in.support(binding.decisions);
    const std::vector<int> out_widths = term.out_decision < 0 ? std::vector<int>{infos[i].out.channels}
                                                              : binding.decisions[std::size_t(term.out_decision)].widths;
    // A tied layer only ever sees equal choices; the off-diagonal entries are never used.
    const bool tied = term.in.single() && term.in.decisions.front() == term.out_decision;
    term.table.resize(Eigen::Index(term.in_widths.size()), Eigen::Index(out_widths.size()));
    for (std::size_t a = 0; a < term.in_widths.size(); ++a) {
      for (std::size_t b = 0; b < out_widths.size(); ++b) {
        term.table(Eigen::Index(a), Eigen::Index(b)) = (tied && a != b) ? 0.0 : cost(i, term.in_widths[a], out_widths[b]);
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<cost_models::LayerTableSpec> table_specs(const workloads::Workload& workload, const WidthBinding& binding) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::vector<cost_models::LayerTableSpec> specs;
  auto out_widths = [&](int decision, int fixed) {
    return decision < 0 ? std::vector<int>{fixed} : binding.decisions[std::size_t(decision)].widths;
  };
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (!workload.layers[i].has_weights()) continue;
    specs.push_back(cost_models::layer_table_spec(workload, infos, i, binding.in[i].support(binding.decisions),
                                                  out_widths(binding.out_decision[i], infos[i].out.channels)));
  }
  // The 1x1 projections a projection join inserts, at the join's precision, on the add's map.
  for (const Projection& p : binding.projections) {
    const workloads::Layer& add = workload.layers[p.layer];
    cost_models::LayerTableSpec spec;
    spec.name = add.name + ".proj";
    spec.layer = p.layer;
    spec.geometry.name = spec.name;
    spec.geometry.type = workloads::LayerType::conv;
    spec.geometry.precision = binding.join == JoinMode::projection_w2a2 ? workloads::Precision{2, 2}
                                                                        : workloads::Precision{8, 8};
    spec.geometry.batch_norm = true;
    spec.geometry.input_shape = workloads::TensorShape{infos[p.layer].out.channels, infos[p.layer].out.height,
                                                       infos[p.layer].out.width};
    spec.in_widths = p.from.support(binding.decisions);
    spec.out_widths = out_widths(p.to_decision, p.to_fixed);
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::vector<CostTerm> cost_terms(const cost_models::CostTable& table, const WidthBinding& binding,
                                 cost_models::CostMetric metric) {
  std::vector<CostTerm> out;
  const std::size_t layers = table.layers.size() - binding.projections.size();
  for (std::size_t t = 0; t < table.layers.size(); ++t) {
    const cost_models::LayerCostTable& layer = table.layers[t];
    const bool projection = t >= layers;
    CostTerm term;
    term.layer = layer.layer;
    term.in = projection ? binding.projections[t - layers].from : binding.in.at(layer.layer);
    term.out_decision = projection ? binding.projections[t - layers].to_decision : binding.out_decision.at(layer.layer);
    term.in_widths = layer.in_widths;
    term.table.resize(Eigen::Index(layer.in_widths.size()), Eigen::Index(layer.out_widths.size()));
    for (std::size_t i = 0; i < layer.in_widths.size(); ++i) {
      for (std::size_t j = 0; j < layer.out_widths.size(); ++j) {
        const bool no_projection = projection && layer.in_widths[i] == layer.out_widths[j];
        term.table(Eigen::Index(i), Eigen::Index(j)) = no_projection ? 0.0 : layer.at(i, j).metric(metric);
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

ExpectedCost::ExpectedCost(std::vector<WidthDecision> decisions, std::vector<CostTerm> terms)
    : decisions_(std::move(decisions)), terms_(std::move(terms)) {
  for (const CostTerm& term : terms_) {
    const Eigen::Index cols =
        term.out_decision < 0 ? 1 : Eigen::Index(decisions_.at(std::size_t(term.out_decision)).widths.size());
    const std::vector<int> support = term.in.support(decisions_);
    const bool own = std::find(term.in.decisions.begin(), term.in.decisions.end(), term.out_decision) != term.in.decisions.end();
    if (own && !term.in.single()) {
      throw std::logic_error(fmt::format("cost term of layer {}: its output decision also feeds a joined input", term.layer));
    }
    if (term.in_widths != support || term.table.rows() != Eigen::Index(support.size()) || term.table.cols() != cols) {
      throw core::InputError(fmt::format("cost table of layer {} is {}x{}, its widths need {}x{}", term.layer,
                                         term.table.rows(), term.table.cols(), support.size(), cols));
    }
  }
}

ExpectedCostResult ExpectedCost::evaluate(const std::vector<Eigen::VectorXd>& probabilities) const {
  if (probabilities.size() != decisions_.size()) {
    throw core::InputError(fmt::format("expected cost: {} probability vectors for {} decisions", probabilities.size(),
                                       decisions_.size()));
  }
  ExpectedCostResult result;
  for (std::size_t d = 0; d < decisions_.size(); ++d) {
    const Eigen::Index n = Eigen::Index(decisions_[d].widths.size());
    if (probabilities[d].size() != n) {
      throw core::InputError(fmt::format("expected cost: decision {} has {} candidates, got {} probabilities", d, n,
                                         probabilities[d].size()));
    }
    result.gradient.push_back(Eigen::VectorXd::Zero(n));
  }
  const Eigen::VectorXd fixed = Eigen::VectorXd::Ones(1);
  for (const CostTerm& term : terms_) {
    const Eigen::VectorXd& p_out = term.out_decision < 0 ? fixed : probabilities[std::size_t(term.out_decision)];
    if (term.in.single() && term.in.decisions.front() == term.out_decision) {
      const Eigen::VectorXd diagonal = term.table.diagonal();
      result.value += p_out.dot(diagonal);
      result.gradient[std::size_t(term.out_decision)] += diagonal;
      continue;
    }
    const Eigen::VectorXd r = term.table * p_out;  // cost per input width
    const std::size_t k_count = term.in_widths.size();
    if (term.in.decisions.empty()) {
      result.value += r(0);
      if (term.out_decision >= 0) result.gradient[std::size_t(term.out_decision)] += term.table.row(0).transpose();
      continue;
    }
    if (term.in.single()) {  // pi_in^T T pi_out
      const std::size_t d = std::size_t(term.in.decisions.front());
      result.value += probabilities[d].dot(r);
      result.gradient[d] += r;
      if (term.out_decision >= 0) result.gradient[std::size_t(term.out_decision)] += term.table.transpose() * probabilities[d];
      continue;
    }
    // The largest of several decisions (and a fixed width): its CDF is the product of theirs.
    const std::size_t s_count = term.in.decisions.size();
    std::vector<std::vector<double>> cdf(s_count, std::vector<double>(k_count, 0.0));
    for (std::size_t s = 0; s < s_count; ++s) {
      const std::size_t d = std::size_t(term.in.decisions[s]);
      const std::vector<int>& widths = decisions_[d].widths;
      for (std::size_t k = 0; k < k_count; ++k) {
        for (std::size_t j = 0; j < widths.size(); ++j) {
          if (std::max(widths[j], term.in.fixed) <= term.in_widths[k]) cdf[s][k] += probabilities[d](Eigen::Index(j));
        }
      }
    }
    Eigen::VectorXd p_in = Eigen::VectorXd::Zero(Eigen::Index(k_count));
    double previous = 0.0;
    for (std::size_t k = 0; k < k_count; ++k) {
      double g = 1.0;
      for (std::size_t s = 0; s < s_count; ++s) g *= cdf[s][k];
      p_in(Eigen::Index(k)) = g - previous;
      previous = g;
    }
    result.value += p_in.dot(r);
    if (term.out_decision >= 0) result.gradient[std::size_t(term.out_decision)] += term.table.transpose() * p_in;
    // dE/dpi_dj = sum_k dG_k/dpi_dj (r_k - r_{k+1}), dG_k/dpi_dj = [c_dj <= w_k] prod_{e != d} F_e(w_k).
    for (std::size_t s = 0; s < s_count; ++s) {
      const std::size_t d = std::size_t(term.in.decisions[s]);
      const std::vector<int>& widths = decisions_[d].widths;
      for (std::size_t k = 0; k < k_count; ++k) {
        double others = 1.0;
        for (std::size_t e = 0; e < s_count; ++e) {
          if (e != s) others *= cdf[e][k];
        }
        const double step = r(Eigen::Index(k)) - (k + 1 < k_count ? r(Eigen::Index(k + 1)) : 0.0);
        for (std::size_t j = 0; j < widths.size(); ++j) {
          if (std::max(widths[j], term.in.fixed) <= term.in_widths[k]) {
            result.gradient[d](Eigen::Index(j)) += others * step;
          }
        }
      }
    }
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
  if (choice.size() != decisions_.size()) {
    throw core::InputError(fmt::format("cost_of: {} choices for {} decisions", choice.size(), decisions_.size()));
  }
  double total = 0.0;
  for (const CostTerm& term : terms_) {
    const int row = index_in(term.in_widths, term.in.width(decisions_, choice));
    const int col = term.out_decision < 0 ? 0 : choice[std::size_t(term.out_decision)];
    total += term.table(row, col);
  }
  return total;
}

}  // namespace nce::search
