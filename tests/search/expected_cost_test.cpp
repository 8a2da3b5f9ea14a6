#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nce/cost_models/cost_model.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/core/input_error.hpp"
#include "nce/core/softmax.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::search {
namespace {

// TAS's candidate ratios 0.3, 0.4, ..., 1.0 of the base width, rounded, duplicates removed.
std::vector<int> tas_widths(int base) {
  std::vector<int> widths;
  for (int tenth = 3; tenth <= 10; ++tenth) {
    const int w = std::max(1, int(std::lround(base * tenth / 10.0)));
    if (widths.empty() || widths.back() != w) widths.push_back(w);
  }
  return widths;
}

std::map<std::string, std::vector<int>> all_searchable(const workloads::Workload& w) {
  std::map<std::string, std::vector<int>> candidates;
  for (const workloads::Layer& layer : w.layers) {
    if (layer.searchable) candidates[layer.name] = tas_widths(layer.out_channels);
  }
  return candidates;
}

std::vector<Eigen::VectorXd> random_logits(const WidthBinding& binding, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Eigen::VectorXd> logits;
  for (const auto& d : binding.decisions) {
    Eigen::VectorXd v(Eigen::Index(d.widths.size()));
    for (auto& x : v) x = normal(rng);
    logits.push_back(v);
  }
  return logits;
}

ExpectedCost make_expected(const WidthBinding& binding, std::vector<CostTerm> terms) {
  return ExpectedCost(binding.decisions, std::move(terms));
}

TEST(ExpectedCost, MacsTableReproducesTasExpectedFlops) {
  // TAS's own join (the main branch's width carries on), where every input is one decision.
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w), JoinMode::projection_w8a8);
  const ExpectedCost expected = make_expected(binding, build_cost_terms(w, binding, macs_cost(w)));
  const auto logits = random_logits(binding, 42);

  // TAS: sum over convs/fc of k^2 H_out W_out E[c_in] E[c_out] with E[c] = sum_j pi_j c_j.
  auto expected_width = [&](const WidthSource& source, int fixed) {
    if (source.decisions.empty()) return double(fixed);
    EXPECT_TRUE(source.single());
    const std::size_t decision = std::size_t(source.decisions.front());
    const std::vector<double> p =
        core::softmax(std::span<const double>(logits[decision].data(), std::size_t(logits[decision].size())));
    double e = 0;
    for (std::size_t j = 0; j < binding.decisions[decision].widths.size(); ++j) {
      e += p[j] * binding.decisions[decision].widths[j];
    }
    return e;
  };
  const auto infos = analyze(w);
  double tas = 0;
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const workloads::Layer& l = w.layers[i];
    if (!l.has_weights()) continue;
    const double spatial = l.type == workloads::LayerType::conv ? double(l.kernel_h) * l.kernel_w * infos[i].out.height * infos[i].out.width
                                                     : double(infos[i].in.height) * infos[i].in.width;
    const int out = binding.out_decision[i];
    tas += spatial * expected_width(binding.in[i], infos[i].in.channels) *
           expected_width(out < 0 ? WidthSource{} : WidthSource{{out}, 0}, infos[i].out.channels);
  }
  EXPECT_NEAR(expected.evaluate_logits(logits).value, tas, 1e-9 * tas);
}

TEST(ExpectedCost, OneHotCostEqualsTheMacsOfThatNetwork) {
  // Search only the inner widths (conv_a) so every residual add keeps equal widths.
  workloads::Workload w = workloads::zoo::make("resnet20");
  std::map<std::string, std::vector<int>> candidates;
  for (const workloads::Layer& layer : w.layers) {
    if (layer.name.ends_with("conv_a")) candidates[layer.name] = tas_widths(layer.out_channels);
  }
  const WidthBinding binding = bind_widths(w, candidates);
  const ExpectedCost expected = make_expected(binding, build_cost_terms(w, binding, macs_cost(w)));
  std::vector<int> choice;
  for (std::size_t d = 0; d < binding.decisions.size(); ++d) {
    choice.push_back(int(d % binding.decisions[d].widths.size()));
    w.set_out_channels(binding.decisions[d].layer, binding.decisions[d].widths[choice.back()]);
  }
  EXPECT_EQ(expected.cost_of(choice), double(totals(analyze(w)).macs));
}

