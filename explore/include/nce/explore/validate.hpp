#pragma once
// nce explore --validate K (docs/EXPLORE.md section 3): K points drawn at random (seeded) from
// the plan's finished feasible points are re-simulated by the cycle-accurate SystemC model
// (sim::simulate_workload on the point's network and config; a search point's derived network)
// and compared with the analytical evaluation: total cycles and every LayerStats field of every
// layer must be equal. SystemC runs one simulation at a time per process, on the calling thread.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "nce/cost_models/layer_stats.hpp"
#include "nce/explore/evaluator.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/record.hpp"

namespace nce::explore {

struct ValidationResult {
  int checked = 0;
  int differing = 0;
  std::int64_t simulated_cycles = 0;
  double seconds = 0;
};

// One line per point on `log`, naming the first differing layer and fields.
ValidationResult validate_points(const Plan& plan, const std::filesystem::path& out,
                                 const std::vector<PointRecord>& finished, int count, std::uint64_t seed,
                                 Evaluator& evaluator, std::ostream& log);

// The names of the LayerStats fields in which a and b differ (empty when equal).
std::vector<std::string> differing_fields(const cost_models::LayerStats& a, const cost_models::LayerStats& b);

}  // namespace nce::explore
