#include "stationary_array.hpp"

#include <algorithm>
#include <cassert>

namespace nce::sim {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

void StationaryArray::start(SystolicArray& array) {
  const cost_models::LayerSchedule& s = array.schedule();
  const cost_models::AcceleratorConfig& config = array.config();
  const int if_word = cost_models::effective_word_bits(config, config.ifmap);
  const int w_word = cost_models::effective_word_bits(config, config.weight);
  const int of_word = cost_models::effective_word_bits(config, config.ofmap);
  const int held_word = weights_held_ ? w_word : if_word;
  const int held_ports = weights_held_ ? config.weight.ports : config.ifmap.ports;
  const int stream_word = weights_held_ ? if_word : w_word;
  const int stream_ports = weights_held_ ? config.ifmap.ports : config.weight.ports;
  folds_.clear();
  cost_models::for_each_fold(s, array.step(), [&](const cost_models::ArrayFold& fold) {
    FoldTiming f;
    f.fold = fold;
    f.width = weights_held_ ? fold.m_size : fold.n_size;
    f.length = weights_held_ ? fold.n_size : fold.m_size;
    const std::int64_t out_words = ceil_div(f.width * 32, of_word) * (fold.accumulate ? 2 : 1);
    f.load_beats = ceil_div(ceil_div(2 * f.width, held_word), held_ports);
    f.beats = std::max({std::int64_t{1}, ceil_div(ceil_div(2 * fold.k_size, stream_word), stream_ports),
                        ceil_div(out_words, config.ofmap.ports)});
    folds_.push_back(f);
  });
  const std::int64_t rows = s.rows;
  const std::int64_t cols = s.cols;
  for (std::size_t i = 0; i < folds_.size(); ++i) {
    FoldTiming& f = folds_[i];
    if (i == 0) {
      f.load = 0;
      f.t0 = rows * f.load_beats;
    } else {
      const FoldTiming& p = folds_[i - 1];
      f.load = p.t0 + rows + cols - 2;
      f.t0 = std::max(p.t0 + p.length * p.beats, f.load + rows * f.load_beats);
    }
  }
  loading_ = 0;
  streaming_ = 0;
  output_fold_ = 0;
  tiles_.assign(folds_.size(), {});
  sums_.resize(std::size_t(std::max(s.cols, 1)));
}

const std::int32_t* StationaryArray::line(SystolicArray& array, std::size_t i, std::int64_t j) {
  const FoldTiming& f = folds_[i];
  if (weights_held_) {
    array.pixel_sums(f.fold, f.fold.n0 + j, tiles_[i], sums_.data());
  } else {
    array.filter_sums(f.fold, j, tiles_[i], sums_.data());
  }
  if (j + 1 == f.length) std::vector<std::int32_t>().swap(tiles_[i]);
  return sums_.data();
}

bool StationaryArray::tick(SystolicArray& array, std::int64_t c) {
  const cost_models::AcceleratorConfig& config = array.config();
  cost_models::LayerStats& stats = array.stats();
  const std::int64_t rows = array.schedule().rows;
  SramBuffer<std::int8_t>& held = weights_held_ ? array.buffers->weight
                                                : array.buffers->ifmap;
  SramBuffer<std::int8_t>& streamed = weights_held_ ? array.buffers->ifmap : array.buffers->weight;
  const int held_word = cost_models::effective_word_bits(config, weights_held_ ? config.weight : config.ifmap);
  const int stream_word = cost_models::effective_word_bits(config, weights_held_ ? config.ifmap : config.weight);

  // Shadow loads: one held row per load_beats cycles; rows beyond k_size shift in zeros.
  while (loading_ < folds_.size() && c >= folds_[loading_].load + rows * folds_[loading_].load_beats) ++loading_;
  if (loading_ < folds_.size()) {
    const FoldTiming& f = folds_[loading_];
    if (c >= f.load && (c - f.load) % f.load_beats == 0) {
      const std::int64_t row = (c - f.load) / f.load_beats;
      if (row == 0) stats.stationary_register_bits += std::int64_t{f.fold.k_size} * f.width * 2;
      if (row < f.fold.k_size) held.read(ceil_div(2 * f.width, held_word), 2 * f.width);
    }
  }

  // Streaming and the cycle's class.
  while (streaming_ + 1 < folds_.size() &&
         c >= folds_[streaming_].t0 + folds_[streaming_].length * folds_[streaming_].beats)
    ++streaming_;
  const FoldTiming& f = folds_[streaming_];
  if (c < f.t0) {
    ++stats.stall_stationary_load;
  } else if (c < f.t0 + f.length * f.beats) {
    if ((c - f.t0) % f.beats == 0) {
      ++stats.compute_cycles;
      streamed.read(ceil_div(2 * f.fold.k_size, stream_word), 2 * f.fold.k_size);
    } else {
      ++stats.stall_other;
    }
  } else {
    ++stats.stall_fill_drain;
  }

  clock(array, c);

  // De-skewed output lines of every fold in flight.
  for (std::size_t i = output_fold_; i <= streaming_; ++i) {
    FoldTiming& g = folds_[i];
    if (g.next_output >= g.length) continue;
    const std::int64_t due = g.t0 + g.next_output * g.beats + rows + g.width - 1;
    assert(c <= due);
    if (c == due) {
      array.write_line(g.fold, weights_held_, weights_held_ ? g.fold.n0 + g.next_output : g.next_output,
                       line(array, i, g.next_output));
      ++g.next_output;
    }
  }
  while (output_fold_ < folds_.size() && folds_[output_fold_].next_output >= folds_[output_fold_].length)
    ++output_fold_;
  return output_fold_ == folds_.size();
}

}  // namespace nce::sim
