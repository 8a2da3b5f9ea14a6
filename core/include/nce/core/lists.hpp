#pragma once
// Comma lists and ranges as flags, spec files and the Python module write them. Every function
// throws InputError naming `flag` (e.g. "--widths") and the offending text; nothing is clamped
// or skipped silently.
#include <string>
#include <vector>

namespace nce::core {

// Splits "a,b,c" into its items; an empty item (",,", a trailing comma, "") is an InputError.
std::vector<std::string> split_list(const std::string& text, const std::string& flag);
// "v1,v2,...": finite numbers > 0.
std::vector<double> parse_numbers(const std::string& text, const std::string& flag);
// "a:b:step" (inclusive; the steps are counted, so 0.5:2.0:0.25 ends exactly at 2.0, and each
// value is rounded to 12 significant digits, so 0.1 steps read 0.3) or "m1,m2,...": positive
// multipliers, at most 4096.
std::vector<double> parse_multipliers(const std::string& text, const std::string& flag);

}  // namespace nce::core
