// Output-stationary (os) in the SystemC array: folds run one after another; k_size columns of
// both operands stream in (one per `beats` cycles), the skew empties (n + m - 2 cycles), then the
// n output rows drain into the output buffer, one per `drain_beats` cycles (sim/TIMING.md).
#include <algorithm>
#include <memory>
#include <vector>

#include "array_dataflow.hpp"

namespace nce::sim {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

class OutputStationaryArray final : public ArrayDataflow {
 public:
  void start(SystolicArray& array) override {
    const cost_models::AcceleratorConfig& config = array.config();
    const int if_word = cost_models::effective_word_bits(config, config.ifmap);
    const int w_word = cost_models::effective_word_bits(config, config.weight);
    const int of_word = cost_models::effective_word_bits(config, config.ofmap);
    folds_.clear();
    std::int64_t t0 = 0;
    cost_models::for_each_fold(array.schedule(), array.step(), [&](const cost_models::ArrayFold& fold) {
      FoldTiming f;
      f.fold = fold;
      f.beats = std::max({std::int64_t{1}, ceil_div(ceil_div(2 * fold.n_size, if_word), config.ifmap.ports),
                          ceil_div(ceil_div(2 * fold.m_size, w_word), config.weight.ports)});
      f.drain_beats = ceil_div(ceil_div(std::int64_t{fold.m_size} * 32, of_word) * (fold.accumulate ? 2 : 1),
                               config.ofmap.ports);
      f.t0 = t0;
      t0 += fold.k_size * f.beats + fold.n_size + fold.m_size - 2 + fold.n_size * f.drain_beats;
      folds_.push_back(f);
    });
    running_ = 0;
    tile_.clear();
    sums_.resize(std::size_t(std::max(array.schedule().cols, 1)));
  }

  bool tick(SystolicArray& array, std::int64_t c) override {
    const cost_models::AcceleratorConfig& config = array.config();
    cost_models::LayerStats& stats = array.stats();
    const FoldTiming& f = folds_[running_];
    const std::int64_t rel = c - f.t0;
    const std::int64_t stream = f.fold.k_size * f.beats;
    const std::int64_t skew = f.fold.n_size + f.fold.m_size - 2;
    if (rel < stream) {
      if (rel % f.beats == 0) {
        ++stats.compute_cycles;
        array.buffers->ifmap.read(ceil_div(2 * f.fold.n_size, cost_models::effective_word_bits(config, config.ifmap)),
                                  2 * f.fold.n_size);
        array.buffers->weight.read(ceil_div(2 * f.fold.m_size, cost_models::effective_word_bits(config, config.weight)),
                                   2 * f.fold.m_size);
      } else {
        ++stats.stall_other;
      }
      return false;
    }
    ++stats.stall_fill_drain;
    if (rel < stream + skew) return false;
    const std::int64_t d = rel - stream - skew;
    if (d % f.drain_beats == 0) {
      const std::int64_t pixel = f.fold.n0 + d / f.drain_beats;
      array.pixel_sums(f.fold, pixel, tile_, sums_.data());
      array.write_line(f.fold, /*along_channels=*/true, pixel, sums_.data());
    }
    if (d + 1 == f.fold.n_size * f.drain_beats) {
      tile_.clear();
      ++running_;
      return running_ == folds_.size();
    }
    return false;
  }

 private:
  struct FoldTiming {
    cost_models::ArrayFold fold;
    std::int64_t beats = 1;
    std::int64_t drain_beats = 1;
    std::int64_t t0 = 0;
  };
  std::vector<FoldTiming> folds_;
  std::size_t running_ = 0;
  std::vector<std::int32_t> tile_;
  std::vector<std::int32_t> sums_;
};

const bool registered =
    ArrayDataflowRegistry::add("os", "output-stationary", [] { return std::make_unique<OutputStationaryArray>(); });

}  // namespace
}  // namespace nce::sim
