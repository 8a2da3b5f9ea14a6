#pragma once
// Search methods: how the channel widths of a network's searchable layers are chosen under a
// hardware budget. One interface, one .cpp per method, registered by name:
//   nce    search/src/methods/nce.cpp    supernet search with channel expansion (docs/NCE.md)
//   tas    search/src/methods/tas.cpp    the same search without expansion (TAS)
//   plain  search/src/methods/plain.cpp  no search: the original widths
//   wrpn   search/src/methods/wrpn.cpp   no search: every searchable width x wrpn_multiplier
// docs/EXTENDING.md has the recipe for another.
//
// Contract: run() reads the base workload, the data and the hardware-cost source, writes its
// run directory (config.out: derived.yaml always; search.jsonl and checkpoint.bin when it
// trains), continues bit-identically from config.out/checkpoint.bin when config.resume is set,
// and returns a SearchResult whose `derived` workload is what the method chose. Bad input
// (flags, data, checkpoints) throws core::InputError before any work.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nce/core/registry.hpp"
#include "nce/cost_models/accelerator_config.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/train/datasets.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::search {

struct SearchConfig {
  std::string method = "nce";             // a registered SearchMethod
  std::string dataset = "fashion-mnist";  // selects the normalisation
  int low_bits = 2;                       // precision of the W2A2 layers
  cost_models::CostMetric metric = cost_models::CostMetric::cycles;
  double target = 1.0;     // r: F_target = r * F_max, F_max = cost of the plain network (TAS)
  double tolerance = 0.05;  // t = 0.05 F_max (TAS)
  double lambda = 2.0;      // constraint coefficient, CIFAR value (docs/NCE.md section 5)
  double threshold = 0.3;   // T, CIFAR value
  double max_multiplier = 2.0;    // candidates grow up to this times the base width (paper: 2x)
  double space_multiplier = 1.0;  // initial candidates: TAS ratios of this times the base width
  // Candidate widths: TAS's ratios (and expansion by base/8), or the widths where the array's
  // cycles step (docs/NCE.md section 2, "Array-aware candidates").
  enum class Candidates { tas, array };
  Candidates candidates = Candidates::tas;
  double wrpn_multiplier = 1.5;   // wrpn: every searchable width times this
  JoinMode join = JoinMode::prefix;  // how the derived network joins residual blocks of unequal widths
  std::vector<int> bit_candidates = {2, 3, 4};  // ebs: weight and activation widths of each searchable layer
  train::QuantRecipe recipe;         // the supernet's quantizers (train/include/nce/train/quantizers.hpp)
  int warmup_epochs = 1;
  int search_epochs = 1;
  int batch = 128;
  double lr = 0.1;  // weights: SGD momentum 0.9, cosine, wd 4e-4 (docs/NCE.md section 5)
  double momentum = 0.9;
  double weight_decay = 4e-4;
  double arch_lr = 1e-3;  // logits: Adam lr 1e-3, wd 1e-3 (TAS)
  double arch_weight_decay = 1e-3;
  double tau_max = 5.0;  // Gumbel temperature, cosine from 5 to 0.1 (TAS)
  double tau_min = 0.1;
  std::uint64_t seed = 1;
  std::filesystem::path out;  // search.jsonl, checkpoint.bin, derived.yaml
  bool resume = false;
  int stop_after_epoch = -1;  // >= 0: return after this many epochs (tests an interruption)
  std::ostream* progress = nullptr;
};

// Where cost tables come from: `model` on `config`, cached in `cache_dir` when set.
struct CostSource {
  const cost_models::CostModel* model = nullptr;
  cost_models::AcceleratorConfig config;
  std::optional<std::filesystem::path> cache_dir;
};

struct SearchEpoch {
  int epoch = 0;  // 1-based
  std::string phase;
  double tau = 0;
  double weight_loss = 0;
  double arch_loss = 0;
  double hardware_loss = 0;
  double train_accuracy = 0;
  double test_accuracy = 0;
  double expected_cost = 0;
  double current_cost = 0;
  std::map<std::string, std::vector<int>> widths;
  std::map<std::string, std::vector<double>> probabilities;
  std::vector<std::string> expansions;
};

struct SearchResult {
  std::vector<SearchEpoch> epochs;  // every epoch so far (read back from search.jsonl on resume)
  bool finished = false;
  double max_cost = 0;     // F_max: the plain network's cost
  workloads::Workload derived;        // argmax widths
  std::vector<std::string> layers;  // searchable layers
  // softmax(theta) per searchable layer before the first architecture step (RUN/initial.json).
  std::map<std::string, std::vector<double>> initial_probabilities;
  // A precision search (ebs): epochs' widths and probabilities are keyed "<layer>.w" and
  // "<layer>.a", their candidates are bit widths, and `derived` differs in precision only.
  bool precision_search = false;
};

class SearchMethod {
 public:
  virtual ~SearchMethod() = default;
  virtual std::string_view name() const = 0;   // "nce"
  virtual std::string_view label() const = 0;  // "NCE", for reports
  virtual SearchResult run(const workloads::Workload& workload, const train::DatasetSplits& data,
                           const CostSource& source, const SearchConfig& config) const = 0;
};

using SearchMethodRegistry = core::Registry<SearchMethod>;

// Runs (or resumes) config.method; InputError for an unknown method (listing the registered
// ones), unusable inputs or checkpoints.
SearchResult run_search(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                        const SearchConfig& config);

}  // namespace nce::search
