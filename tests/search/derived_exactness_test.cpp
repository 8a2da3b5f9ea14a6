// The search's prediction of a derived network is the SystemC simulation of that network: for
// random architectures of several models, on several arrays and dataflows, under every join,
// the expected-cost code's cost of the architecture (cost tables of the analytical model)
// equals what the cycle-accurate SystemC model measures running the derived workload. Cycles
// exactly; energy to the last bits of a double (the two sum the same per-layer terms in a
// different order).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nce/cost_models/cost_model.hpp"
#include "nce/search/supernet_search.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::search {
namespace {

struct Prediction {
  double cycles = 0;
  double energy = 0;
  workloads::Workload derived;
};

// Candidates: TAS's ratios, plus two expanded widths (as NCE's expansion adds them).
std::map<std::string, std::vector<int>> candidates_with_expansion(const workloads::Workload& w) {
  std::map<std::string, std::vector<int>> out = initial_candidates(w, 1.0);
  for (auto& [name, widths] : out) {
    const int base = w.layer(name).out_channels;
    widths.push_back(base + expansion_step(base));
    widths.push_back(base + 2 * expansion_step(base));
  }
  return out;
}

Prediction predict(const workloads::Workload& w, const cost_models::AcceleratorConfig& config, JoinMode join,
                   std::mt19937& rng) {
  static const auto model = cost_models::make_cost_model("analytical");
  CostSource source;
  source.model = model.get();
  source.config = config;
  const auto candidates = candidates_with_expansion(w);
  WidthBinding binding;
  const ExpectedCost cycles = expected_cost(w, candidates, source, cost_models::CostMetric::cycles, join, &binding);
  const ExpectedCost energy = expected_cost(w, candidates, source, cost_models::CostMetric::energy, join);
  std::vector<int> choice;
  std::map<std::string, int> widths;
  for (const WidthDecision& d : binding.decisions) {
    const int pick = std::uniform_int_distribution<int>(0, int(d.widths.size()) - 1)(rng);
    choice.push_back(pick);
    widths[d.layer] = d.widths[std::size_t(pick)];
  }
  return {cycles.cost_of(choice), energy.cost_of(choice), derive_workload(w, widths, join)};
}

TEST(DerivedExactness, PredictedCyclesAndEnergyAreTheSimulatedOnes) {
  std::mt19937 rng(2026);
  const std::vector<workloads::Workload> models = {workloads::zoo::make("resnet20-fmnist"),
                                                   workloads::zoo::resnet_cifar(14, {3, 16, 16}, 10),
                                                   workloads::zoo::make("vgg16-fmnist")};
  int compared = 0, with_prefix_joins = 0, with_projections = 0;
  for (const workloads::Workload& w : models) {
    for (auto [rows, cols] : {std::pair{8, 8}, {16, 16}, {32, 16}}) {
      for (const char* dataflow : {"ws", "os", "is"}) {
        for (JoinMode join : {JoinMode::prefix, JoinMode::projection_w8a8, JoinMode::projection_w2a2}) {
          cost_models::AcceleratorConfig config;
          config.rows = rows;
          config.cols = cols;
          config.dataflow = dataflow;
          const Prediction p = predict(w, config, join, rng);
          const cost_models::WorkloadStats simulated = sim::simulate_workload(p.derived, config);
          const std::string what = fmt::format("{} on {}x{} {} join {}", w.name, rows, cols, dataflow, to_string(join));
          EXPECT_EQ(p.cycles, double(simulated.total.cycles)) << what;
          EXPECT_NEAR(p.energy, simulated.total.energy.total(), 1e-12 * simulated.total.energy.total()) << what;
          ++compared;
          for (const workloads::Layer& layer : p.derived.layers) {
            with_prefix_joins += layer.join == workloads::Join::prefix;
            with_projections += layer.name.ends_with(".proj");
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 81);
  // The random architectures exercise both kinds of join.
  EXPECT_GT(with_prefix_joins, 50);
  EXPECT_GT(with_projections, 20);
}

}  // namespace
}  // namespace nce::search
