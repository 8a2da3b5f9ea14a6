#pragma once
// `nce infer`'s job (docs/INFER.md): a seeded sample of the test set through the engine's
// fake-quant forward and through the integer pipeline on the array model, compared image by image;
// accuracy of both, cost per inference (the SystemC model's statistics, data-independent), speed,
// and with the RTL PE model the comparison of every int32 sum against the behavioural model.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nce/cost_models/layer_stats.hpp"
#include "nce/infer/agreement.hpp"
#include "nce/infer/integer_network.hpp"
#include "nce/train/datasets.hpp"
#include "nce/train/network.hpp"

namespace nce::infer {

// Top-1 agreement the run must reach (issue 15): below it `nce infer` exits 1.
constexpr double kAgreementThreshold = 0.999;

struct InferenceOptions {
  int images = 100;        // sample size (the whole test set when equal to its size)
  std::uint64_t seed = 1;  // of the sample
  int batch = 64;          // engine batch
  PipelineOptions pipeline;
  std::function<void(int done, int total)> progress;
};

// The RTL PE model against the behavioural one (PipelineOptions::pe_model == rtl): the whole
// integer pipeline runs twice per image.
struct RtlComparison {
  bool ran = false;
  std::int64_t images = 0;
  std::int64_t layer_runs = 0;       // array passes compared (images x passes)
  std::int64_t sums_compared = 0;    // int32 sums
  std::int64_t sum_differences = 0;
  std::int64_t stats_differences = 0;  // array passes whose LayerStats differ in any field
  std::int64_t logit_differences = 0;  // images whose logits are not bitwise equal
  std::string first_difference;        // where, if any
  bool identical() const { return sum_differences == 0 && stats_differences == 0 && logit_differences == 0; }
};

struct InferenceResult {
  std::vector<int> indices;  // test-set indices of the sample, ascending
  int test_set_size = 0;
  std::vector<ImageComparison> images;
  cost_models::WorkloadStats cost;            // per image, from the first image
  std::int64_t cost_differing_images = 0;     // images whose statistics differ from the first's (expected 0)
  std::vector<std::int64_t> ppu_elements;     // per workload layer, per image
  std::int64_t reference_differences = -1;    // check_reference: sums differing from workloads::ref
  int agreeing = 0;
  int engine_correct = 0;
  int array_correct = 0;
  double pipeline_seconds = 0.0;    // integer pipeline with the chosen PE model (array model + PPU)
  double behavioral_seconds = 0.0;  // RTL mode: the behavioural rerun
  double engine_seconds = 0.0;      // the engine's batched forward passes
  double total_seconds = 0.0;
  RtlComparison rtl;

  int count() const { return int(images.size()); }
  double agreement() const { return images.empty() ? 0.0 : double(agreeing) / double(images.size()); }
  bool passed() const { return agreement() >= kAgreementThreshold && (!rtl.ran || rtl.identical()); }
};

// `count` distinct test-set indices drawn with `seed` (the first `count` of a seeded shuffle),
// ascending; all of them, in order, when count equals the set's size.
std::vector<int> sample_indices(int test_size, int count, std::uint64_t seed);

InferenceResult run_inference(train::Network& network, IntegerNetwork& integer, const train::Dataset& test,
                              const train::Normalization& normalization, const InferenceOptions& options);

}  // namespace nce::infer
