// The MAC array and its operand feeders, advanced one clock cycle per activation of one
// SC_METHOD (a process per PE runs ~30x slower; the RTL array is the per-PE alternative).
//
// Weight-stationary timing follows rtl/mac_array.sv's protocol for a Rows x Cols grid:
//   - a fold's weights shift into the PEs' shadow registers over Rows row-loads (one weight
//     row per `weight_beats` cycles); the first fold's load starts with the step;
//   - fold i's first column enters row 0 at t0_i; row r sees column j at t0_i + r + j*beats
//     (skew), and column j's de-skewed outputs for all m columns are complete at
//     t0_i + j*beats + Rows + m - 1, when they are written to the output buffer;
//   - fold i+1's weight load may start when fold i's commit reaches the last PE,
//     t0_i + Rows + Cols - 2, so loads overlap streams:
//       t0_{i+1} = max(t0_i + N_i * beats_i, t0_i + Rows + Cols - 2 + Rows * weight_beats_{i+1});
//   - `beats` > 1 when the SRAM ports cannot deliver a column (or absorb a row of sums) per
//     cycle; the array then carries zero bubble columns between real ones.
// Cycle classes: a cycle in which a real column enters is compute; a bubble is "other";
// waiting for t0 (weight load/commit) is weight load; after the last column entered, fill/drain.
//
// Output-stationary folds run one after another: K_chunk columns stream (beats as above),
// then the skew empties (n + m - 2 cycles) and n output rows drain into the output buffer.
#include <algorithm>
#include <cassert>

#include "modules.hpp"

namespace nce::sim {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

SystolicArray::SystolicArray(sc_core::sc_module_name name) : sc_core::sc_module(name) {
  SC_METHOD(tick);
  dont_initialize();
  sensitive << start_event_;
}

void SystolicArray::start(int step, int input_slot, int weight_slot, int output_slot) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::AcceleratorConfig& config = *job->config;
  step_ = &s.steps[step];
  in_slot_ = input_slot;
  w_slot_ = weight_slot;
  out_slot_ = output_slot;
  start_cycle_ = current_cycle();
  const int if_word = cost_models::effective_word_bits(config, config.ifmap);
  const int w_word = cost_models::effective_word_bits(config, config.weight);
  const int of_word = cost_models::effective_word_bits(config, config.ofmap);

  folds_.clear();
  cost_models::for_each_fold(s, *step_, [&](const cost_models::ArrayFold& fold) {
    FoldTiming f;
    f.fold = fold;
    const std::int64_t of_words = ceil_div(std::int64_t{fold.m_size} * 32, of_word) * (fold.accumulate ? 2 : 1);
    if (s.dataflow == cost_models::Dataflow::weight_stationary) {
      f.weight_beats = static_cast<int>(ceil_div(ceil_div(2 * fold.m_size, w_word), config.weight.ports));
      f.beats = static_cast<int>(std::max({std::int64_t{1}, ceil_div(ceil_div(2 * fold.k_size, if_word), config.ifmap.ports),
                                           ceil_div(of_words, config.ofmap.ports)}));
    } else {
      f.beats = static_cast<int>(std::max({std::int64_t{1}, ceil_div(ceil_div(2 * fold.n_size, if_word), config.ifmap.ports),
                                           ceil_div(ceil_div(2 * fold.m_size, w_word), config.weight.ports)}));
      f.drain_beats = static_cast<int>(ceil_div(of_words, config.ofmap.ports));
    }
    folds_.push_back(f);
  });
  // Fold start times (the protocol above); OS folds are sequential.
  const int rows = s.rows;
  const int cols = s.cols;
  for (std::size_t i = 0; i < folds_.size(); ++i) {
    FoldTiming& f = folds_[i];
    if (s.dataflow == cost_models::Dataflow::weight_stationary) {
      if (i == 0) {
        f.load = 0;
        f.t0 = std::int64_t{rows} * f.weight_beats;
      } else {
        const FoldTiming& p = folds_[i - 1];
        f.load = p.t0 + rows + cols - 2;
        f.t0 = std::max(p.t0 + p.fold.n_size * p.beats, f.load + std::int64_t{rows} * f.weight_beats);
      }
    } else {
      if (i == 0) {
        f.t0 = 0;
      } else {
        const FoldTiming& p = folds_[i - 1];
        f.t0 = p.t0 + p.fold.k_size * std::int64_t{p.beats} + p.fold.n_size + p.fold.m_size - 2 +
               p.fold.n_size * std::int64_t{p.drain_beats};
      }
    }
  }
  streaming_ = 0;
  loading_ = 0;
  output_fold_ = 0;
  for (FoldTiming& f : folds_) f.next_output = 0;

