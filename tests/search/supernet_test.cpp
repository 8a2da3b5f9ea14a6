// The NCE supernet and search: CWI on a hand example, expansion of exactly the layers over the
// threshold, a latency-constrained search lowering expected cycles, resume = uninterrupted,
// derivation producing a workload that analyzes, trains and round-trips as a file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/analytical_model.hpp"
#include "nce/search/supernet_search.hpp"
#include "nce/train/network.hpp"
#include "nce/search/supernet.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::search {
namespace {

namespace fs = std::filesystem;

// ResNet8 (zoo structure: 16/32/64 channels, one block per stage) on 1x8x8 images.
workloads::Workload small_resnet() { return workloads::zoo::resnet_cifar(8, {1, 8, 8}, 10); }

// A learnable synthetic task: the label is the brightest of ten fixed pixel positions.
train::DatasetSplits synthetic_data(int train, int test) {
  train::DatasetSplits d;
  train::Rng rng(7);
  for (train::Dataset* set : {&d.train, &d.test}) {
    set->channels = 1;
    set->height = 8;
    set->width = 8;
    const int count = set == &d.train ? train : test;
    for (int i = 0; i < count; ++i) {
      const int label = int(rng.below(10));
      for (int p = 0; p < 64; ++p) {
        const bool hot = p == label * 6;
        set->pixels.push_back(std::uint8_t(hot ? 255 : rng.below(64)));
      }
      set->labels.push_back(label);
    }
  }
  return d;
}

CostSource latency_source() {
  static const auto model = cost_models::make_cost_model("analytical");
  CostSource source;
  source.model = model.get();
  source.config = cost_models::load_accelerator_config(fs::path(NCE_SOURCE_DIR) / "configs/default.yaml");
  return source;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nce_supernet_test_" + name);
  fs::remove_all(dir);
  return dir;
}

TEST(Cwi, AveragesChannelRangesByHand) {
  train::Tensor in(1, 3, 1, 1);
  in.data = {1.0f, 3.0f, 8.0f};
  train::Tensor out;
  cwi_forward(in, 2, out);  // channel 0 <- mean(0, 1), channel 1 <- mean(1, 2)
  ASSERT_EQ(out.c, 2);
  EXPECT_FLOAT_EQ(out.data[0], 2.0f);
  EXPECT_FLOAT_EQ(out.data[1], 5.5f);
  train::Tensor up;
  train::Tensor two(1, 2, 1, 1);
  two.data = {4.0f, 6.0f};
  cwi_forward(two, 4, up);  // widening repeats: 4 4 6 6
  EXPECT_EQ(up.data, (std::vector<float>{4.0f, 4.0f, 6.0f, 6.0f}));
  train::Tensor back;
  train::Tensor g(1, 2, 1, 1);
  g.data = {1.0f, 1.0f};
  cwi_backward(g, 3, back);  // adjoint of the 3 -> 2 average
  EXPECT_EQ(back.data, (std::vector<float>{0.5f, 1.0f, 0.5f}));
}

TEST(Supernet, TasCandidates) {
  EXPECT_EQ(tas_candidates(16), (std::vector<int>{5, 6, 8, 10, 11, 13, 14, 16}));
  EXPECT_EQ(tas_candidates(64).back(), 64);
}

TEST(Supernet, ExpansionGrowsExactlyTheLayersOverTheThreshold) {
  const workloads::Workload w = small_resnet();
  const auto candidates = initial_candidates(w, 1.0);
  Supernet net(w, candidates, 3);
  const std::vector<std::string> layers = net.searchable();
  ASSERT_EQ(layers.size(), 6u);
  // Two layers get a widest-candidate probability of e^2 / (7 + e^2) = 0.51 >= 0.3; one gets
  // e^0.9 / (7 + e^0.9) = 0.26 < 0.3; the rest stay uniform (1/8).
  for (const std::string& name : layers) std::fill(net.theta(name).value.begin(), net.theta(name).value.end(), 0.0f);
  net.theta("stage1.block0.conv_a").value.back() = 2.0f;
  net.theta("stage3.block0.conv_b").value.back() = 2.0f;
  net.theta("stage2.block0.conv_a").value.back() = 0.9f;
  SearchConfig config;
  config.max_multiplier = 2.0;
  const CandidatePlan plan = plan_candidates(w, config, latency_source());
  EXPECT_EQ(plan.initial, candidates);
  EXPECT_EQ(plan.growth.at("stage1.block0.conv_a"), (std::vector<int>{18, 20, 22, 24, 26, 28, 30, 32}));
  const auto grow = layers_to_expand(net, plan, 0.3);
  EXPECT_EQ(grow, (std::vector<std::pair<std::string, int>>{{"stage1.block0.conv_a", 18}, {"stage3.block0.conv_b", 72}}));

  const std::vector<float> before = net.theta("stage1.block0.conv_a").value;
  train::Rng rng(5);
  for (const auto& [name, width] : grow) net.expand(name, width - net.widths(name).back(), rng);
  EXPECT_EQ(net.widths("stage1.block0.conv_a").back(), 18);  // 16 + 16/8
  EXPECT_EQ(net.widths("stage3.block0.conv_b").back(), 72);  // 64 + 64/8
  EXPECT_EQ(net.widths("stage2.block0.conv_a").back(), 32);
  EXPECT_EQ(net.theta("stage1.block0.conv_a").value.size(), 9u);
  EXPECT_FLOAT_EQ(net.theta("stage1.block0.conv_a").value.back(), before.back());  // copied logit
  // Every grown layer still runs, consumers included (stage1 conv_b reads 18 channels, fc 72).
  train::Tensor input(2, 1, 8, 8);
  for (std::size_t i = 0; i < input.size(); ++i) input.data[i] = float(i % 7) * 0.1f;
  std::fill(net.theta("stage1.block0.conv_a").value.begin(), net.theta("stage1.block0.conv_a").value.end(), 0.0f);
  net.theta("stage1.block0.conv_a").value.back() = 10.0f;
  net.theta("stage3.block0.conv_b").value.back() = 10.0f;
  const train::Tensor& logits = net.forward(input, true, SampleMode::argmax, 1.0, nullptr);
  EXPECT_EQ(logits.c, 10);
  for (float v : logits.data) EXPECT_TRUE(std::isfinite(v));
  // At max_multiplier 1 no growth is allowed.
  config.max_multiplier = 1.0;
  EXPECT_TRUE(layers_to_expand(net, plan_candidates(w, config, latency_source()), 0.3).empty());
}

TEST(Supernet, ArrayCandidatesSitAtTheEndsOfCyclePlateaus) {
  // ResNet20 (Fashion-MNIST) on the default 16x16 weight-stationary array: a candidate is the
  // widest width at its cycle count, so no cycle is paid for channels the search leaves out.
  const workloads::Workload w = workloads::zoo::make("resnet20-fmnist");
  const CostSource source = latency_source();
  SearchConfig config;
  config.candidates = SearchConfig::Candidates::array;
  const CandidatePlan plan = plan_candidates(w, config, source);
  const auto model = cost_models::make_cost_model("analytical");
  const auto infos = analyze(w);
  for (const std::string layer : {"stage1.block0.conv_a", "stage3.block1.conv_a"}) {
    const std::vector<int>& initial = plan.initial.at(layer);
    const int base = w.layer(layer).out_channels;
    ASSERT_LE(initial.size(), 8u) << layer;
    EXPECT_EQ(initial.back(), base) << layer;
    EXPECT_GT(plan.growth.at(layer).front(), base) << layer;
    EXPECT_LE(plan.growth.at(layer).back(), 2 * base) << layer;
    // Independently: conv_a's cycles plus those of its one consumer, conv_b, each on its own.
    const std::string consumer = layer.substr(0, layer.size() - 1) + "b";
    auto alone = [&](const std::string& name, int in_channels, int out_channels) {
      std::size_t i = 0;
      while (w.layers[i].name != name) ++i;
      workloads::Layer l = w.layers[i];
      l.inputs.clear();
      l.out_channels = out_channels;
      workloads::Workload single{name, {in_channels, infos[i].in.height, infos[i].in.width}, {l}};
      return double(model->evaluate(single.layers[0], analyze(single)[0], source.config).cycles);
    };
    auto cycles = [&](int width) {
      return alone(layer, base, width) + alone(consumer, width, w.layer(consumer).out_channels);
    };
    for (std::size_t k = 0; k + 1 < initial.size(); ++k) {
      EXPECT_GT(cycles(initial[k] + 1), cycles(initial[k])) << layer << " at " << initial[k];
    }
  }
  // The widths differ from TAS's ratios: for 16 channels TAS offers 5, 6, 8, 10, 11, 13, 14, 16.
  EXPECT_NE(plan.initial.at("stage1.block0.conv_a"), tas_candidates(16));
}

TEST(Supernet, LargeLambdaWithHalfTargetLowersExpectedLatency) {
  const workloads::Workload w = small_resnet();
  const train::DatasetSplits data = synthetic_data(128, 32);
  const CostSource source = latency_source();
  SearchConfig config;
  config.metric = cost_models::CostMetric::cycles;
  config.target = 0.5;
  config.method = "tas";
  // TAS's own derivation (projections on identity shortcuts): half the plain network's cycles is
  // reachable by pruning. With prefix joins the residual stream keeps the fixed widths of the
  // stem and the projection shortcuts, so pruning alone cannot reach it.
  config.join = JoinMode::projection_w8a8;
  config.warmup_epochs = 0;
  config.search_epochs = 3;
  config.batch = 16;
  config.arch_lr = 0.05;  // a few steps must move the logits visibly (the paper's 1e-3 needs thousands)
  // The same search (same seed, data order, Gumbel draws) without and with the hardware loss:
  // the loss alone must explain the difference.
  config.lambda = 0.0;
  config.out = fresh_dir("latency0");
  const SearchResult free_run = run_search(w, data, source, config);
  config.lambda = 50.0;
  config.out = fresh_dir("latency50");
  const SearchResult constrained = run_search(w, data, source, config);
  ASSERT_TRUE(constrained.finished);
  ASSERT_EQ(constrained.epochs.size(), 3u);
  const double target = 0.5 * constrained.max_cost;
  const double tolerance = 0.05 * constrained.max_cost;
  EXPECT_LT(constrained.epochs.back().expected_cost, 0.95 * free_run.epochs.back().expected_cost);
  EXPECT_LT(constrained.epochs.back().expected_cost, constrained.epochs.front().expected_cost);
  // TAS's band: the argmax architecture ends at the target (within the tolerance) or below.
  EXPECT_LE(constrained.epochs.back().current_cost, target + tolerance);
  EXPECT_GT(free_run.epochs.back().current_cost, constrained.epochs.back().current_cost);
  EXPECT_TRUE(fs::exists(config.out / "derived.yaml"));
}

TEST(Supernet, ResumeDerivesTheSameNetworkAsAnUninterruptedRun) {
  const workloads::Workload w = small_resnet();
  const train::DatasetSplits data = synthetic_data(96, 16);
  const CostSource source = latency_source();
  SearchConfig config;
  config.warmup_epochs = 1;
  config.search_epochs = 2;
  config.batch = 16;
  config.arch_lr = 0.05;
  config.threshold = 0.13;  // just over 1/8, so layers expand within a few steps
  config.out = fresh_dir("whole");
  const SearchResult whole = run_search(w, data, source, config);
  ASSERT_TRUE(whole.finished);
  // The interruption falls after an epoch that expanded layers, so the checkpoint must carry
  // grown weights, BN sets, logits and optimizer state.
  ASSERT_EQ(whole.epochs.size(), 3u);
  EXPECT_FALSE(whole.epochs[1].expansions.empty());

  config.out = fresh_dir("split");
  config.stop_after_epoch = 2;
  const SearchResult first = run_search(w, data, source, config);
  EXPECT_FALSE(first.finished);
  config.stop_after_epoch = -1;
  config.resume = true;
  const SearchResult resumed = run_search(w, data, source, config);
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.derived, whole.derived);
  ASSERT_EQ(resumed.epochs.size(), whole.epochs.size());
  for (std::size_t e = 0; e < whole.epochs.size(); ++e) {
    EXPECT_EQ(resumed.epochs[e].widths, whole.epochs[e].widths);
    // Bit for bit: the engine's arithmetic does not depend on thread count or heap layout, so
    // any difference is lost state (RNG, optimizer, BN statistics, logits).
    EXPECT_EQ(resumed.epochs[e].probabilities, whole.epochs[e].probabilities);
    EXPECT_EQ(resumed.epochs[e].weight_loss, whole.epochs[e].weight_loss);
  }
}

