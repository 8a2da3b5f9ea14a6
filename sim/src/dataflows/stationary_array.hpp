#pragma once
// The cycle behaviour weight- and input-stationary share (sim/TIMING.md, "Stationary-operand
// step"): per fold, the held operand shifts into shadow registers one row per `load_beats`
// cycles, starting when the previous fold's commit reached the last PE; the other operand then
// streams one column per `beats` cycles, row r seeing column j at t0 + r + j*beats, and column
// j's de-skewed output line is complete at t0 + j*beats + rows + width - 1.
#include <cstdint>
#include <vector>

#include "array_dataflow.hpp"
#include "nce/cost_models/schedule.hpp"

namespace nce::sim {

class StationaryArray : public ArrayDataflow {
 public:
  explicit StationaryArray(bool weights_held) : weights_held_(weights_held) {}
  void start(SystolicArray& array) override;
  bool tick(SystolicArray& array, std::int64_t c) override;

 protected:
  struct FoldTiming {
    cost_models::ArrayFold fold;
    std::int64_t width = 0;   // PE columns in use (WS: channels, IS: pixels)
    std::int64_t length = 0;  // streamed columns (WS: pixels, IS: filters)
    std::int64_t load_beats = 1;
    std::int64_t beats = 1;
    std::int64_t load = 0;  // cycle the shadow load starts
    std::int64_t t0 = 0;    // first streamed column enters row 0
    std::int64_t next_output = 0;
  };
  // The output line `j` of fold `i` in the cycle it is due; the behavioural PEs compute it here.
  virtual const std::int32_t* line(SystolicArray& array, std::size_t i, std::int64_t j);
  // Called every cycle after the stream's accounting, before outputs are collected.
  virtual void clock(SystolicArray& array, std::int64_t c) { (void)array, (void)c; }

  bool weights_held_;
  std::vector<FoldTiming> folds_;
  std::size_t loading_ = 0;      // fold whose held operand is loading (or next to)
  std::size_t streaming_ = 0;    // fold whose columns are entering
  std::size_t output_fold_ = 0;  // oldest fold with outputs pending

 private:
  std::vector<std::vector<std::int32_t>> tiles_;  // per fold: the held tile, while outputs are pending
  std::vector<std::int32_t> sums_;
};

}  // namespace nce::sim