  // im2col: reduction index k -> (channel within group, kernel row, kernel column).
  const std::int64_t k = s.gemm.k;
  {
    k_channel_.resize(k);
    k_r_.resize(k);
    k_s_.resize(k);
    k_offset_.resize(k);
    for (std::int64_t kk = 0; kk < k; ++kk) {
      k_channel_[kk] = static_cast<int>(kk / (s.kernel_h * s.kernel_w));
      k_r_[kk] = static_cast<int>((kk / s.kernel_w) % s.kernel_h);
      k_s_[kk] = static_cast<int>(kk % s.kernel_w);
      k_offset_[kk] = (std::size_t(k_channel_[kk]) * step_->in_rows + k_r_[kk]) * s.in.width + k_s_[kk];
    }
  }
  if (job->rtl) {
    // simulate_layer checked the dataflow and that this size was verilated.
    if (!rtl_ || rtl_->rows() != rows || rtl_->cols() != cols) rtl_ = rtl::make_verilated_array(rows, cols);
    rtl_sums_.assign(folds_.size(), {});
    rtl_weights_.assign(cols, 0);
    rtl_commits_.assign(rows, 0);
    rtl_activations_.assign(rows, 0);
    rtl_psums_.assign(cols, 0);
  }
  tiles_.assign(folds_.size(), {});
  sums_.resize(std::max(s.cols, 1));
  buffers->ofmap.slots[out_slot_].assign(std::size_t(step_->m_size) * step_->n_size, 0);
  busy_ = true;
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void SystolicArray::tick() {
  const std::int64_t c = current_cycle() - start_cycle_;
  const bool finished = job->schedule->dataflow == cost_models::Dataflow::weight_stationary ? tick_weight_stationary(c)
                                                                                : tick_output_stationary(c);
  if (finished) {
    busy_ = false;
    done.notify(kClockPeriod);
    next_trigger();  // back to the static sensitivity: sleep until the next start
  } else {
    next_trigger(kClockPeriod);
  }
}

bool SystolicArray::tick_weight_stationary(std::int64_t c) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::AcceleratorConfig& config = *job->config;
  cost_models::LayerStats& stats = *job->stats;
  const int rows = s.rows;

  // Weight loads: one weight row per weight_beats cycles; rows beyond k_size shift in zeros.
  while (loading_ < folds_.size() && c >= folds_[loading_].load + std::int64_t{rows} * folds_[loading_].weight_beats)
    ++loading_;
  if (loading_ < folds_.size()) {
    const FoldTiming& f = folds_[loading_];
    if (c >= f.load && (c - f.load) % f.weight_beats == 0) {
      const std::int64_t row = (c - f.load) / f.weight_beats;
      if (row == 0) stats.weight_register_bits += std::int64_t{f.fold.k_size} * f.fold.m_size * 2;
      if (row < f.fold.k_size) {
        buffers->weight.read(ceil_div(2 * f.fold.m_size, cost_models::effective_word_bits(config, config.weight)), 2 * f.fold.m_size);
      }
    }
  }

