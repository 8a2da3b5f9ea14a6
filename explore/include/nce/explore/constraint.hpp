#pragma once
// User constraints on points, e.g. --constraint "area_mm2<=0.5" (docs/EXPLORE.md section 5):
// METRIC OP NUMBER with OP one of <=, <, >=, >, ==. A point meets a constraint when it is
// feasible, carries the metric and the comparison holds; the best point per workload is chosen
// among the points that meet every constraint.
#include <string>
#include <vector>

#include "nce/explore/record.hpp"

namespace nce::explore {

struct Constraint {
  std::string text;    // as given
  std::string metric;  // canonical name
  enum class Op { le, lt, ge, gt, eq } op = Op::le;
  double value = 0;
  bool holds(const PointRecord& record) const;
};

// InputError: "constraint 'x<=1' names no metric 'x' (known: ...)", or a malformed expression.
Constraint parse_constraint(const std::string& text);

bool meets_all(const PointRecord& record, const std::vector<Constraint>& constraints);

}  // namespace nce::explore