TEST(Supernet, SearchCostOfAnArchitectureIsTheDerivedNetworksCost) {
  // The hardware loss must price what derivation builds, projections included: the expected-
  // cost code's cost of one architecture equals the analytical model summed over the derived
  // workload's layers.
  const workloads::Workload w = workloads::zoo::resnet_cifar(14, {1, 8, 8}, 10);  // two blocks per stage: identity adds
  const CostSource source = latency_source();
  const auto candidates = initial_candidates(w, 1.0);
  WidthBinding binding;
  const ExpectedCost cost = expected_cost(w, candidates, source, cost_models::CostMetric::cycles, JoinMode::projection_w8a8, &binding);
  std::vector<int> choice;
  std::map<std::string, int> widths;
  for (const WidthDecision& d : binding.decisions) {
    // stage1.block1's conv_b narrower than its identity input (a projection appears), the rest widest.
    const int pick = d.layer == "stage1.block1.conv_b" ? 0 : int(d.widths.size()) - 1;
    choice.push_back(pick);
    widths[d.layer] = d.widths[std::size_t(pick)];
  }
  const workloads::Workload derived = derive_workload(w, widths, JoinMode::projection_w8a8);
  ASSERT_NO_THROW(derived.layer("stage1.block1.add.proj"));
  const auto infos = analyze(derived);
  double cycles = 0;
  double projection = 0;
  for (std::size_t i = 0; i < derived.layers.size(); ++i) {
    if (!derived.layers[i].has_weights()) continue;
    const double c = double(source.model->evaluate(derived.layers[i], infos[i], source.config).cycles);
    cycles += c;
    if (derived.layers[i].name == "stage1.block1.add.proj") projection = c;

  }
  EXPECT_GT(projection, 0.0);

  EXPECT_DOUBLE_EQ(cost.cost_of(choice), cycles);
}