  // Streaming and the cycle's class.
  while (streaming_ + 1 < folds_.size() &&
         c >= folds_[streaming_].t0 + folds_[streaming_].fold.n_size * folds_[streaming_].beats)
    ++streaming_;
  const FoldTiming& f = folds_[streaming_];
  if (c < f.t0) {
    ++stats.stall_weight_load;
  } else if (c < f.t0 + f.fold.n_size * f.beats) {
    if ((c - f.t0) % f.beats == 0) {
      ++stats.compute_cycles;
      buffers->ifmap.read(ceil_div(2 * f.fold.k_size, cost_models::effective_word_bits(config, config.ifmap)), 2 * f.fold.k_size);
    } else {
      ++stats.stall_other;
    }
  } else {
    ++stats.stall_fill_drain;
  }

  if (job->rtl) clock_rtl(c);

  // De-skewed outputs of every fold in flight.
  for (std::size_t i = output_fold_; i <= streaming_; ++i) {
    FoldTiming& g = folds_[i];
    if (g.next_output >= g.fold.n_size) continue;
    const std::int64_t due = g.t0 + g.next_output * g.beats + rows + g.fold.m_size - 1;
    assert(c <= due);
    if (c == due) {
      if (job->rtl) {
        emit_outputs(g, g.next_output, rtl_sums_[i].data() + g.next_output * g.fold.m_size);
        if (g.next_output + 1 == g.fold.n_size) std::vector<std::int32_t>().swap(rtl_sums_[i]);
      } else {
        compute_pixel(i, g.next_output, sums_.data());
        emit_outputs(g, g.next_output, sums_.data());
        if (g.next_output + 1 == g.fold.n_size) std::vector<std::int32_t>().swap(tiles_[i]);
      }
      ++g.next_output;
    }
  }
  while (output_fold_ < folds_.size() && folds_[output_fold_].next_output >= folds_[output_fold_].fold.n_size)
    ++output_fold_;
  return output_fold_ == folds_.size();
}

