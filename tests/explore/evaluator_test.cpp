// A point's totals equal the SystemC model's: the explore evaluator (analytical per layer,
// cached, summed like simulate_workload) against sim::simulate_workload, field by field, on
// widened networks (prefix joins), every dataflow and a DRAM-bound config; plus the metrics
// that follow from the totals, by hand.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "nce/cost_models/area.hpp"
#include "nce/explore/evaluator.hpp"
#include "nce/explore/metrics.hpp"
#include "nce/explore/validate.hpp"
#include "nce/explore/widths.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::explore {
namespace {

void expect_equal(const cost_models::WorkloadStats& a, const cost_models::WorkloadStats& b, const std::string& what) {
  ASSERT_EQ(a.layers.size(), b.layers.size()) << what;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(differing_fields(a.layers[i], b.layers[i]), std::vector<std::string>{}) << what << " layer " << a.layers[i].layer;
  }
  EXPECT_EQ(differing_fields(a.total, b.total), std::vector<std::string>{}) << what << " total";
  EXPECT_EQ(a.total.cycles, b.total.cycles) << what;
}

TEST(ExploreEvaluator, PointTotalsEqualTheSystemCModelInEveryField) {
  Evaluator evaluator;
  const workloads::Workload base = workloads::zoo::make("resnet20");
  struct Case {
    WidthPattern pattern;
    cost_models::ConfigOverrides overrides;
  };
  // Built one by one: GCC 12 warns falsely (-Wuse-after-free) on an initializer list of these.
  std::vector<Case> cases(4);
  cases[0].pattern.multiplier = 1.25;
  cases[0].overrides = {{"array.rows", "8"}, {"array.cols", "8"}, {"array.dataflow", "ws"}};
  cases[1].pattern.multiplier = 0.5;
  cases[1].overrides = {{"array.dataflow", "os"}};
  cases[2].pattern.kind = WidthPattern::Kind::stages;
  cases[2].pattern.stages = {1, 1.5, 0.75};
  cases[2].overrides = {{"array.dataflow", "is"}, {"buffers.ifmap.capacity_kib", "16"}};
  cases[3].overrides = {{"dram.bytes_per_cycle", "0.5"}, {"array.cols", "32"}};
  std::size_t config_id = 0;
  for (const Case& c : cases) {
    const cost_models::AcceleratorConfig config = cost_models::load_accelerator_config("", c.overrides);
    const workloads::Workload network = apply_pattern(base, c.pattern);
    const std::vector<workloads::LayerInfo> infos = workloads::analyze(network);
    const cost_models::WorkloadStats explored = evaluator.evaluate(network, infos, config_id++, config);
    const cost_models::WorkloadStats simulated = sim::simulate_workload(network, config);
    expect_equal(explored, simulated, c.pattern.label());
  }
}

TEST(ExploreEvaluator, RepeatedLayersArePricedOnceAndCachedResultsAreIdentical) {
  Evaluator evaluator;
  const workloads::Workload network = workloads::zoo::make("resnet20");
  const std::vector<workloads::LayerInfo> infos = workloads::analyze(network);
  const cost_models::AcceleratorConfig config;
  const cost_models::WorkloadStats first = evaluator.evaluate(network, infos, 0, config);
  const std::int64_t evaluated = evaluator.layer_evaluations();
  EXPECT_EQ(evaluator.layer_lookups(), std::int64_t(network.layers.size()));
  EXPECT_LT(evaluated, std::int64_t(network.layers.size()));  // ResNet20 repeats its blocks
  const cost_models::WorkloadStats second = evaluator.evaluate(network, infos, 0, config);
  EXPECT_EQ(evaluator.layer_evaluations(), evaluated);
  expect_equal(first, second, "cached");
  // Another config id is another cache entry, even for an equal config.
  evaluator.evaluate(network, infos, 1, config);
  EXPECT_EQ(evaluator.layer_evaluations(), 2 * evaluated);
}

TEST(ExploreEvaluator, MetricsFollowFromTheTotals) {
  Evaluator evaluator;
  const workloads::Workload network = workloads::zoo::make("resnet20");
  const std::vector<workloads::LayerInfo> infos = workloads::analyze(network);
  const cost_models::AcceleratorConfig config;  // 16x16 ws at 500 MHz
  const cost_models::WorkloadStats stats = evaluator.evaluate(network, infos, 0, config);
  const cost_models::AreaEstimate area =
      cost_models::estimate_area(config, cost_models::load_pe_synthesis(cost_models::default_config_dir()));
  const MetricValues m = compute_metrics(stats, network, infos, config, area);
  const double cycles = double(stats.total.cycles);
  EXPECT_EQ(m.at("cycles"), cycles);
  EXPECT_DOUBLE_EQ(m.at("latency_us"), cycles / 500);
  EXPECT_DOUBLE_EQ(m.at("inferences_per_s"), 500e6 / cycles);
  EXPECT_EQ(m.at("energy_pj"), stats.total.energy.total());
  EXPECT_DOUBLE_EQ(m.at("edp_j_s"), stats.total.energy.total() * 1e-12 * cycles / 500e6);
  EXPECT_EQ(m.at("macs"), 40813184.0);  // README's model zoo table
  EXPECT_DOUBLE_EQ(m.at("tops_per_w"), 2.0 * 40813184 / stats.total.energy.total());
  EXPECT_EQ(m.at("pes"), 256.0);
  EXPECT_EQ(m.at("area_mm2"), area.total_mm2);
  // Wide layers: the W8A8 stem, the two 1x1 projection shortcuts and the classifier.
  double wide = 0;
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    if (network.layers[i].has_weights() && network.layers[i].precision == workloads::Precision{8, 8}) {
      wide += double(stats.layers[i].cycles);
    }
  }
  EXPECT_GT(wide, 0);
  EXPECT_EQ(m.at("wide_cycles"), wide);
  EXPECT_EQ(m.at("low_cycles") + m.at("wide_cycles"), cycles);
  EXPECT_DOUBLE_EQ(m.at("wide_cycle_share"), wide / cycles);
  double components = 0;
  for (const char* c : {"multiplier", "accumulator", "register", "output_adder", "sram_ifmap", "sram_weight", "sram_ofmap",
                        "dram", "leakage"}) {
    components += m.at(fmt::format("energy_{}_pj", c));
  }
  EXPECT_NEAR(components, m.at("energy_pj"), 1e-9 * m.at("energy_pj"));
}

}  // namespace
}  // namespace nce::explore
