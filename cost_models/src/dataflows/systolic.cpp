#include "systolic.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nce/core/input_error.hpp"
#include "nce/workloads/reference_model.hpp"

namespace nce::cost_models::systolic {

Words::Words(const AcceleratorConfig& config)
    : ifmap(effective_word_bits(config, config.ifmap)),
      weight(effective_word_bits(config, config.weight)),
      ofmap(effective_word_bits(config, config.ofmap)) {}

void count_output_lines(StepCost& c, std::int64_t lines, std::int64_t width, bool accumulate, const Words& w) {
  const std::int64_t words = ceil_div(width * 32, w.ofmap);
  const std::int64_t bits = width * 32;
  c.ofmap.writes += lines * words;
  c.ofmap.write_bits += lines * bits;
  if (accumulate) {
    c.ofmap.reads += lines * words;
    c.ofmap.read_bits += lines * bits;
    c.psum_readback_words += lines * words;
    c.output_accumulations += lines * width;
  }
}

std::int64_t output_line_words(std::int64_t width, bool accumulate, const Words& w) {
  return ceil_div(width * 32, w.ofmap) * (accumulate ? 2 : 1);
}

void stationary_folds(const LayerSchedule& s, const ScheduleStep& step, Stationary held,
                      const std::function<void(const ArrayFold&)>& visit) {
  const std::int64_t k = s.gemm.k;
  ArrayFold fold;
  // The streamed dimension is whole in every fold; the held one is cut into `cols`-wide tiles.
  const std::int64_t held_size = held == Stationary::weights ? step.m_size : step.n_size;
  fold.m0 = 0;
  fold.m_size = step.m_size;
  fold.n0 = 0;
  fold.n_size = step.n_size;
  for (std::int64_t c0 = 0; c0 < held_size; c0 += s.cols) {
    const std::int64_t width = std::min<std::int64_t>(s.cols, held_size - c0);
    if (held == Stationary::weights) {
      fold.m0 = static_cast<int>(c0);
      fold.m_size = static_cast<int>(width);
    } else {
      fold.n0 = c0;
      fold.n_size = width;
    }
    for (std::int64_t k0 = 0; k0 < k; k0 += s.rows) {
      fold.k0 = static_cast<int>(k0);
      fold.k_size = static_cast<int>(std::min<std::int64_t>(s.rows, k - k0));
      visit_digit_passes(s, fold, visit);
    }
  }
}

StepCost stationary_step_cost(const LayerSchedule& s, const ScheduleStep& step, const AcceleratorConfig& config,
                              Stationary held) {
  const Words w(config);
  const bool weights_held = held == Stationary::weights;
  // The held operand comes from one buffer, the streamed one from the other.
  const int held_word = weights_held ? w.weight : w.ifmap;
  const int held_ports = weights_held ? config.weight.ports : config.ifmap.ports;
  const int stream_word = weights_held ? w.ifmap : w.weight;
  const int stream_ports = weights_held ? config.ifmap.ports : config.weight.ports;
  StepCost c;
  BufferAccessCounts& held_reads = weights_held ? c.weight : c.ifmap;
  BufferAccessCounts& stream_reads = weights_held ? c.ifmap : c.weight;
  const std::int64_t rows = s.rows;
  const std::int64_t cols = s.cols;
  std::int64_t t0 = 0;          // the current fold's first column enters row 0
  std::int64_t stream_end = 0;  // t0 + length * beats of the previous fold
  std::int64_t last_output = 0;
  std::int64_t last_length = 0, last_k = 0;
  std::int64_t last_beats = 1;
  stationary_folds(s, step, held, [&](const ArrayFold& f) {
    const std::int64_t width = weights_held ? f.m_size : f.n_size;    // PE columns in use
    const std::int64_t length = weights_held ? f.n_size : f.m_size;   // streamed columns
    const std::int64_t load_beats = ceil_div(ceil_div(2 * width, held_word), held_ports);
    const std::int64_t beats = std::max({std::int64_t{1}, ceil_div(ceil_div(2 * f.k_size, stream_word), stream_ports),
                                         ceil_div(output_line_words(width, f.accumulate, w), config.ofmap.ports)});
    if (c.folds == 0) {
      t0 = rows * load_beats;  // the first load starts with the step and nothing hides it
      c.stall_stationary_load += t0;
    } else {
      // The shadow load starts when the previous fold's operands reached the last PE; the
      // stream waits for both the previous stream and the load.
      const std::int64_t load = t0 + rows + cols - 2;
      t0 = std::max(stream_end, load + rows * load_beats);
      c.stall_stationary_load += t0 - stream_end;
    }
    stream_end = t0 + length * beats;
    last_output = std::max(last_output, t0 + (length - 1) * beats + rows + width - 1);
    // Rows beyond k_size shift in zeros without an SRAM read.
    held_reads.reads += f.k_size * ceil_div(2 * width, held_word);
    held_reads.read_bits += std::int64_t{f.k_size} * 2 * width;
    c.stationary_register_bits += std::int64_t{f.k_size} * width * 2;
    count_output_lines(c, length, width, f.accumulate, w);
    // Streams of all but the last fold end before the next fold starts; the last is settled below.
    if (c.folds > 0) {
      c.compute += last_length;
      c.stall_other += last_length * (last_beats - 1);
      stream_reads.reads += last_length * ceil_div(2 * last_k, stream_word);
      stream_reads.read_bits += last_length * 2 * last_k;
    }
    last_length = length;
    last_k = f.k_size;
    last_beats = beats;
    ++c.folds;
  });
  c.duration = last_output + 1;  // the controller resumes the cycle after the last output
  // The last fold's stream can outlast its outputs when beats > rows + width (narrow ports):
  // the step ends anyway, so only the columns entered by then count.
  const std::int64_t t_last = stream_end - last_length * last_beats;
  const std::int64_t end = std::min(c.duration, stream_end);
  const std::int64_t entered = ceil_div(end - t_last, last_beats);
  c.compute += entered;
  c.stall_other += (end - t_last) - entered;
  stream_reads.reads += entered * ceil_div(2 * last_k, stream_word);
  stream_reads.read_bits += entered * 2 * last_k;
  c.stall_fill_drain = c.duration - end;
  return c;
}

void StationaryDataflow::validate(const AcceleratorConfig& config) const {
  // A column sums `rows` digit products; the in-array accumulator must not wrap on it.
  if (workloads::ref::accumulator_can_wrap(config.rows, config.accumulator_bits)) {
    throw core::InputError(fmt::format("array.accumulator_bits = {} cannot hold a column sum of {} rows x {}",
                                       config.accumulator_bits, config.rows, workloads::ref::kMaxDigitProduct));
  }
}

void StationaryDataflow::for_each_fold(const LayerSchedule& s, const ScheduleStep& step,
                                       const std::function<void(const ArrayFold&)>& visit) const {
  stationary_folds(s, step, held_, visit);
}

std::int64_t StationaryDataflow::fold_count(const LayerSchedule& s, const ScheduleStep& step) const {
  const std::int64_t held_columns = held_ == Stationary::weights ? step.m_size : step.n_size;
  return ceil_div(held_columns, s.cols) * ceil_div(s.gemm.k, s.rows) * s.passes;
}

std::int64_t StationaryDataflow::estimate_cycles(const TilingShape& t, const AcceleratorConfig& config) const {
  const std::int64_t held_columns = held_ == Stationary::weights ? t.m : t.n;
  const std::int64_t streamed = held_ == Stationary::weights ? t.n : t.m;
  // A fold's stream hides the next fold's load of the held operand only when it is long enough.
  return t.steps * ceil_div(held_columns, config.cols) * ceil_div(t.k, config.rows) * t.passes *
         std::max<std::int64_t>(streamed, 2 * config.rows + config.cols - 2);
}

StepCost StationaryDataflow::step_cost(const LayerSchedule& s, const ScheduleStep& step,
                                       const AcceleratorConfig& config) const {
  return stationary_step_cost(s, step, config, held_);
}

}  // namespace nce::cost_models::systolic