bool SystolicArray::tick_output_stationary(std::int64_t c) {
  const cost_models::AcceleratorConfig& config = *job->config;
  cost_models::LayerStats& stats = *job->stats;
  FoldTiming& f = folds_[streaming_];
  const std::int64_t rel = c - f.t0;
  const std::int64_t stream = f.fold.k_size * std::int64_t{f.beats};
  const std::int64_t skew = f.fold.n_size + f.fold.m_size - 2;
  if (rel < stream) {
    if (rel % f.beats == 0) {
      ++stats.compute_cycles;
      buffers->ifmap.read(ceil_div(2 * f.fold.n_size, cost_models::effective_word_bits(config, config.ifmap)), 2 * f.fold.n_size);
      buffers->weight.read(ceil_div(2 * f.fold.m_size, cost_models::effective_word_bits(config, config.weight)), 2 * f.fold.m_size);
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
    compute_pixel(streaming_, pixel, sums_.data());
    emit_outputs(f, pixel, sums_.data());
  }
  if (d + 1 == f.fold.n_size * std::int64_t{f.drain_beats}) {
    std::vector<std::int32_t>().swap(tiles_[streaming_]);
    ++streaming_;
    return streaming_ == folds_.size();
  }
  return false;
}

std::int8_t SystolicArray::activation_digit(const cost_models::ArrayFold& fold, std::int64_t pixel, int k) const {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::ScheduleStep& step = *step_;
  const std::int64_t p = step.n0 + pixel;
  const int y = static_cast<int>(p / s.out.width);
  const int x = static_cast<int>(p % s.out.width);
  const int iy = y * s.stride - s.padding + k_r_[k];
  const int ix = x * s.stride - s.padding + k_s_[k];
  if (iy < 0 || iy >= s.in.height || ix < 0 || ix >= s.in.width) return 0;
  const int slot_row = s.gathered_rows ? (y - step.out_row0) * s.kernel_h + k_r_[k] : iy - step.in_row0;
  const std::size_t plane = std::size_t(s.in.channels / s.groups) * step.in_rows * s.in.width;
  return buffers->ifmap.slots[in_slot_][fold.act_digit * plane +
                                        (std::size_t(k_channel_[k]) * step.in_rows + slot_row) * s.in.width + ix];
}

// RTL mode: the same fold timeline drives rtl/mac_array.sv's ports cycle by cycle (protocol in its
// header): w_shift with the bottom weight row first, w_commit[r] and the skewed activations of
// row r from t0 + r, bubbles as zero columns. psum_o[c] holds column c of pixel j during cycle
// t0 + j*beats + R + c; it is captured then and written to the output buffer at the same cycle
// the behavioural model writes it, so outputs and every count must agree.
void SystolicArray::clock_rtl(std::int64_t c) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const int rows = s.rows;
  const std::int64_t k_total = s.gemm.k;
  bool shift = false;
  std::fill(rtl_weights_.begin(), rtl_weights_.end(), 0);
  if (loading_ < folds_.size()) {
    const FoldTiming& f = folds_[loading_];
    if (c >= f.load && (c - f.load) % f.weight_beats == 0) {
      shift = true;
      const int row = rows - 1 - static_cast<int>((c - f.load) / f.weight_beats);
      if (row < f.fold.k_size) {
        const std::int8_t* w = buffers->weight.slots[w_slot_].data() +
                               std::size_t(f.fold.weight_digit) * std::size_t(step_->m_size) * k_total;
        for (int col = 0; col < f.fold.m_size; ++col) {
          rtl_weights_[col] = w[std::size_t(f.fold.m0 + col) * k_total + f.fold.k0 + row];
        }
      }
    }
  }
  std::fill(rtl_commits_.begin(), rtl_commits_.end(), 0);
  std::fill(rtl_activations_.begin(), rtl_activations_.end(), 0);
  const std::size_t last = std::min(folds_.size() - 1, streaming_ + 1);
  for (std::size_t i = output_fold_; i <= last; ++i) {
    const FoldTiming& f = folds_[i];
    for (int r = 0; r < rows; ++r) {
      const std::int64_t q = c - r - f.t0;
      if (q == 0) rtl_commits_[r] = 1;
      if (q < 0 || q >= f.fold.n_size * f.beats || q % f.beats != 0 || r >= f.fold.k_size) continue;
      rtl_activations_[r] = static_cast<std::uint8_t>(activation_digit(f.fold, q / f.beats, f.fold.k0 + r));
    }
  }
  rtl_->cycle(shift, rtl_weights_, rtl_commits_, rtl_activations_);
  rtl_->read_psums(rtl_psums_);  // what psum_o holds during cycle c + 1
  for (std::size_t i = output_fold_; i <= last; ++i) {
    const FoldTiming& f = folds_[i];
    for (int col = 0; col < f.fold.m_size; ++col) {
      const std::int64_t q = c + 1 - f.t0 - rows - col;
      if (q < 0 || q >= f.fold.n_size * f.beats || q % f.beats != 0) continue;
      if (rtl_sums_[i].empty()) rtl_sums_[i].assign(std::size_t(f.fold.n_size) * f.fold.m_size, 0);
      rtl_sums_[i][std::size_t(q / f.beats) * f.fold.m_size + col] = rtl_psums_[col];
    }
  }
}