TEST(ExpectedCost, GradientMatchesFiniteDifferencesOnAStaircaseTable) {
  // A tiling-like cost: ceil(c_in / 16) * ceil(c_out / 16) array passes per layer. With prefix
  // joins, inputs behind residual adds are the largest of up to four decisions and the stem.
  const workloads::Workload w = workloads::zoo::make("resnet20");
  for (JoinMode join : {JoinMode::prefix, JoinMode::projection_w8a8}) {
  const WidthBinding binding = bind_widths(w, all_searchable(w), join);
  auto staircase = [](std::size_t layer, int in, int out) {
    return double(layer + 1) * std::ceil(in / 16.0) * std::ceil(out / 16.0);
  };
  const ExpectedCost expected = make_expected(binding, build_cost_terms(w, binding, staircase));
  auto logits = random_logits(binding, 7);
  const ExpectedCostResult at = expected.evaluate_logits(logits);
  const double h = 1e-6;
  for (std::size_t d = 0; d < logits.size(); ++d) {
    for (Eigen::Index j = 0; j < logits[d].size(); ++j) {
      auto plus = logits, minus = logits;
      plus[d](j) += h;
      minus[d](j) -= h;
      const double numeric = (expected.evaluate_logits(plus).value - expected.evaluate_logits(minus).value) / (2 * h);
      EXPECT_NEAR(at.gradient[d](j), numeric, 1e-6 * std::max(1.0, std::fabs(numeric))) << d << "," << j;
    }
  }
  }
}

TEST(ExpectedCost, LargestOfTwoDecisionsAndAFixedWidth) {
  // in = max(a, b, 2) with a in {1, 3}, b in {2, 4}: support {2, 3, 4}. With P(a=3) = 0.25 and
  // P(b=4) = 0.5: P(in<=2) = 0.75 * 0.5, P(in<=3) = 1 * 0.5, P(in<=4) = 1, so
  // P(in = 2, 3, 4) = (0.375, 0.125, 0.5). Costs 10, 20, 40 per input width: E = 3.75 + 2.5 + 20.
  const std::vector<WidthDecision> decisions = {{"a", {1, 3}}, {"b", {2, 4}}};
  CostTerm term{0, WidthSource{{0, 1}, 2}, -1, {2, 3, 4}, Eigen::MatrixXd(3, 1)};
  term.table << 10, 20, 40;
  const ExpectedCost expected(decisions, {term});
  Eigen::VectorXd a(2), b(2);
  a << 0.75, 0.25;
  b << 0.5, 0.5;
  const ExpectedCostResult r = expected.evaluate({a, b});
  EXPECT_DOUBLE_EQ(r.value, 26.25);
  // dE/dP(x=c) = sum_k [max(c, 2) <= w_k] F_other(w_k) (r_k - r_{k+1}), r = (10, 20, 40, 0).
  EXPECT_DOUBLE_EQ(r.gradient[0](0), 0.5 * (10 - 20) + 0.5 * (20 - 40) + 1.0 * 40);
  EXPECT_DOUBLE_EQ(r.gradient[0](1), 0.5 * (20 - 40) + 1.0 * 40);
  EXPECT_DOUBLE_EQ(r.gradient[1](0), 0.75 * (10 - 20) + 1.0 * (20 - 40) + 1.0 * 40);
  EXPECT_DOUBLE_EQ(r.gradient[1](1), 1.0 * 40);
  EXPECT_DOUBLE_EQ(expected.cost_of({0, 0}), 10);  // max(1, 2, 2) = 2
  EXPECT_DOUBLE_EQ(expected.cost_of({1, 0}), 20);  // max(3, 2, 2) = 3
  EXPECT_DOUBLE_EQ(expected.cost_of({0, 1}), 40);  // 4
}

TEST(ExpectedCost, ProbabilityGradientIsTheBilinearForm) {
  // One decision feeding another: E = p_a^T T p_b with hand-checkable numbers.
  CostTerm term{0, WidthSource{{0}, 0}, 1, {1, 2}, Eigen::MatrixXd(2, 2)};
  term.table << 1, 2, 3, 4;
  const ExpectedCost expected({{"a", {1, 2}}, {"b", {1, 2}}}, {term});
  Eigen::VectorXd a(2), b(2);
  a << 0.25, 0.75;
  b << 0.5, 0.5;
  const ExpectedCostResult r = expected.evaluate({a, b});
  // T b = (1.5, 3.5); a . T b = 0.375 + 2.625 = 3; T^T a = (2.5, 3.5).
  EXPECT_DOUBLE_EQ(r.value, 3.0);
  EXPECT_DOUBLE_EQ(r.gradient[0](0), 1.5);
  EXPECT_DOUBLE_EQ(r.gradient[0](1), 3.5);
  EXPECT_DOUBLE_EQ(r.gradient[1](0), 2.5);
  EXPECT_DOUBLE_EQ(r.gradient[1](1), 3.5);
}

