#include "nce/explore/spec_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "nce/core/input_error.hpp"

namespace nce::explore {
namespace {

std::string flag_of(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return fmt::format("--{}", key);
}

// A scalar, or a list of scalars joined by commas.
std::string values_of(const YAML::Node& node, const std::string& where) {
  if (node.IsScalar()) return node.Scalar();
  if (!node.IsSequence() || node.size() == 0) {
    throw core::InputError(fmt::format("{}: expected a value or a non-empty list", where));
  }
  std::string out;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) throw core::InputError(fmt::format("{}: expected a list of values", where));
    out += fmt::format("{}{}", out.empty() ? "" : ",", item.Scalar());
  }
  return out;
}

}  // namespace

std::vector<std::string> spec_file_arguments(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("--spec {}: {}", file.string(), error.what()));
  }
  if (!root.IsMap()) throw core::InputError(fmt::format("--spec {}: expected a mapping of flags to values", file.string()));
  std::vector<std::string> args;
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) throw core::InputError(fmt::format("--spec {}: a flag name must be a plain word", file.string()));
    const std::string key = entry.first.Scalar();
    const std::string flag = flag_of(key);
    const std::string where = fmt::format("--spec {}: {}", file.string(), key);
    const YAML::Node& value = entry.second;
    if (key == "set") {
      if (!value.IsMap()) throw core::InputError(fmt::format("{}: expected a mapping of config keys to values", where));
      for (const auto& set : value) {
        if (!set.first.IsScalar()) throw core::InputError(fmt::format("{}: a config key must be a plain word", where));
        const std::string field = set.first.Scalar();
        args.insert(args.end(), {flag, fmt::format("{}={}", field, values_of(set.second, fmt::format("{}.{}", where, field)))});
      }
    } else if (value.IsScalar() && (value.Scalar() == "true" || value.Scalar() == "false")) {
      if (value.Scalar() == "true") args.push_back(flag);
    } else if (value.IsSequence() && value.size() > 0 && value[0].IsSequence()) {
      for (const YAML::Node& inner : value) args.insert(args.end(), {flag, values_of(inner, where)});
    } else {
      args.insert(args.end(), {flag, values_of(value, where)});
    }
  }
  return args;
}

}  // namespace nce::explore