TEST(Supernet, PrefixDerivationKeepsTheTrainedJoins) {
  // The supernet adds a narrower tensor into the first channels of a wider one; the derived
  // network does the same (prefix joins), with no projection and the stem untouched.
  const workloads::Workload w = workloads::zoo::resnet_cifar(14, {1, 8, 8}, 10);
  const workloads::Workload derived = derive_workload(
      w, {{"stage1.block0.conv_b", 14}, {"stage1.block1.conv_b", 20}, {"stage2.block0.conv_b", 40}}, JoinMode::prefix);
  EXPECT_EQ(derived.layer("conv1").out_channels, 16);
  EXPECT_EQ(derived.layer("stage1.block0.add").join, workloads::Join::prefix);  // 14 into 16
  EXPECT_EQ(derived.layer("stage1.block1.add").join, workloads::Join::prefix);  // 16 into 20
  EXPECT_EQ(derived.layer("stage2.block0.add").join, workloads::Join::prefix);  // 32 into 40
  EXPECT_EQ(derived.layer("stage2.block1.add").join, workloads::Join::prefix);  // 32 into 40
  EXPECT_EQ(derived.layer("stage3.block0.add").join, workloads::Join::equal);   // 64 and 64
  const auto infos = analyze(derived);
  auto out_channels = [&](const std::string& name) {
    for (std::size_t i = 0; i < derived.layers.size(); ++i) {
      if (derived.layers[i].name == name) return infos[i].out.channels;
    }
    return -1;
  };
  EXPECT_EQ(out_channels("stage1.block1.add"), 20);
  EXPECT_EQ(out_channels("stage2.block1.add"), 40);
  for (const workloads::Layer& layer : derived.layers) EXPECT_FALSE(layer.name.ends_with(".proj")) << layer.name;
  EXPECT_EQ(workloads::workload_from_yaml(workloads::workload_to_yaml(derived), "derived"), derived);
  train::Network network(derived, 1);
  train::Tensor input(2, 1, 8, 8);
  EXPECT_EQ(network.forward(input, false).c, 10);
}

