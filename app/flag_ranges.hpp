#pragma once
// Numeric flags with their valid range, checked while the command line is parsed, so a bad value
// gets one line and exit 2 before any file is read or any work starts:
//
//   ("lr", ranged(&config.lr, "--lr", positive()), "initial learning rate")
//
// The check rejects NaN and infinities too. program_options also runs it on a flag's default, so
// a default must lie in the range (a sentinel such as -1 for "all" cannot use `ranged`).
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>

#include "cli.hpp"

namespace nce::app {

struct Range {
  double low = -std::numeric_limits<double>::infinity();
  bool low_open = false;  // true: low itself is outside
  double high = std::numeric_limits<double>::infinity();
  bool high_open = false;

  bool contains(double x) const {
    if (!std::isfinite(x)) return false;
    if (low_open ? !(x > low) : !(x >= low)) return false;
    return high_open ? x < high : x <= high;
  }
  std::string describe() const {
    const bool bounded_low = std::isfinite(low);
    const bool bounded_high = std::isfinite(high);
    if (bounded_low && bounded_high) {
      return fmt::format("in {}{}, {}{}", low_open ? "(" : "[", low, high, high_open ? ")" : "]");
    }
    if (bounded_low) return low_open ? (low == 0 ? "positive" : fmt::format("above {}", low)) : fmt::format("at least {}", low);
    if (bounded_high) return high_open ? fmt::format("below {}", high) : fmt::format("at most {}", high);
    return "a finite number";
  }
};

inline Range positive() { return {0.0, true}; }
inline Range non_negative() { return {0.0, false}; }
inline Range at_least(double low) { return {low, false}; }
inline Range between(double low, double high) { return {low, false, high, false}; }  // closed
inline Range open_interval(double low, double high) { return {low, true, high, true}; }
inline Range from_to_below(double low, double high) { return {low, false, high, true}; }  // [low, high)

// A program_options value bound to `target` whose parsed value must lie in `range`; `flag` is the
// name used in the error ("--lr must be positive, got -1").
template <class T>
po::typed_value<T>* ranged(T* target, const std::string& flag, Range range) {
  return po::value(target)->notifier([flag, range](const T& value) {
    if (!range.contains(double(value))) {
      throw UsageError(fmt::format("{} must be {}, got {}", flag, range.describe(), value));
    }
  });
}

}  // namespace nce::app
