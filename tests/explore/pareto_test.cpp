// Pareto fronts against the definition: a point is on the front iff no other point dominates
// it, checked by brute force on random point sets with ties, duplicates and mixed directions.
#include <gtest/gtest.h>

#include <random>

#include "nce/core/input_error.hpp"
#include "nce/explore/pareto.hpp"

namespace nce::explore {
namespace {

std::vector<std::size_t> brute_force(const std::vector<std::vector<double>>& values, const std::vector<Direction>& dirs) {
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < values.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < values.size() && !dominated; ++j) {
      if (j == i) continue;
      bool no_worse = true, better = false;
      for (std::size_t k = 0; k < dirs.size(); ++k) {
        const double a = values[j][k], b = values[i][k];
        const bool worse = dirs[k] == Direction::minimize ? a > b : a < b;
        const bool strictly = dirs[k] == Direction::minimize ? a < b : a > b;
        no_worse = no_worse && !worse;
        better = better || strictly;
      }
      dominated = no_worse && better;
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

TEST(Pareto, RandomPointSetsEqualTheBruteForceFront) {
  std::mt19937_64 rng(2026);
  int compared = 0;
  for (std::size_t objectives = 2; objectives <= 4; ++objectives) {
    for (int trial = 0; trial < 150; ++trial) {
      const std::size_t n = 1 + rng() % 300;
      // Few distinct values (ties and duplicates) in some trials, continuous in others.
      const int levels = trial % 3 == 0 ? 4 : 1000000;
      std::vector<Direction> dirs;
      for (std::size_t k = 0; k < objectives; ++k) dirs.push_back(rng() % 2 ? Direction::minimize : Direction::maximize);
      std::vector<std::vector<double>> values(n, std::vector<double>(objectives));
      for (auto& row : values)
        for (double& v : row) v = double(rng() % std::uint64_t(levels)) / 7.0;
      EXPECT_EQ(pareto_front(values, dirs), brute_force(values, dirs)) << "trial " << trial << ", " << objectives
                                                                       << " objectives, " << n << " points";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 450);
}

TEST(Pareto, HandMadeFront) {
  // cycles (min) x energy (min): (1,5) (2,3) (3,3) (2,3) (4,1) (5,5)
  const std::vector<std::vector<double>> values = {{1, 5}, {2, 3}, {3, 3}, {2, 3}, {4, 1}, {5, 5}};
  const std::vector<Direction> dirs = {Direction::minimize, Direction::minimize};
  // (3,3) is dominated by (2,3); the duplicate (2,3) pair both stay; (5,5) is dominated.
  EXPECT_EQ(pareto_front(values, dirs), (std::vector<std::size_t>{0, 1, 3, 4}));
  // accuracy (max) x cycles (min)
  const std::vector<std::vector<double>> acc = {{0.9, 10}, {0.8, 5}, {0.85, 12}, {0.9, 9}};
  EXPECT_EQ(pareto_front(acc, {Direction::maximize, Direction::minimize}), (std::vector<std::size_t>{1, 3}));
  EXPECT_TRUE(pareto_front({}, dirs).empty());
}

TEST(Pareto, ObjectiveListsNameMetrics) {
  EXPECT_EQ(parse_objectives("cycles,energy,area"), (std::vector<std::string>{"cycles", "energy_pj", "area_mm2"}));
  EXPECT_EQ(parse_objectives("accuracy,latency"), (std::vector<std::string>{"accuracy", "latency_us"}));
  EXPECT_THROW(parse_objectives("cycles"), core::InputError);
  EXPECT_THROW(parse_objectives("cycles,cycles"), core::InputError);
  EXPECT_THROW(parse_objectives("cycles,speed"), core::InputError);
  EXPECT_THROW(parse_objectives("cycles,,energy"), core::InputError);
}

}  // namespace
}  // namespace nce::explore
