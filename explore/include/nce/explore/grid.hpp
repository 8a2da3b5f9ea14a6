#pragma once
// The grid of an exploration (docs/EXPLORE.md section 1): which networks on which accelerators,
// as the cross product of axes. The spec is a plain value; make_plan (plan.hpp) resolves and
// validates it. Its canonical JSON is what spec.json stores and, with the contents of the files
// it names, what the spec hash covers, so a rerun can tell whether finished points still apply.
//
// Axes, in the order points are enumerated (the last varies fastest):
//   networks   every workload x width pattern, then every --networks file
//   arrays     RxC (empty: the base config's array)
//   dataflows  registered names (empty: the base config's)
//   sets       per config key a list of values; their cross product
//   searches   method x hardware loss x target, only with --search
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nce::explore {

struct ArrayShape {
  int rows = 0;
  int cols = 0;
  bool operator==(const ArrayShape&) const = default;
};

// --set KEY=V1,V2: one config field and the values it takes.
struct SetAxis {
  std::string key;
  std::vector<std::string> values;
  bool operator==(const SetAxis&) const = default;
};

// --networks [WORKLOAD=]FILE: a complete network (e.g. a search's derived.yaml), compared with
// WORKLOAD (the only --workload when just one is given; else its own name).
struct NetworkFile {
  std::string workload;  // empty: as above
  std::string path;
  bool operator==(const NetworkFile&) const = default;
};

// --search: per array (and dataflow, --set values) a channel search targeted at that
// accelerator, the derived network retrained; points carry its test accuracy.
struct SearchSpec {
  bool enabled = false;
  std::vector<std::string> methods{"nce"};         // registered search methods
  std::vector<std::string> hw_losses{"latency"};   // latency, energy (flops, params: array-blind)
  std::vector<double> targets{1.0};                // r: target = r x the plain network's cost
  std::string dataset = "fashion-mnist";
  std::string data_dir;                            // empty: the dataset's default directory
  int warmup_epochs = 1;
  int search_epochs = 1;
  int retrain_epochs = 1;  // 0: the accuracy is the search's last argmax evaluation
  int train_limit = -1;    // -1: the whole set
  int test_limit = -1;
  int batch = 128;
  double lr = 0.1;
  double arch_lr = 1e-3;
  double threshold = 0.3;
  double max_multiplier = 2.0;
  std::string candidates = "tas";
  std::string join = "prefix";
  std::uint64_t seed = 1;
  bool operator==(const SearchSpec&) const = default;
};

struct GridSpec {
  std::vector<std::string> workloads;  // zoo names or workload files
  std::string config;                  // accelerator config file; empty: the installed default.yaml
  std::string energy;                  // energy preset; empty: the config's
  std::vector<ArrayShape> arrays;
  std::vector<std::string> dataflows;
  std::vector<SetAxis> sets;
  std::vector<double> widths;                     // uniform multipliers of every searchable layer
  std::vector<std::vector<double>> stage_widths;  // one multiplier per stage, per pattern
  std::vector<NetworkFile> networks;
  SearchSpec search;
  bool operator==(const GridSpec&) const = default;
};

// Canonical JSON (sorted keys, every field) and back; InputError naming `source` on a bad file.
nlohmann::json to_json(const GridSpec& spec);
GridSpec grid_spec_from_json(const nlohmann::json& json, const std::string& source);

// Shortest text of a number that reads back equal ("1.25", "2").
std::string number_text(double value);

// 64-bit FNV-1a of `text` as 16 hex digits.
std::string fnv1a_hex(std::string_view text);

}  // namespace nce::explore
