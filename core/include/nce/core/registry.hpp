#pragma once
// Extension points chosen by name (cost models, dataflows, search methods, ...). Each
// implementation lives in one .cpp that registers itself at static initialisation:
//
//   namespace { const bool registered = nce::core::Registry<CostModel>::add(
//       "analytical", "closed-form evaluation of the schedule", [] { return std::make_unique<...>(); }); }
//
// Libraries are linked whole (cmake/NceTargets.cmake, nce_add_library), so a registration in a
// file nothing else references still runs. Names are unique per interface; lookups of unknown
// names throw InputError listing the registered ones, so the CLI's errors and --help list them
// without a hand-kept copy.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "nce/core/input_error.hpp"

namespace nce::core {

// `Args` are what every implementation's factory takes (e.g. options common to the interface).
template <typename Interface, typename... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Interface>(Args...)>;

  // Registers `name`; returns true so that the result can initialise a namespace-scope constant.
  static bool add(std::string name, std::string summary, Factory factory) {
    auto& all = entries();
    if (all.contains(name)) throw std::logic_error("two registrations of '" + name + "'");
    all.emplace(std::move(name), Entry{std::move(summary), std::move(factory), nullptr});
    return true;
  }

  static bool contains(std::string_view name) { return entries().find(name) != entries().end(); }

  // A new instance of `name`; `what` names the kind of thing in the error ("dataflow").
  static std::unique_ptr<Interface> create(std::string_view name, std::string_view what, Args... args) {
    return entry(name, what).factory(std::forward<Args>(args)...);
  }

  // The shared instance of `name`, created on first use (for stateless implementations).
  // Thread-safe.
  static const Interface& get(std::string_view name, std::string_view what)
    requires(sizeof...(Args) == 0)
  {
    Entry& e = entry(name, what);
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (!e.instance) e.instance = e.factory();
    return *e.instance;
  }

  static std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries()) out.push_back(name);
    return out;
  }

  // "a, b, c" in name order.
  static std::string names_text() { return fmt::format("{}", fmt::join(names(), ", ")); }

  // "  name  summary" lines for --help, in name order.
  static std::string help_text() {
    std::string out;
    for (const auto& [name, e] : entries()) out += fmt::format("  {:<12} {}\n", name, e.summary);
    return out;
  }

 private:
  struct Entry {
    std::string summary;
    Factory factory;
    std::unique_ptr<Interface> instance;
  };
  static std::map<std::string, Entry, std::less<>>& entries() {
    static std::map<std::string, Entry, std::less<>> all;
    return all;
  }
  static Entry& entry(std::string_view name, std::string_view what) {
    auto& all = entries();
    const auto it = all.find(name);
    if (it == all.end()) throw InputError(fmt::format("unknown {} '{}' (registered: {})", what, name, names_text()));
    return it->second;
  }
};

}  // namespace nce::core
