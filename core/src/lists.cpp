#include "nce/core/lists.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "nce/core/input_error.hpp"

namespace nce::core {
namespace {

double positive_number(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || !(value > 0)) {
    throw InputError(fmt::format("{}: '{}' is not a positive number", flag, text));
  }
  return value;
}

}  // namespace

std::vector<std::string> split_list(const std::string& text, const std::string& flag) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item.empty()) throw InputError(fmt::format("{} '{}': empty item in the list", flag, text));
    items.push_back(item);
  }
  if (items.empty() || text.back() == ',') throw InputError(fmt::format("{} '{}': empty item in the list", flag, text));
  return items;
}

std::vector<double> parse_numbers(const std::string& text, const std::string& flag) {
  std::vector<double> out;
  for (const std::string& item : split_list(text, flag)) out.push_back(positive_number(item, flag));
  return out;
}

std::vector<double> parse_multipliers(const std::string& text, const std::string& flag) {
  static const std::regex range(R"(([^:]+):([^:]+):([^:]+))");
  std::smatch match;
  if (!std::regex_match(text, match, range)) return parse_numbers(text, flag);
  const double a = positive_number(match[1], flag);
  const double b = positive_number(match[2], flag);
  const double step = positive_number(match[3], flag);
  if (b < a) throw InputError(fmt::format("{} {}: the end is below the start", flag, text));
  const auto count = static_cast<long>(std::floor((b - a) / step + 1e-9));
  if (count >= 4096) throw InputError(fmt::format("{} {}: more than 4096 multipliers", flag, text));
  std::vector<double> out;
  for (long i = 0; i <= count; ++i) out.push_back(std::stod(fmt::format("{:.12g}", a + double(i) * step)));
  return out;
}

}  // namespace nce::core
