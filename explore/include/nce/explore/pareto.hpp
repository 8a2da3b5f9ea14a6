#pragma once
// Exact Pareto fronts (docs/EXPLORE.md section 5): the non-dominated subset, not a sample.
// Point a dominates point b when a is at least as good in every objective and strictly better in
// one (better = lower for minimized objectives, higher for maximized ones). Points with equal
// objective vectors do not dominate each other, so both are on the front or neither is.
// tests/explore/pareto_test.cpp compares with the brute-force definition on random point sets.
#include <cstddef>
#include <string>
#include <vector>

#include "nce/explore/metrics.hpp"

namespace nce::explore {

// Indices (ascending) of the non-dominated rows of `values` ([point][objective]) under
// `directions` (one per objective). O(n log n + n f k) for a front of f points.
std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& values,
                                      const std::vector<Direction>& directions);

// Whether a dominates b.
bool dominates(const std::vector<double>& a, const std::vector<double>& b, const std::vector<Direction>& directions);

// A front over named metrics ("cycles,energy,area"): canonical metric names, at least two,
// no repeats; InputError naming `text` otherwise.
std::vector<std::string> parse_objectives(const std::string& text);

}  // namespace nce::explore
