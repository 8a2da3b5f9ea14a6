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
  std::vector<int> sizes;
  for (const auto& d : binding.decisions) sizes.push_back(int(d.widths.size()));
  return ExpectedCost(sizes, std::move(terms));
}

TEST(ExpectedCost, MacsTableReproducesTasExpectedFlops) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w));
  const ExpectedCost expected = make_expected(binding, build_cost_terms(w, binding, macs_cost(w)));
  const auto logits = random_logits(binding, 42);

  // TAS: sum over convs/fc of k^2 H_out W_out E[c_in] E[c_out] with E[c] = sum_j pi_j c_j.
  auto expected_width = [&](int decision, int fixed) {
    if (decision < 0) return double(fixed);
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
    tas += spatial * expected_width(binding.in_decision[i], infos[i].in.channels) *
           expected_width(binding.out_decision[i], infos[i].out.channels);
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
  // A tiling-like cost: ceil(c_in / 16) * ceil(c_out / 16) array passes per layer.
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w));
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

TEST(ExpectedCost, ProbabilityGradientIsTheBilinearForm) {
  // One decision feeding another: E = p_a^T T p_b with hand-checkable numbers.
  CostTerm term{0, 0, 1, Eigen::MatrixXd(2, 2)};
  term.table << 1, 2, 3, 4;
  const ExpectedCost expected({2, 2}, {term});
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

TEST(BindWidths, ShortcutsFollowTheMainBranchAndInputsFollowProducers) {
  const workloads::Workload w = workloads::zoo::make("resnet20");
  const WidthBinding binding = bind_widths(w, all_searchable(w));
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
  EXPECT_EQ(binding.out_decision[index("stage2.block0.shortcut")], decision_of("stage2.block0.conv_b"));
  EXPECT_EQ(binding.in_decision[index("stage2.block0.shortcut")], decision_of("stage1.block2.conv_b"));
  EXPECT_EQ(binding.in_decision[index("stage2.block0.conv_b")], decision_of("stage2.block0.conv_a"));
  EXPECT_EQ(binding.in_decision[index("fc")], decision_of("stage3.block2.conv_b"));  // through add and pool
  EXPECT_EQ(binding.in_decision[index("stage1.block0.conv_a")], -1);                 // conv1 is fixed (W8A8)
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
