#pragma once
// Evaluates planned points into records (docs/EXPLORE.md section 3).
//  - An analytical point prices its network on its accelerator (Evaluator) and computes its
//    metrics. Thread-safe.
//  - A search point runs the point's search method targeted at its accelerator (hardware loss
//    from the analytical model on that config) in <out>/search/point-NNNNN/, continuing from the
//    checkpoint there after a kill; retrains the derived network (<dir>/retrain/, resumable too)
//    and records its test accuracy; then prices the derived network like an analytical point.
//    Uses OpenMP threads for training; one at a time per process.
// A network that does not fit its accelerator (a layer that fits no buffer) gives an infeasible
// record naming the problem, not an error.
#include <filesystem>
#include <memory>

#include "nce/explore/evaluator.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/record.hpp"
#include "nce/train/datasets.hpp"

namespace nce::explore {

class PointRunner {
 public:
  PointRunner(const Plan& plan, std::filesystem::path out);
  ~PointRunner();

  // For search points: loads the dataset (cut to the spec's limits) and checks that every
  // network fits it; InputError otherwise. Call before any work. Nothing to do otherwise.
  void prepare();

  PointRecord run(const PlannedPoint& point, int rank);

  Evaluator& evaluator() { return evaluator_; }

 private:
  PointRecord run_search(const PlannedPoint& point, PointRecord record);

  const Plan& plan_;
  std::filesystem::path out_;
  Evaluator evaluator_;
  std::unique_ptr<train::DatasetSplits> data_;
};

}  // namespace nce::explore