TEST(BindWidths, ProjectionJoinsTieShortcutsToTheMainBranch) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w), JoinMode::projection_w8a8);
  auto decision_of = [&](const std::string& layer) {
    for (std::size_t d = 0; d < binding.decisions.size(); ++d) {
      if (binding.decisions[d].layer == layer) return int(d);
    }
    return -1;
  };
  auto index = [&](const std::string& layer) {
    for (std::size_t i = 0; i < w.layers.size(); ++i) {
      if (w.layers[i].name == layer) return i;
    }
    return std::size_t(0);
  };
  auto one = [&](const std::string& layer) { return WidthSource{{decision_of(layer)}, 0}; };
  EXPECT_EQ(binding.out_decision[index("stage2.block0.shortcut")], decision_of("stage2.block0.conv_b"));
  EXPECT_EQ(binding.in[index("stage2.block0.shortcut")], one("stage1.block2.conv_b"));
  EXPECT_EQ(binding.in[index("stage2.block0.conv_b")], one("stage2.block0.conv_a"));
  EXPECT_EQ(binding.in[index("fc")], one("stage3.block2.conv_b"));  // through add and pool
  // The stem (W8A8, fixed) is resized to stage1.block0's main branch, and block0's conv_a reads it.
  EXPECT_EQ(binding.out_decision[index("conv1")], decision_of("stage1.block0.conv_b"));
  EXPECT_EQ(binding.in[index("stage1.block0.conv_a")], one("stage1.block0.conv_b"));
  // Identity shortcuts get projections: stage1.block1 and .block2 (and two per later stage).
  EXPECT_EQ(binding.projections.size(), 6u);
  EXPECT_EQ(binding.projections.front().layer, index("stage1.block1.add"));
  EXPECT_EQ(binding.projections.front().from, one("stage1.block0.conv_b"));
  EXPECT_EQ(binding.projections.front().to_decision, decision_of("stage1.block1.conv_b"));
}

TEST(BindWidths, PrefixJoinsCarryTheLargestWidth) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w), JoinMode::prefix);
  auto d = [&](const std::string& layer) {
    for (std::size_t i = 0; i < binding.decisions.size(); ++i) {
      if (binding.decisions[i].layer == layer) return int(i);
    }
    return -1;
  };
  auto index = [&](const std::string& layer) {
    for (std::size_t i = 0; i < w.layers.size(); ++i) {
      if (w.layers[i].name == layer) return i;
    }
    return std::size_t(0);
  };
  EXPECT_EQ(binding.in[index("stage1.block0.conv_a")], (WidthSource{{}, 16}));  // the stem stays fixed
  EXPECT_EQ(binding.in[index("stage1.block1.conv_a")], (WidthSource{{d("stage1.block0.conv_b")}, 16}));
  EXPECT_EQ(binding.in[index("stage2.block0.conv_a")],
            (WidthSource{{d("stage1.block0.conv_b"), d("stage1.block1.conv_b"), d("stage1.block2.conv_b")}, 16}));
  // stage3 starts from its fixed 64-channel projection shortcut.
  EXPECT_EQ(binding.in[index("fc")],
            (WidthSource{{d("stage3.block0.conv_b"), d("stage3.block1.conv_b"), d("stage3.block2.conv_b")}, 64}));
  EXPECT_EQ(binding.out_decision[index("stage2.block0.shortcut")], -1);
  EXPECT_TRUE(binding.projections.empty());
}

TEST(BindWidths, RejectsBadCandidates) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  EXPECT_THROW(bind_widths(w, {{"nope", {1, 2}}}), core::InputError);
  EXPECT_THROW(bind_widths(w, {{"conv1", {8, 16}}}), core::InputError);  // W8A8, not searchable
  EXPECT_THROW(bind_widths(w, {{"stage1.block0.conv_a", {16, 8}}}), core::InputError);
  EXPECT_THROW(bind_widths(w, {{"stage1.block0.conv_a", {}}}), core::InputError);
}

TEST(ExpectedCost, MacsTablesGiveTheSameTermsAsTheMacsFunction) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w));
  const auto shape = cost_models::make_cost_model("shape");
  const cost_models::CostTable table =
      cost_models::build_cost_table(w.name, table_specs(w, binding), *shape, cost_models::AcceleratorConfig{}, std::nullopt);
  const auto from_table = cost_terms(table, binding, cost_models::CostMetric::macs);
  const auto direct = build_cost_terms(w, binding, macs_cost(w));
  ASSERT_EQ(from_table.size(), direct.size());
  for (std::size_t t = 0; t < direct.size(); ++t) {
    EXPECT_EQ(from_table[t].layer, direct[t].layer);
    EXPECT_TRUE(from_table[t].table.isApprox(direct[t].table, 0.0)) << w.layers[direct[t].layer].name;
  }
}

}  // namespace
}  // namespace nce::search
