#include "nce/explore/constraint.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <regex>

#include "nce/core/input_error.hpp"

namespace nce::explore {

bool Constraint::holds(const PointRecord& record) const {
  if (!record.feasible || !record.has(metric)) return false;
  const double x = record.metric(metric);
  switch (op) {
    case Op::le: return x <= value;
    case Op::lt: return x < value;
    case Op::ge: return x >= value;
    case Op::gt: return x > value;
    case Op::eq: return x == value;
  }
  return false;
}

Constraint parse_constraint(const std::string& text) {
  static const std::regex pattern(R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    throw core::InputError(
        fmt::format("constraint '{}': expected METRIC OP NUMBER with OP one of <=, <, >=, >, == (e.g. area_mm2<=0.5)", text));
  }
  Constraint c;
  c.text = text;
  c.metric = metric_named(match[1].str(), fmt::format("constraint '{}'", text)).name;
  const std::string op = match[2];
  c.op = op == "<=" ? Constraint::Op::le
       : op == "<"  ? Constraint::Op::lt
       : op == ">=" ? Constraint::Op::ge
       : op == ">"  ? Constraint::Op::gt
                    : Constraint::Op::eq;
  const std::string number = match[3];
  char* end = nullptr;
  c.value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(c.value)) {
    throw core::InputError(fmt::format("constraint '{}': '{}' is not a number", text, number));
  }
  return c;
}

bool meets_all(const PointRecord& record, const std::vector<Constraint>& constraints) {
  if (!record.feasible) return false;
  for (const Constraint& c : constraints) {
    if (!c.holds(record)) return false;
  }
  return true;
}

}  // namespace nce::explore
