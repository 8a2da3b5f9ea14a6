#include "nce/infer/inference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "nce/core/input_error.hpp"

namespace nce::infer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Every int32 sum, every LayerStats field and the logits of two runs of one image.
void compare_runs(const IntegerNetwork& integer, const ImageRun& rtl, const ImageRun& behavioral, int image,
                  RtlComparison& out) {
  ++out.images;
  const std::vector<WeightedLayer>& layers = integer.layers();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const LayerResult& a = rtl.layers[l];
    const LayerResult& b = behavioral.layers[l];
    for (std::size_t p = 0; p < a.sums.size(); ++p) {
      ++out.layer_runs;
      const std::vector<std::int32_t>& x = a.sums[p].values;
      const std::vector<std::int32_t>& y = b.sums[p].values;
      out.sums_compared += std::int64_t(std::max(x.size(), y.size()));
      std::int64_t differences = x.size() == y.size() ? 0 : std::int64_t(std::max(x.size(), y.size()));
      if (x.size() == y.size()) {
        for (std::size_t k = 0; k < x.size(); ++k) differences += x[k] != y[k] ? 1 : 0;
      }
      out.sum_differences += differences;
      const bool stats_differ = !(a.pass_stats[p] == b.pass_stats[p]);
      out.stats_differences += stats_differ ? 1 : 0;
      if ((differences > 0 || stats_differ) && out.first_difference.empty()) {
        out.first_difference = fmt::format("image {}, layer {}: {} sums differ{}", image, layers[l].name, differences,
                                           stats_differ ? ", statistics differ" : "");
      }
    }
  }
  const bool logits_equal = rtl.logits.size() == behavioral.logits.size() &&
                            std::memcmp(rtl.logits.data(), behavioral.logits.data(), rtl.logits.size() * sizeof(float)) == 0;
  if (!logits_equal) {
    ++out.logit_differences;
    if (out.first_difference.empty()) out.first_difference = fmt::format("image {}: logits differ", image);
  }
}

}  // namespace

std::vector<int> sample_indices(int test_size, int count, std::uint64_t seed) {
  if (count < 1 || count > test_size) {
    throw core::InputError(fmt::format("--images {}: the test set has {} images", count, test_size));
  }
  if (count == test_size) return train::iota_order(test_size);
  std::vector<std::int32_t> order = train::shuffled_order(test_size, seed);
  std::vector<int> indices(order.begin(), order.begin() + count);
  std::sort(indices.begin(), indices.end());
  return indices;
}

InferenceResult run_inference(train::Network& network, IntegerNetwork& integer, const train::Dataset& test,
                              const train::Normalization& normalization, const InferenceOptions& options) {
  const auto started = Clock::now();
  InferenceResult result;
  result.test_set_size = test.size();
  result.indices = sample_indices(test.size(), options.images, options.seed);
  const std::vector<std::int32_t> order(result.indices.begin(), result.indices.end());
  const std::size_t image_size = std::size_t(test.channels) * test.height * test.width;
  const bool rtl = options.pipeline.pe_model == sim::PeModel::rtl;
  result.rtl.ran = rtl;
  PipelineOptions behavioral = options.pipeline;
  behavioral.pe_model = sim::PeModel::behavioral;
  behavioral.check_reference = false;
  if (options.pipeline.check_reference) result.reference_differences = 0;

  train::Tensor images;
  std::vector<std::int32_t> labels;
  const int batch = std::max(1, options.batch);
  std::vector<cost_models::LayerStats> first_stats;
  for (std::size_t begin = 0; begin < order.size(); begin += std::size_t(batch)) {
    const int count = int(std::min<std::size_t>(std::size_t(batch), order.size() - begin));
    train::make_batch(test, order, begin, count, normalization, train::Augmentation{false, 0, false}, nullptr, images,
                      labels);
    const auto engine_started = Clock::now();
    network.forward(images, false);
    result.engine_seconds += seconds_since(engine_started);
    for (int b = 0; b < count; ++b) {
      const int index = order[begin + std::size_t(b)];
      const std::uint8_t* pixels = test.pixels.data() + std::size_t(index) * image_size;
      const auto pipeline_started = Clock::now();
      const ImageRun run = integer.run(pixels, options.pipeline);
      result.pipeline_seconds += seconds_since(pipeline_started);
      if (rtl) {
        const auto behavioral_started = Clock::now();
        const ImageRun reference = integer.run(pixels, behavioral);
        result.behavioral_seconds += seconds_since(behavioral_started);
        compare_runs(integer, run, reference, index, result.rtl);
      }
      if (options.pipeline.check_reference) {
        for (const LayerResult& layer : run.layers) result.reference_differences += std::max<std::int64_t>(0, layer.reference_differences);
      }
      if (first_stats.empty()) {
        first_stats = run.stats;
        result.ppu_elements = run.ppu_elements;
      } else if (!(run.stats == first_stats)) {
        ++result.cost_differing_images;
      }
      ImageComparison comparison = compare_with_engine(network, b, integer, run, index, labels[std::size_t(b)]);
      result.agreeing += comparison.agree ? 1 : 0;
      result.engine_correct += comparison.engine_top1 == comparison.label ? 1 : 0;
      result.array_correct += comparison.array_top1 == comparison.label ? 1 : 0;
      result.images.push_back(std::move(comparison));
      if (options.progress) options.progress(result.count(), int(order.size()));
    }
  }
  result.cost = cost_models::summarize(integer.workload().name, first_stats);
  result.total_seconds = seconds_since(started);
  return result;
}

}  // namespace nce::infer