TEST(Supernet, DerivedNetworkAnalyzesTrainsAndRoundTrips) {
  const workloads::Workload w = workloads::zoo::resnet_cifar(14, {1, 8, 8}, 10);
  // stage1.block1's main branch narrower than its identity input: a 1x1 projection appears;
  // stage1.block0's identity input is the fixed stem, which follows its main branch (as the
  // cost binding assumes); stage2's existing projection follows its main branch.
  const workloads::Workload derived = derive_workload(
      w, {{"stage1.block0.conv_b", 14}, {"stage1.block1.conv_b", 12}, {"stage2.block0.conv_b", 40}},
      JoinMode::projection_w8a8);
  EXPECT_EQ(derived.layer("conv1").out_channels, 14);
  EXPECT_EQ(derived.layer("stage1.block1.add.proj").out_channels, 12);
  EXPECT_EQ(derived.layer("stage1.block1.add.proj").kernel_h, 1);
  EXPECT_EQ(derived.layer("stage1.block1.add").inputs[1], "stage1.block1.add.proj");
  EXPECT_EQ(derived.layer("stage2.block0.shortcut").out_channels, 40);
  EXPECT_NO_THROW(analyze(derived));
  EXPECT_EQ(workloads::workload_from_yaml(workloads::workload_to_yaml(derived), "derived"), derived);
  train::Network network(derived, 1);
  train::Tensor input(2, 1, 8, 8);
  EXPECT_EQ(network.forward(input, false).c, 10);
}

