// The controller: runs a layer's steps in order with the double-buffering rules of
// cost_models/schedule.hpp (issue order, slot reuse) and attributes the array's idle time to DRAM.
#include <map>

#include "modules.hpp"

namespace nce::sim {

void Controller::run() {
  for (;;) {
    if (job != nullptr && !finished) {
      execute();
      finished = true;
      sc_core::sc_pause();  // hand control back to simulate_layer; the next call resumes here
    }
    sc_core::wait(sc_core::SC_ZERO_TIME);
  }
}

void Controller::execute() {
  const cost_models::LayerSchedule& s = *job->schedule;
  cost_models::LayerStats& stats = *job->stats;
  const std::size_t n = s.steps.size();
  std::vector<std::unique_ptr<Transfer>> transfers;
  std::vector<Transfer*> inputs(n), weights(n), writebacks(n, nullptr);
  std::vector<int> input_slot(n), weight_slot(n);
  std::map<int, std::vector<Transfer*>> loads_after;  // issue condition -> loads in step order
  int input_blocks = 0;
  int weight_blocks = 0;
  auto make = [&](TransferKind kind, int step, int slot, std::int64_t bytes) {
    transfers.push_back(std::make_unique<Transfer>());
    Transfer* t = transfers.back().get();
    t->kind = kind;
    t->step = step;
    t->slot = slot;
    t->bytes = bytes;
    return t;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const cost_models::ScheduleStep& step = s.steps[i];
    const int index = static_cast<int>(i);
    if (step.input_bytes > 0 || i == 0) {
      input_slot[i] = input_blocks++ % 2;
      inputs[i] = make(TransferKind::load_inputs, index, input_slot[i], step.input_bytes);
      loads_after[step.input_issue_after].push_back(inputs[i]);
    } else {
      input_slot[i] = input_slot[i - 1];
      inputs[i] = inputs[i - 1];
    }
    if (step.weight_bytes > 0 || i == 0) {
      weight_slot[i] = weight_blocks++ % 2;
      weights[i] = make(TransferKind::load_weights, index, weight_slot[i], step.weight_bytes);
      loads_after[step.weight_issue_after].push_back(weights[i]);
    } else {
      weight_slot[i] = weight_slot[i - 1];
      weights[i] = weights[i - 1];
    }
  }
  auto issue_loads = [&](int condition) {
    const auto it = loads_after.find(condition);
    if (it == loads_after.end()) return;
    for (Transfer* t : it->second) dma->issue(t);
  };

  const std::int64_t start = current_cycle();
  std::int64_t array_busy = 0;
  issue_loads(-1);
  for (std::size_t i = 0; i < n; ++i) {
    dma->wait_done(inputs[i]);
    dma->wait_done(weights[i]);
    if (i >= 2) dma->wait_done(writebacks[i - 2]);
    const std::int64_t step_start = current_cycle();
    array->start(static_cast<int>(i), input_slot[i], weight_slot[i], static_cast<int>(i % 2));
    sc_core::wait(array->done);
    array_busy += current_cycle() - step_start;
    writebacks[i] = make(TransferKind::writeback, static_cast<int>(i), static_cast<int>(i % 2), s.steps[i].output_bytes);
    dma->issue(writebacks[i]);
    issue_loads(static_cast<int>(i));
  }
  for (std::size_t i = n >= 2 ? n - 2 : 0; i < n; ++i) dma->wait_done(writebacks[i]);
  stats.cycles = current_cycle() - start;
  stats.stall_dram = stats.cycles - array_busy;
}

Accelerator::Accelerator() {
  dma.buffers = &buffers;
  array.buffers = &buffers;
  controller.buffers = &buffers;
  controller.dma = &dma;
  controller.array = &array;
}

}  // namespace nce::sim
