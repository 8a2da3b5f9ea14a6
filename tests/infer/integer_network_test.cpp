// Integer inference of trained networks on the array model against the engine's fake-quant
// forward (docs/INFER.md): top-1 agreement and the logit error on >= 100 images, the RTL PE model
// identical to the behavioural one, a corrupted weight code caught, prefix joins of unequal widths,
// 3-bit layers by digit passes, and a 3-channel image with per-channel normalisation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/infer/inference.hpp"
#include "nce/infer/integer_network.hpp"
#include "nce/infer/outputs.hpp"
#include "nce/infer/trained_run.hpp"
#include "nce/search/supernet.hpp"
#include "nce/workloads/reference_model.hpp"
#include "tiny_net.hpp"

namespace nce::infer {
namespace {

namespace fs = std::filesystem;

// Per process: ctest runs the tests of this binary as parallel processes.
const fs::path kScratch = fs::temp_directory_path() / ("nce-infer-test-" + std::to_string(::getpid()));
fs::path scratch(const std::string& name) { return kScratch / name; }

struct RemoveScratch : ::testing::Environment {
  void TearDown() override { fs::remove_all(kScratch); }
};
[[maybe_unused]] ::testing::Environment* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

cost_models::AcceleratorConfig array(int rows, int cols, const std::string& dataflow = "ws") {
  cost_models::AcceleratorConfig config;
  config.rows = rows;
  config.cols = cols;
  config.dataflow = dataflow;
  return config;
}

// One trained run per configuration, trained once per test binary.
const fs::path& trained(const std::string& name, const workloads::Workload& workload, const std::string& dataset) {
  static std::map<std::string, fs::path> runs;
  auto it = runs.find(name);
  if (it == runs.end()) {
    const fs::path dir = scratch(name);
    testing::train_run(workload, dir, dataset);
    it = runs.emplace(name, dir).first;
  }
  return it->second;
}

struct Job {
  TrainedRun run;
  std::unique_ptr<train::Network> network;
  std::unique_ptr<IntegerNetwork> integer;
  train::Dataset test;
  train::Normalization normalization;
};

Job prepare(const fs::path& dir, const cost_models::AcceleratorConfig& config, int images = 200) {
  Job job;
  job.run = read_trained_run(dir);
  job.network = load_network(job.run);
  job.normalization = train::dataset_normalization(job.run.dataset);
  job.integer = std::make_unique<IntegerNetwork>(*job.network, config, job.normalization);
  job.test = testing::toy_data(images, job.run.workload.input.channels, job.run.workload.input.height, 99);
  return job;
}

InferenceResult infer(Job& job, int images, PipelineOptions pipeline = {}) {
  InferenceOptions options;
  options.images = images;
  options.batch = 50;
  options.pipeline = pipeline;
  return run_inference(*job.network, *job.integer, job.test, job.normalization, options);
}

// The agreement contract: >= 99.9% top-1, no conv output beyond the float-rounding bound, and
// logits equal up to float rounding wherever every code agrees.
void expect_agreement(const InferenceResult& r) {
  EXPECT_GE(r.agreement(), kAgreementThreshold);
  for (const ImageComparison& image : r.images) {
    EXPECT_LT(image.first_conv_layer, 0) << image.index << ": " << image.cause;
    if (!image.agree) ADD_FAILURE() << "image " << image.index << ": " << image.cause;
    if (image.first_code_layer < 0) {
      EXPECT_LT(image.max_logit_error, 1e-4) << "image " << image.index;
    }
  }
  EXPECT_LT(logit_error_distribution(r).p99, 1e-3);
  EXPECT_EQ(r.cost_differing_images, 0);  // the cost does not depend on the data
  EXPECT_GT(r.cost.total.cycles, 0);
}

TEST(Infer, TrainedNetworkAgreesWithTheEngineOnTwoHundredImages) {
  Job job = prepare(trained("w2a2", testing::tiny_workload(2), "fashion-mnist"), array(8, 8));
  PipelineOptions pipeline;
  pipeline.check_reference = true;
  const InferenceResult r = infer(job, 200, pipeline);
  ASSERT_EQ(r.count(), 200);
  expect_agreement(r);
  EXPECT_EQ(r.reference_differences, 0);  // the array's sums equal the integer reference model's
  EXPECT_GT(r.engine_correct, 20);        // the few training steps learned something
  EXPECT_EQ(r.array_correct, r.engine_correct);
  // W8A8 layers ran by 20 digit passes, the stem on the 8-bit pixels, W2A2 in one pass.
  const auto stats = [&](const std::string& name) {
    return *std::find_if(r.cost.layers.begin(), r.cost.layers.end(), [&](const auto& s) { return s.layer == name; });
  };
  EXPECT_EQ(stats("conv1").passes, 20);
  EXPECT_EQ(stats("d.shortcut").passes, 20);
  EXPECT_EQ(stats("fc").passes, 20);
  EXPECT_EQ(stats("b.conv_a").passes, 1);
  EXPECT_FALSE(stats("b.add").on_array);
  // The report files are written and name the agreement.
  const fs::path out = scratch("w2a2-out");
  fs::create_directories(out);
  ReportContext context;
  context.config = job.integer->config();
  context.dataset = job.run.dataset;
  write_inference_outputs(out, r, *job.integer, context);
  for (const char* file : {"summary.json", "layers.csv", "images.csv", "report.md"}) EXPECT_TRUE(fs::exists(out / file)) << file;
  EXPECT_NE(console_summary(r, *job.integer, context).find("threshold 99.9%: met"), std::string::npos);
}

TEST(Infer, TheStemFoldsTheNormalisationExactlyIncludingItsZeroPadding) {
  // The stem's conv output on the array (pixels, normalisation folded with the border correction)
  // equals the engine's on normalised floats up to float rounding, border pixels included.
  Job job = prepare(trained("w2a2", testing::tiny_workload(2), "fashion-mnist"), array(8, 8), 4);
  train::Tensor images;
  std::vector<std::int32_t> labels;
  train::make_batch(job.test, train::iota_order(4), 0, 4, job.normalization, {false, 0, false}, nullptr, images, labels);
  job.network->forward(images, false);
  for (int i = 0; i < 4; ++i) {
    const ImageRun run = job.integer->run(job.test.pixels.data() + std::size_t(i) * 256);
    const ImageComparison c = compare_with_engine(*job.network, i, *job.integer, run, i, labels[std::size_t(i)]);
    ASSERT_TRUE(c.layers[0].conv_checked);
    EXPECT_TRUE(c.layers[0].conv_within_tolerance) << c.layers[0].conv_error_units;
    EXPECT_LT(c.layers[0].conv_error_units, 0.05);  // in pixel steps x weight codes
  }
}

TEST(Infer, RtlArrayGivesIdenticalSumsStatisticsAndLogits) {
  Job job = prepare(trained("w2a2", testing::tiny_workload(2), "fashion-mnist"), array(8, 8), 3);
  PipelineOptions pipeline;
  pipeline.pe_model = sim::PeModel::rtl;
  const InferenceResult r = infer(job, 3, pipeline);
  ASSERT_TRUE(r.rtl.ran);
  EXPECT_TRUE(r.rtl.identical()) << r.rtl.first_difference;
  EXPECT_EQ(r.rtl.images, 3);
  EXPECT_EQ(r.rtl.layer_runs, 3 * 7);  // seven weighted layers, one pass each
  EXPECT_GT(r.rtl.sums_compared, 3 * 1000);
  EXPECT_TRUE(r.passed());
}

TEST(Infer, RtlModeRefusesDataflowsAndSizesWithoutRtl) {
  Job job = prepare(trained("w2a2", testing::tiny_workload(2), "fashion-mnist"), array(8, 8, "os"), 1);
  PipelineOptions pipeline;
  pipeline.pe_model = sim::PeModel::rtl;
  EXPECT_THROW(infer(job, 1, pipeline), core::InputError);
}

TEST(Infer, ACorruptedWeightCodeIsCaughtAtItsLayer) {
  Job job = prepare(trained("w2a2", testing::tiny_workload(2), "fashion-mnist"), array(8, 8), 20);
  const InferenceResult clean = infer(job, 20);
  ASSERT_EQ(clean.agreeing, 20);
  // Flip one code of b.conv_a (the centre tap of filter 0, input channel 0) to another legal code.
  const int layer = job.integer->weighted_index(2);
  ASSERT_EQ(job.integer->layers()[std::size_t(layer)].name, "b.conv_a");
  workloads::ref::Filters& weights = job.integer->weights(std::size_t(layer));
  std::int32_t& code = weights.at(0, 0, 1, 1);
  code = code == 1 ? -2 : code + 1;
  const InferenceResult corrupted = infer(job, 20);
  int caught = 0;
  for (const ImageComparison& image : corrupted.images) {
    if (image.first_conv_layer == layer) ++caught;
    if (image.first_conv_layer >= 0) {
      EXPECT_NE(image.cause.find("b.conv_a"), std::string::npos) << image.cause;
    }
  }
  EXPECT_GT(caught, 0);  // the comparison can fail, and names the layer
  EXPECT_GT(logit_error_distribution(corrupted).max, 100 * logit_error_distribution(clean).max);
}

TEST(Infer, PrefixJoinsOfUnequalWidthsRun) {
  // A search-derived network: block b's main branch wider than its shortcut, block d's narrower.
  const workloads::Workload derived = search::derive_workload(
      testing::tiny_workload(2), {{"b.conv_a", 6}, {"b.conv_b", 12}, {"d.conv_a", 10}, {"d.conv_b", 6}},
      search::JoinMode::prefix);
  int prefix_joins = 0;
  for (const workloads::Layer& layer : derived.layers) prefix_joins += layer.join == workloads::Join::prefix ? 1 : 0;
  ASSERT_EQ(prefix_joins, 2);
  Job job = prepare(trained("prefix", derived, "fashion-mnist"), array(8, 8), 100);
  const InferenceResult r = infer(job, 100);
  expect_agreement(r);
}

TEST(Infer, ThreeBitLayersRunByDigitPasses) {
  Job job = prepare(trained("w3a3", testing::tiny_workload(3), "fashion-mnist"), array(8, 8), 100);
  const InferenceResult r = infer(job, 100);
  expect_agreement(r);
  const int expected = workloads::ref::activation_digit_count(3) * workloads::ref::weight_digit_count(3);
  ASSERT_GT(expected, 1);
  for (const cost_models::LayerStats& s : r.cost.layers) {
    if (s.layer == "b.conv_a" || s.layer == "d.conv_b") {
      EXPECT_EQ(s.passes, expected) << s.layer;
    }
  }
}

TEST(Infer, ThreeChannelImagesWithPerChannelNormalisationRunOneChannelAtATime) {
  Job job = prepare(trained("rgb", testing::tiny_workload(2, 3), "cifar10"), array(8, 8), 100);
  ASSERT_EQ(job.integer->layers()[0].passes.size(), 3u);  // CIFAR's three stds differ
  const InferenceResult r = infer(job, 100);
  expect_agreement(r);
}

TEST(Infer, RunDirectoriesAreCheckedBeforeAnyWork) {
  const fs::path good = trained("w2a2", testing::tiny_workload(2), "fashion-mnist");
  EXPECT_THROW(read_trained_run(scratch("no-such-run")), core::InputError);
  const fs::path copy = scratch("copy");
  fs::remove_all(copy);
  fs::copy(good, copy);
  fs::remove(copy / "model.yaml");
  EXPECT_THROW(read_trained_run(copy), core::InputError);
  EXPECT_NO_THROW(read_trained_run(copy, (good / "model.yaml").string()));  // --model stands in
  fs::remove(copy / "summary.json");
  EXPECT_THROW(read_trained_run(copy, (good / "model.yaml").string()), core::InputError);
  const fs::path search_run = scratch("search-run");
  fs::create_directories(search_run);
  std::ofstream(search_run / "search.jsonl") << "\n";
  std::ofstream(search_run / "checkpoint.bin") << "x";
  try {
    read_trained_run(search_run);
    ADD_FAILURE() << "a search run was accepted";
  } catch (const core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("derived.yaml"), std::string::npos) << error.what();
  }
  const fs::path float_run = scratch("float");
  testing::train_run(testing::tiny_workload(2), float_run, "fashion-mnist", false, 64);
  try {
    read_trained_run(float_run);
    ADD_FAILURE() << "a W32A32 run was accepted";
  } catch (const core::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("W32A32"), std::string::npos) << error.what();
  }
}

TEST(Infer, SamplesAreSeededDistinctAndSorted) {
  const std::vector<int> a = sample_indices(1000, 50, 7);
  EXPECT_EQ(a, sample_indices(1000, 50, 7));
  EXPECT_NE(a, sample_indices(1000, 50, 8));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::adjacent_find(a.begin(), a.end()), a.end());
  EXPECT_EQ(sample_indices(10, 10, 3), train::iota_order(10));
  EXPECT_THROW(sample_indices(10, 0, 1), core::InputError);
  EXPECT_THROW(sample_indices(10, 11, 1), core::InputError);
}

}  // namespace
}  // namespace nce::infer
