#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "nce/cost_models/schedule.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::cost_models {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
std::int64_t bits_to_bytes(std::int64_t bits) { return ceil_div(bits, 8); }

// Input rows held for output rows [row0, row0 + rows): {first row, slot rows} and the rows
// that cross DRAM. Contiguous: the touched range clipped to the map (padding rows are zeros the
// im2col unit inserts, never stored). Gathered (stride > kernel_h): kernel_h rows per output row.
struct InputRows {
  int first = 0;
  int slot_rows = 0;
  int dram_rows = 0;
};
InputRows input_rows(const LayerSchedule& s, int row0, int rows) {
  if (s.gathered_rows) {
    int valid = 0;
    for (int y = row0; y < row0 + rows; ++y) {
      for (int r = 0; r < s.kernel_h; ++r) {
        const int iy = y * s.stride - s.padding + r;
        valid += iy >= 0 && iy < s.in.height;
      }
    }
    return {row0 * s.stride - s.padding, rows * s.kernel_h, valid};
  }
  const int first = row0 * s.stride - s.padding;
  const int last = (row0 + rows - 1) * s.stride - s.padding + s.kernel_h - 1;
  const int lo = std::max(first, 0);
  const int hi = std::min(last, s.in.height - 1);
  const int count = std::max(0, hi - lo + 1);
  return {lo, count, count};
}

struct Candidate {
  int m_block = 0;
  int out_rows = 0;
  LoopOrder order = LoopOrder::weights_outer;
  std::int64_t read_bytes = 0;
  std::int64_t estimate = 0;  // rough cycles, only to break ties between equal-traffic tilings
  std::int64_t steps = 0;
};

}  // namespace

std::string_view to_string(LoopOrder order) {
  return order == LoopOrder::weights_outer ? "weights_outer" : "inputs_outer";
}

std::int64_t LayerSchedule::dram_read_bytes() const {
  std::int64_t sum = 0;
  for (const ScheduleStep& step : steps) sum += step.input_bytes + step.weight_bytes;
  return sum;
}

std::int64_t LayerSchedule::dram_write_bytes() const {
  std::int64_t sum = 0;
  for (const ScheduleStep& step : steps) sum += step.output_bytes;
  return sum;
}

std::int64_t dram_occupancy_cycles(std::int64_t bytes, const DramConfig& dram) {
  if (bytes <= 0) return 0;
  // Exact for integral bandwidths; otherwise the same double expression everywhere.
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(bytes) / dram.bytes_per_cycle));
}