void SystolicArray::compute_pixel(std::size_t fold_index, std::int64_t pixel, std::int32_t* sums) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::ScheduleStep& step = *step_;
  const cost_models::ArrayFold& fold = folds_[fold_index].fold;
  // The fold's weight tile as the PEs hold it, [k][m] (transposed once per fold so the per-pixel
  // product runs along m, the array's columns), freed with the fold's last output.
  std::vector<std::int32_t>& tile = tiles_[fold_index];
  const std::int64_t k_total = s.gemm.k;
  if (tile.empty()) {
    tile.assign(std::size_t(fold.k_size) * fold.m_size, 0);
    const std::int8_t* weights = buffers->weight.slots[w_slot_].data() +
                                 std::size_t(fold.weight_digit) * std::size_t(step.m_size) * k_total;
    for (int m = 0; m < fold.m_size; ++m) {
      const std::int8_t* w = weights + std::size_t(fold.m0 + m) * k_total + fold.k0;
      for (int kk = 0; kk < fold.k_size; ++kk) tile[std::size_t(kk) * fold.m_size + m] = w[kk];
    }
  }
  // im2col: the fold's activation digits for this output pixel.
  const std::int64_t p = step.n0 + pixel;
  const int y = static_cast<int>(p / s.out.width);
  const int x = static_cast<int>(p % s.out.width);
  const std::int8_t* plane = buffers->ifmap.slots[in_slot_].data() +
                             std::size_t(fold.act_digit) * (std::size_t(s.in.channels / s.groups) * step.in_rows * s.in.width);
  std::fill(sums, sums + fold.m_size, 0);
  const int top = y * s.stride - s.padding;
  const int left = x * s.stride - s.padding;
  if (top >= 0 && top + s.kernel_h <= s.in.height && left >= 0 && left + s.kernel_w <= s.in.width) {
    // Interior pixel (no padding under the kernel): k's slot offset is fixed per step.
    const std::int8_t* origin =
        plane + (s.gathered_rows ? std::size_t(y - step.out_row0) * s.kernel_h : std::size_t(top - step.in_row0)) * s.in.width + left;
    for (int kk = 0; kk < fold.k_size; ++kk) {
      const std::int32_t a = origin[k_offset_[fold.k0 + kk]];
      if (a == 0) continue;
      const std::int32_t* w = tile.data() + std::size_t(kk) * fold.m_size;
      for (int m = 0; m < fold.m_size; ++m) sums[m] += w[m] * a;
    }
    return;
  }
  for (int kk = 0; kk < fold.k_size; ++kk) {
    const int k = fold.k0 + kk;
    const int iy = y * s.stride - s.padding + k_r_[k];
    const int ix = x * s.stride - s.padding + k_s_[k];
    if (iy < 0 || iy >= s.in.height || ix < 0 || ix >= s.in.width) continue;
    const int slot_row = s.gathered_rows ? (y - step.out_row0) * s.kernel_h + k_r_[k] : iy - step.in_row0;
    assert(slot_row >= 0 && slot_row < step.in_rows);
    const std::int32_t a = plane[(std::size_t(k_channel_[k]) * step.in_rows + slot_row) * s.in.width + ix];
    if (a == 0) continue;
    const std::int32_t* w = tile.data() + std::size_t(kk) * fold.m_size;
    for (int m = 0; m < fold.m_size; ++m) sums[m] += w[m] * a;
  }
}

void SystolicArray::emit_outputs(const FoldTiming& f, std::int64_t pixel, const std::int32_t* sums) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::AcceleratorConfig& config = *job->config;
  cost_models::LayerStats& stats = *job->stats;
  const cost_models::ArrayFold& fold = f.fold;
  // Digit pass (i, j) weighs 4^(i + j): shift-and-add in the output buffer.
  const std::int32_t scale = std::int32_t{1} << (2 * (fold.act_digit + fold.weight_digit));
  std::int32_t* out = buffers->ofmap.slots[out_slot_].data();
  const std::int64_t words = ceil_div(std::int64_t{fold.m_size} * 32, cost_models::effective_word_bits(config, config.ofmap));
  const std::int64_t n_size = step_->n_size;
  if (fold.accumulate) {
    buffers->ofmap.read(words, std::int64_t{fold.m_size} * 32);
    stats.psum_readback_words += words;
    stats.output_accumulations += fold.m_size;
    for (int m = 0; m < fold.m_size; ++m) out[std::size_t(fold.m0 + m) * n_size + pixel] += sums[m] * scale;
  } else {
    for (int m = 0; m < fold.m_size; ++m) out[std::size_t(fold.m0 + m) * n_size + pixel] = sums[m] * scale;
  }
  buffers->ofmap.write(words, std::int64_t{fold.m_size} * 32);
  (void)s;
}

}  // namespace nce::sim
