// The SystemC MAC array: one SC_METHOD advances the whole array one clock cycle per activation
// (a process per PE runs ~30x slower; the RTL array is the per-PE alternative). The cycle's
// behaviour is the layer's dataflow's (sim/src/dataflows/); this file holds what they share:
// the step's operands in the SRAM slots, im2col, the PE arithmetic and the output buffer.
#include <algorithm>
#include <cassert>

#include "dataflows/array_dataflow.hpp"
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

SystolicArray::~SystolicArray() = default;

void SystolicArray::start(int step, int input_slot, int weight_slot, int output_slot) {
  const cost_models::LayerSchedule& s = *job->schedule;
  step_ = &s.steps[std::size_t(step)];
  in_slot_ = input_slot;
  w_slot_ = weight_slot;
  out_slot_ = output_slot;
  start_cycle_ = current_cycle();

  // im2col: reduction index k -> (channel within group, kernel row, kernel column).
  const std::int64_t k = s.gemm.k;
  k_channel_.resize(std::size_t(k));
  k_r_.resize(std::size_t(k));
  k_s_.resize(std::size_t(k));
  k_offset_.resize(std::size_t(k));
  for (std::int64_t kk = 0; kk < k; ++kk) {
    const std::size_t i = std::size_t(kk);
    k_channel_[i] = static_cast<int>(kk / (s.kernel_h * s.kernel_w));
    k_r_[i] = static_cast<int>((kk / s.kernel_w) % s.kernel_h);
    k_s_[i] = static_cast<int>(kk % s.kernel_w);
    k_offset_[i] = (std::size_t(k_channel_[i]) * std::size_t(step_->in_rows) + std::size_t(k_r_[i])) *
                       std::size_t(s.in.width) + std::size_t(k_s_[i]);
  }
  buffers->ofmap.slots[out_slot_].assign(std::size_t(step_->m_size) * std::size_t(step_->n_size), 0);
  const std::string_view name = s.dataflow->name();
  if (!dataflow_ || dataflow_name_ != name) {
    dataflow_ = ArrayDataflowRegistry::create(name, "dataflow of the SystemC array");
    dataflow_name_ = name;
  }
  dataflow_->start(*this);
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void SystolicArray::tick() {
  if (dataflow_->tick(*this, current_cycle() - start_cycle_)) {
    done.notify(kClockPeriod);
    next_trigger();  // back to the static sensitivity: sleep until the next start
  } else {
    next_trigger(kClockPeriod);
  }
}

std::int8_t SystolicArray::activation_digit(const cost_models::ArrayFold& fold, std::int64_t pixel, int k) const {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::ScheduleStep& step = *step_;
  const std::int64_t p = step.n0 + pixel;
  const int y = static_cast<int>(p / s.out.width);
  const int x = static_cast<int>(p % s.out.width);
  const std::size_t ki = std::size_t(k);
  const int iy = y * s.stride - s.padding + k_r_[ki];
  const int ix = x * s.stride - s.padding + k_s_[ki];
  if (iy < 0 || iy >= s.in.height || ix < 0 || ix >= s.in.width) return 0;
  const int slot_row = s.gathered_rows ? (y - step.out_row0) * s.kernel_h + k_r_[ki] : iy - step.in_row0;
  const std::size_t plane = std::size_t(s.in.channels / s.groups) * std::size_t(step.in_rows) * std::size_t(s.in.width);
  return buffers->ifmap.slots[in_slot_][std::size_t(fold.act_digit) * plane +
                                        (std::size_t(k_channel_[ki]) * std::size_t(step.in_rows) + std::size_t(slot_row)) *
                                            std::size_t(s.in.width) +
                                        std::size_t(ix)];
}

const std::int8_t* SystolicArray::weight_plane(const cost_models::ArrayFold& fold) const {
  return buffers->weight.slots[w_slot_].data() +
         std::size_t(fold.weight_digit) * std::size_t(step_->m_size) * std::size_t(job->schedule->gemm.k);
}

void SystolicArray::pixel_sums(const cost_models::ArrayFold& fold, std::int64_t pixel, std::vector<std::int32_t>& tile,
                               std::int32_t* sums) const {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::ScheduleStep& step = *step_;
  const std::size_t k_total = std::size_t(s.gemm.k);
  const std::size_t m_size = std::size_t(fold.m_size);
  // The fold's weight tile as the PEs hold it, [k][m] (transposed once per fold so the per-pixel
  // product runs along m, the array's columns).
  if (tile.empty()) {
    tile.assign(std::size_t(fold.k_size) * m_size, 0);
    const std::int8_t* weights = weight_plane(fold);
    for (std::size_t m = 0; m < m_size; ++m) {
      const std::int8_t* w = weights + (std::size_t(fold.m0) + m) * k_total + std::size_t(fold.k0);
      for (std::size_t kk = 0; kk < std::size_t(fold.k_size); ++kk) tile[kk * m_size + m] = w[kk];
    }
  }
  // im2col: the fold's activation digits for this output pixel.
  const std::int64_t p = step.n0 + pixel;
  const int y = static_cast<int>(p / s.out.width);
  const int x = static_cast<int>(p % s.out.width);
  const std::int8_t* plane =
      buffers->ifmap.slots[in_slot_].data() +
      std::size_t(fold.act_digit) * (std::size_t(s.in.channels / s.groups) * std::size_t(step.in_rows) * std::size_t(s.in.width));
  std::fill(sums, sums + m_size, 0);
  const int top = y * s.stride - s.padding;
  const int left = x * s.stride - s.padding;
  if (top >= 0 && top + s.kernel_h <= s.in.height && left >= 0 && left + s.kernel_w <= s.in.width) {
    // Interior pixel (no padding under the kernel): k's slot offset is fixed per step.
    const std::int8_t* origin =
        plane + (s.gathered_rows ? std::size_t(y - step.out_row0) * std::size_t(s.kernel_h) : std::size_t(top - step.in_row0)) *
                    std::size_t(s.in.width) +
        std::size_t(left);
    for (std::size_t kk = 0; kk < std::size_t(fold.k_size); ++kk) {
      const std::int32_t a = origin[k_offset_[std::size_t(fold.k0) + kk]];
      if (a == 0) continue;
      const std::int32_t* w = tile.data() + kk * m_size;
      for (std::size_t m = 0; m < m_size; ++m) sums[m] += w[m] * a;
    }
    return;
  }
  for (std::size_t kk = 0; kk < std::size_t(fold.k_size); ++kk) {
    const std::int32_t a = activation_digit(fold, pixel, fold.k0 + static_cast<int>(kk));
    if (a == 0) continue;
    const std::int32_t* w = tile.data() + kk * m_size;
    for (std::size_t m = 0; m < m_size; ++m) sums[m] += w[m] * a;
  }
}

void SystolicArray::filter_sums(const cost_models::ArrayFold& fold, std::int64_t filter, std::vector<std::int32_t>& tile,
                                std::int32_t* sums) const {
  const std::size_t k_total = std::size_t(job->schedule->gemm.k);
  const std::size_t n_size = std::size_t(fold.n_size);
  // The fold's im2col inputs as the PEs hold them, [k][n], gathered once per fold.
  if (tile.empty()) {
    tile.assign(std::size_t(fold.k_size) * n_size, 0);
    for (std::size_t kk = 0; kk < std::size_t(fold.k_size); ++kk) {
      for (std::size_t p = 0; p < n_size; ++p) {
        tile[kk * n_size + p] = activation_digit(fold, fold.n0 + std::int64_t(p), fold.k0 + static_cast<int>(kk));
      }
    }
  }
  const std::int8_t* w = weight_plane(fold) + (std::size_t(fold.m0) + std::size_t(filter)) * k_total + std::size_t(fold.k0);
  std::fill(sums, sums + n_size, 0);
  for (std::size_t kk = 0; kk < std::size_t(fold.k_size); ++kk) {
    const std::int32_t wk = w[kk];
    if (wk == 0) continue;
    const std::int32_t* a = tile.data() + kk * n_size;
    for (std::size_t p = 0; p < n_size; ++p) sums[p] += wk * a[p];
  }
}

void SystolicArray::write_line(const cost_models::ArrayFold& fold, bool along_channels, std::int64_t index,
                               const std::int32_t* sums) {
  const cost_models::AcceleratorConfig& config = *job->config;
  cost_models::LayerStats& stats = *job->stats;
  // Digit pass (i, j) weighs 4^(i + j): shift-and-add in the output buffer.
  const std::int32_t scale = std::int32_t{1} << (2 * (fold.act_digit + fold.weight_digit));
  std::int32_t* out = buffers->ofmap.slots[out_slot_].data();
  const std::size_t n_size = std::size_t(step_->n_size);
  const std::int64_t width = along_channels ? fold.m_size : fold.n_size;
  const std::int64_t words = ceil_div(width * 32, cost_models::effective_word_bits(config, config.ofmap));
  // Element e of the line sits at out[channel * n_size + pixel].
  auto at = [&](std::int64_t e) -> std::int32_t& {
    return along_channels ? out[(std::size_t(fold.m0) + std::size_t(e)) * n_size + std::size_t(index)]
                          : out[(std::size_t(fold.m0) + std::size_t(index)) * n_size + std::size_t(fold.n0 + e)];
  };
  if (fold.accumulate) {
    buffers->ofmap.read(words, width * 32);
    stats.psum_readback_words += words;
    stats.output_accumulations += width;
    for (std::int64_t e = 0; e < width; ++e) at(e) += sums[e] * scale;
  } else {
    for (std::int64_t e = 0; e < width; ++e) at(e) = sums[e] * scale;
  }
  buffers->ofmap.write(words, width * 32);
}

}  // namespace nce::sim