LayerSchedule map_layer(const workloads::Layer& layer, const workloads::LayerInfo& info, const AcceleratorConfig& config) {
  LayerSchedule s;
  s.layer = layer.name;
  s.type = layer.type;
  s.dataflow = &dataflow_of(config);
  s.rows = config.rows;
  s.cols = config.cols;
  s.macs = info.macs;
  s.on_array = layer.has_weights() &&
               !(config.offload_wide_layers && (layer.precision.weight_bits > 2 || layer.precision.act_bits > 2));
  if (!s.on_array) return s;

  if (layer.type == workloads::LayerType::fc) {
    s.in = {static_cast<int>(info.in.elements()), 1, 1};
    s.out = {layer.out_channels, 1, 1};
  } else {
    s.in = info.in;
    s.out = info.out;
    s.kernel_h = layer.kernel_h;
    s.kernel_w = layer.kernel_w;
    s.stride = layer.stride;
    s.padding = layer.padding;
    s.groups = layer.groups;
    s.gathered_rows = s.stride > s.kernel_h;
  }
  s.gemm = info.gemm;
  s.weight_bits = layer.precision.weight_bits;
  s.act_bits = layer.precision.act_bits;
  s.weight_digits = workloads::ref::weight_digit_count(s.weight_bits);
  s.act_digits = workloads::ref::activation_digit_count(s.act_bits);
  s.passes = s.weight_digits * s.act_digits;

  const std::int64_t k = s.gemm.k;
  const int mg = static_cast<int>(s.gemm.m);
  const int cg = s.in.channels / s.groups;
  // SRAM holds digit planes (2 bits per digit), so a W8 weight takes 5 x 2 bits on chip.
  const std::int64_t act_store_bits = 2 * s.act_digits;
  const std::int64_t weight_store_bits = 2 * s.weight_digits;
  const std::int64_t ifmap_slot_bits = config.ifmap.capacity_bytes * 8 / 2;
  const std::int64_t weight_slot_bits = config.weight.capacity_bytes * 8 / 2;
  const std::int64_t ofmap_slot_bits = config.ofmap.capacity_bytes * 8 / 2;
  constexpr std::int64_t kOutputBits = 32;  // the output buffer accumulates in 32 bits

  s.k_chunk = s.dataflow->k_chunk(k, config);

  // Candidate block sizes: every distinct block count, so tiles stay whole multiples of the array.
  std::vector<int> m_blocks;
  for (int j = 1; j <= ceil_div(mg, config.cols); ++j) m_blocks.push_back(std::min(mg, j * config.cols));
  if (k * m_blocks.front() * weight_store_bits > weight_slot_bits) {
    const std::int64_t fit = weight_slot_bits / (k * weight_store_bits);
    if (fit < 1) {
      throw core::InputError(fmt::format(
          "layer '{}': one column of weights (K = {} at {} bits on chip) needs {} bytes, but half of "
          "buffers.weight.capacity_kib holds {} bytes",
          s.layer, k, weight_store_bits, bits_to_bytes(k * weight_store_bits), weight_slot_bits / 8));
    }
    m_blocks = {static_cast<int>(fit)};
  }
  std::vector<int> row_blocks;
  for (int nb = 1; nb <= s.out.height; ++nb) {
    const int h = static_cast<int>(ceil_div(s.out.height, nb));
    if (row_blocks.empty() || row_blocks.back() != h) row_blocks.push_back(h);
  }
  auto ifmap_fits = [&](int h) {
    const int rows = s.gathered_rows ? h * s.kernel_h : std::min(s.in.height, (h - 1) * s.stride + s.kernel_h);
    return std::int64_t{cg} * rows * s.in.width * act_store_bits <= ifmap_slot_bits;
  };
  auto ofmap_fits = [&](int m, int h) { return std::int64_t{m} * h * s.out.width * kOutputBits <= ofmap_slot_bits; };
  if (!ifmap_fits(1)) {
    const int rows = s.gathered_rows ? s.kernel_h : std::min(s.in.height, s.kernel_h);
    throw core::InputError(fmt::format(
        "layer '{}': one output row needs {} input rows x {} x {} channels = {} bytes on chip, but half of "
        "buffers.ifmap.capacity_kib holds {} bytes",
        s.layer, rows, s.in.width, cg, bits_to_bytes(std::int64_t{cg} * rows * s.in.width * act_store_bits),
        ifmap_slot_bits / 8));
  }
  if (!ofmap_fits(1, 1)) {
    throw core::InputError(fmt::format(
        "layer '{}': one output row of one channel ({} x 32-bit sums) does not fit half of "
        "buffers.ofmap.capacity_kib ({} bytes)",
        s.layer, s.out.width, ofmap_slot_bits / 8));
  }

  auto weight_bytes_of = [&](int m_size) { return bits_to_bytes(k * m_size * s.weight_bits); };
  auto input_bytes_of = [&](int row0, int rows) {
    return bits_to_bytes(std::int64_t{cg} * input_rows(s, row0, rows).dram_rows * s.in.width * s.act_bits);
  };

  Candidate best;
  best.read_bytes = std::numeric_limits<std::int64_t>::max();
  for (int m_block : m_blocks) {
    if (k * std::min(m_block, mg) * weight_store_bits > weight_slot_bits) continue;
    const std::int64_t mb = ceil_div(mg, m_block);
    std::int64_t w_all = 0;
    for (int m0 = 0; m0 < mg; m0 += m_block) w_all += weight_bytes_of(std::min(m_block, mg - m0));
    for (int h : row_blocks) {
      if (!ifmap_fits(h) || !ofmap_fits(std::min(m_block, mg), h)) continue;
      const std::int64_t nb = ceil_div(s.out.height, h);
      std::int64_t i_all = 0;
      for (int r0 = 0; r0 < s.out.height; r0 += h) i_all += input_bytes_of(r0, std::min(h, s.out.height - r0));
      for (LoopOrder order : {LoopOrder::weights_outer, LoopOrder::inputs_outer}) {
        const std::int64_t reads = order == LoopOrder::weights_outer ? w_all + (nb == 1 ? i_all : mb * i_all)
                                                                      : i_all + (mb == 1 ? w_all : nb * w_all);
        const std::int64_t steps = mb * nb;
        // Rough array cycles from the dataflow; DRAM terms stay out, so the tiling never depends
        // on bandwidth.
        const std::int64_t n_step = std::int64_t{std::min(h, s.out.height)} * s.out.width;
        const std::int64_t estimate = s.dataflow->estimate_cycles(
            {steps, std::min(m_block, mg), n_step, k, s.passes, s.k_chunk}, config);
        // Least DRAM traffic first; then the fewest estimated cycles; then more, smaller steps.
        const bool better = reads < best.read_bytes ||
                            (reads == best.read_bytes &&
                             (estimate < best.estimate || (estimate == best.estimate && steps > best.steps)));
        if (better) best = {m_block, h, order, reads, estimate, steps};
      }
    }
  }
  if (best.m_block == 0) {
    throw core::InputError(fmt::format(
        "layer '{}': no tile of {} output channels fits buffers.ofmap.capacity_kib with one output row",
        s.layer, std::min(m_blocks.front(), mg)));
  }
  s.m_block = best.m_block;
  s.out_rows_block = best.out_rows;
  s.order = best.order;

  const int if_word = effective_word_bits(config, config.ifmap);
  const int w_word = effective_word_bits(config, config.weight);
  const int of_word = effective_word_bits(config, config.ofmap);
  // Double-buffer slots: block j of an operand goes to slot j % 2, free once the last step
  // that used block j - 2 has finished computing.
  std::vector<int> input_last_user;
  std::vector<int> weight_last_user;
  for (int g = 0; g < s.groups; ++g) {
    std::vector<std::pair<int, int>> order;  // (m0, row0)
    if (s.order == LoopOrder::weights_outer) {
      for (int m0 = 0; m0 < mg; m0 += s.m_block)
        for (int r0 = 0; r0 < s.out.height; r0 += s.out_rows_block) order.emplace_back(m0, r0);
    } else {
      for (int r0 = 0; r0 < s.out.height; r0 += s.out_rows_block)
        for (int m0 = 0; m0 < mg; m0 += s.m_block) order.emplace_back(m0, r0);
    }
    for (auto [m0, r0] : order) {
      ScheduleStep step;
      step.group = g;
      step.m0 = m0;
      step.m_size = std::min(s.m_block, mg - m0);
      step.out_row0 = r0;
      step.out_rows = std::min(s.out_rows_block, s.out.height - r0);
      const InputRows held = input_rows(s, r0, step.out_rows);
      step.in_row0 = held.first;
      step.in_rows = held.slot_rows;
      step.n0 = std::int64_t{r0} * s.out.width;
      step.n_size = std::int64_t{step.out_rows} * s.out.width;
      const int index = static_cast<int>(s.steps.size());
      const ScheduleStep* prev = s.steps.empty() ? nullptr : &s.steps.back();
      const bool same_inputs = prev && prev->group == g && prev->out_row0 == r0;
      const bool same_weights = prev && prev->group == g && prev->m0 == m0;
      if (!same_inputs) {
        step.input_bytes = input_bytes_of(r0, step.out_rows);
        step.input_fill_words = ceil_div(std::int64_t{cg} * step.in_rows * s.in.width * act_store_bits, if_word);
        const std::size_t j = input_last_user.size();
        step.input_issue_after = j >= 2 ? input_last_user[j - 2] : -1;
        input_last_user.push_back(index);
      } else {
        input_last_user.back() = index;
      }
      if (!same_weights) {
        step.weight_bytes = weight_bytes_of(step.m_size);
        step.weight_fill_words = ceil_div(k * step.m_size * weight_store_bits, w_word);
        const std::size_t j = weight_last_user.size();
        step.weight_issue_after = j >= 2 ? weight_last_user[j - 2] : -1;
        weight_last_user.push_back(index);
      } else {
        weight_last_user.back() = index;
      }
      step.output_bytes = bits_to_bytes(std::int64_t{step.m_size} * step.n_size * s.act_bits);
      step.output_drain_words = ceil_div(std::int64_t{step.m_size} * step.n_size * kOutputBits, of_word);
      s.steps.push_back(step);
    }
  }
  return s;
}

std::vector<LayerSchedule> map_workload(const workloads::Workload& workload, const AcceleratorConfig& config) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::vector<LayerSchedule> schedules;
  schedules.reserve(infos.size());
  for (std::size_t i = 0; i < infos.size(); ++i) schedules.push_back(map_layer(workload.layers[i], infos[i], config));
  return schedules;
}

void visit_digit_passes(const LayerSchedule& s, ArrayFold& tile, const std::function<void(const ArrayFold&)>& visit) {
  for (int wd = 0; wd < s.weight_digits; ++wd) {
    for (int ad = 0; ad < s.act_digits; ++ad) {
      tile.weight_digit = wd;
      tile.act_digit = ad;
      tile.accumulate = !(tile.k0 == 0 && wd == 0 && ad == 0);
      visit(tile);
    }
  }
}

void for_each_fold(const LayerSchedule& s, const ScheduleStep& step, const std::function<void(const ArrayFold&)>& visit) {
  s.dataflow->for_each_fold(s, step, visit);
}

}  // namespace nce::cost_models