TEST(Ebs, TheHardwareLossHoldsBitsDownAndTheDerivedPrecisionsTrain) {
  // The same EBS search without and with the latency loss (same seed, data, steps): without it
  // nothing holds the strengths at 2 bits; with it the expected cycles end lower.
  const workloads::Workload w = small_resnet();
  const train::DatasetSplits data = synthetic_data(128, 32);
  const CostSource source = latency_source();
  SearchConfig config;
  config.method = "ebs";
  config.metric = cost_models::CostMetric::cycles;
  config.warmup_epochs = 0;
  config.search_epochs = 3;
  config.batch = 16;
  config.arch_lr = 0.05;
  config.lambda = 0.0;
  config.out = fresh_dir("ebs0");
  const SearchResult free_run = run_search(w, data, source, config);
  config.lambda = 50.0;
  config.out = fresh_dir("ebs50");
  const SearchResult constrained = run_search(w, data, source, config);
  ASSERT_TRUE(constrained.finished && constrained.precision_search);
  EXPECT_LT(constrained.epochs.back().expected_cost, free_run.epochs.back().expected_cost);
  // F_max is the all-2-bit network's cycles: more bits are more digit passes.
  for (const SearchEpoch& e : constrained.epochs) EXPECT_GE(e.expected_cost, constrained.max_cost * 0.999);
  // The derived network differs in precision only and trains; its file round-trips.
  const workloads::Workload derived = workloads::read_workload_file(config.out / "derived.yaml");
  EXPECT_EQ(derived, constrained.derived);
  ASSERT_EQ(derived.layers.size(), w.layers.size());
  for (std::size_t i = 0; i < w.layers.size(); ++i) EXPECT_EQ(derived.layers[i].out_channels, w.layers[i].out_channels);
  train::Network network(derived, 1);
  train::Tensor input(2, 1, 8, 8);
  EXPECT_EQ(network.forward(input, false).c, 10);
}

TEST(Ebs, ResumeIsTheUninterruptedRun) {
  const workloads::Workload w = small_resnet();
  const train::DatasetSplits data = synthetic_data(96, 16);
  const CostSource source = latency_source();
  SearchConfig config;
  config.method = "ebs";
  config.warmup_epochs = 1;
  config.search_epochs = 2;
  config.batch = 16;
  config.arch_lr = 0.05;
  config.out = fresh_dir("ebs-whole");
  const SearchResult whole = run_search(w, data, source, config);
  config.out = fresh_dir("ebs-split");
  config.stop_after_epoch = 2;
  run_search(w, data, source, config);
  config.stop_after_epoch = -1;
  config.resume = true;
  const SearchResult resumed = run_search(w, data, source, config);
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.derived, whole.derived);
  ASSERT_EQ(resumed.epochs.size(), whole.epochs.size());
  EXPECT_EQ(resumed.epochs.back().probabilities, whole.epochs.back().probabilities);  // bit for bit
  // A different candidate set is another search: refused, naming the file.
  config.bit_candidates = {2, 4};
  try {
    run_search(w, data, source, config);
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.bin: written by a search with other settings"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nce::search
