#include "nce/explore/pareto.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "nce/core/input_error.hpp"
#include "nce/core/lists.hpp"
#include "nce/explore/grid.hpp"

namespace nce::explore {
namespace {

// Objective i of a row, oriented so that lower is better.
double oriented(const std::vector<double>& row, std::size_t i, const std::vector<Direction>& directions) {
  return directions[i] == Direction::minimize ? row[i] : -row[i];
}

}  // namespace

bool dominates(const std::vector<double>& a, const std::vector<double>& b, const std::vector<Direction>& directions) {
  bool strictly = false;
  for (std::size_t i = 0; i < directions.size(); ++i) {
    const double x = oriented(a, i, directions), y = oriented(b, i, directions);
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

std::vector<std::size_t> pareto_front(const std::vector<std::vector<double>>& values,
                                      const std::vector<Direction>& directions) {
  // In lexicographic order of the oriented objectives, every point that dominates another comes
  // before it, so one pass against the front found so far decides each point.
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t i = 0; i < directions.size(); ++i) {
      const double x = oriented(values[a], i, directions), y = oriented(values[b], i, directions);
      if (x != y) return x < y;
    }
    return a < b;
  });
  std::vector<std::size_t> front;
  for (std::size_t p : order) {
    const bool dominated = std::any_of(front.begin(), front.end(),
                                       [&](std::size_t f) { return dominates(values[f], values[p], directions); });
    if (!dominated) front.push_back(p);
  }
  std::sort(front.begin(), front.end());
  return front;
}

std::vector<std::string> parse_objectives(const std::string& text) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const std::string& item : core::split_list(text, "--pareto")) {
    const std::string& name = metric_named(item, fmt::format("--pareto {}", text)).name;
    if (!seen.insert(name).second) throw core::InputError(fmt::format("--pareto {}: '{}' given twice", text, name));
    names.push_back(name);
  }
  if (names.size() < 2) throw core::InputError(fmt::format("--pareto {}: a front needs at least two metrics", text));
  return names;
}

}  // namespace nce::explore
