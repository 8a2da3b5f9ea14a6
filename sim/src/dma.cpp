// DRAM channel and DMA engine: moves operand blocks between "DRAM" (the job's vectors, at their
// native precision) and the SRAM slots (as radix-4 digit planes), one FIFO transfer at a time.
#include "modules.hpp"

namespace nce::sim {

void DmaEngine::issue(Transfer* transfer) {
  queue_.push_back(transfer);
  queued_.notify(sc_core::SC_ZERO_TIME);
}

void DmaEngine::wait_done(Transfer* transfer) {
  while (transfer->done_cycle < 0 || current_cycle() < transfer->done_cycle) sc_core::wait(transfer->done);
}

void DmaEngine::run() {
  for (;;) {
    while (queue_.empty()) sc_core::wait(queued_);
    Transfer* transfer = queue_.front();
    queue_.pop_front();
    move_data(*transfer);
    (transfer->kind == TransferKind::writeback ? job->stats->dram_write_bytes : job->stats->dram_read_bytes) +=
        transfer->bytes;
    // The channel is busy for the transfer's bytes; the data lands `latency` cycles later while
    // the next transfer already occupies the channel.
    const std::int64_t occupancy = cost_models::dram_occupancy_cycles(transfer->bytes, job->config->dram);
    if (occupancy > 0) sc_core::wait(kClockPeriod * static_cast<double>(occupancy));
    const int latency = job->config->dram.latency_cycles;
    transfer->done_cycle = current_cycle() + latency;
    transfer->done.notify(kClockPeriod * static_cast<double>(latency));
  }
}

void DmaEngine::move_data(const Transfer& t) {
  const cost_models::LayerSchedule& s = *job->schedule;
  const cost_models::ScheduleStep& step = s.steps[t.step];
  const std::int64_t k = s.gemm.k;
  const int cg = s.in.channels / s.groups;
  const int mg = static_cast<int>(s.gemm.m);
  switch (t.kind) {
    case TransferKind::load_inputs: {
      // [digit][c][row][x] for channels of the step's group and its input rows.
      const std::size_t plane = std::size_t(cg) * step.in_rows * s.in.width;
      std::vector<std::int8_t>& slot = buffers->ifmap.slots[t.slot];
      slot.assign(plane * s.act_digits, 0);
      for (int c = 0; c < cg; ++c) {
        const int channel = step.group * cg + c;
        for (int row = 0; row < step.in_rows; ++row) {
          // Gathered layers hold kernel_h rows per output row (schedule.hpp, ScheduleStep::in_rows).
          const int iy = s.gathered_rows
                             ? (step.out_row0 + row / s.kernel_h) * s.stride - s.padding + row % s.kernel_h
                             : step.in_row0 + row;
          if (iy < 0 || iy >= s.in.height) continue;  // padding: the slot keeps zeros
          const std::int32_t* src = job->dram_input->data() + (std::size_t(channel) * s.in.height + iy) * s.in.width;
          for (int x = 0; x < s.in.width; ++x) {
            std::int32_t code = src[x];
            const std::size_t at = (std::size_t(c) * step.in_rows + row) * s.in.width + x;
            for (int d = 0; d < s.act_digits; ++d, code >>= 2) slot[d * plane + at] = static_cast<std::int8_t>(code & 3);
          }
        }
      }
      buffers->ifmap.write(step.input_fill_words, std::int64_t(plane) * s.act_digits * 2);
      break;
    }
    case TransferKind::load_weights: {
      // [digit][m][k] for the step's output channels.
      const std::size_t plane = std::size_t(step.m_size) * k;
      std::vector<std::int8_t>& slot = buffers->weight.slots[t.slot];
      slot.assign(plane * s.weight_digits, 0);
      for (int m = 0; m < step.m_size; ++m) {
        const std::int32_t* src = job->dram_weights->data() + std::size_t(step.group * mg + step.m0 + m) * k;
        for (std::int64_t kk = 0; kk < k; ++kk) {
          // Radix 4 with digits {-2,-1,0,1} (a complete residue system, so the digits are
          // unique and equal nce::workloads::ref::weight_digits): d = ((w + 2) mod 4) - 2, w <- (w - d) / 4.
          std::int32_t code = src[kk];
          for (int d = 0; d < s.weight_digits; ++d) {
            const std::int32_t digit = ((code + 2) & 3) - 2;
            slot[d * plane + std::size_t(m) * k + kk] = static_cast<std::int8_t>(digit);
            code = (code - digit) / 4;
          }
        }
      }
      buffers->weight.write(step.weight_fill_words, std::int64_t(plane) * s.weight_digits * 2);
      break;
    }
    case TransferKind::writeback: {
      const std::vector<std::int32_t>& slot = buffers->ofmap.slots[t.slot];
      const std::int64_t n_total = std::int64_t{s.out.height} * s.out.width;
      for (int m = 0; m < step.m_size; ++m) {
        std::int32_t* dst = job->dram_output->data() + std::size_t(step.group * mg + step.m0 + m) * n_total + step.n0;
        std::copy_n(slot.data() + std::size_t(m) * step.n_size, step.n_size, dst);
      }
      buffers->ofmap.read(step.output_drain_words, std::int64_t{step.m_size} * step.n_size * 32);
      break;
    }
  }
}

}  // namespace nce::sim
