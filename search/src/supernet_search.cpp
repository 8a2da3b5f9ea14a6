#include "nce/search/supernet_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <memory>
#include <numeric>
#include <optional>
#include <set>

#include "nce/train/optimizers.hpp"
#include "nce/train/trainer.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/checkpoint.hpp"
#include "nce/core/input_error.hpp"
#include "nce/core/softmax.hpp"
#include "nce/workloads/workload_file.hpp"
#include "search_log.hpp"

namespace nce::search {

namespace fs = std::filesystem;
using nlohmann::json;

std::map<std::string, std::vector<int>> initial_candidates(const workloads::Workload& workload, double space_multiplier) {
  std::map<std::string, std::vector<int>> out;
  for (const workloads::Layer& layer : workload.layers) {
    if (layer.searchable) out[layer.name] = tas_candidates(int(std::lround(layer.out_channels * space_multiplier)));
  }
  return out;
}

ExpectedCost expected_cost(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                           const CostSource& source, cost_models::CostMetric metric, JoinMode join,
                           WidthBinding* binding_out) {
  WidthBinding binding = bind_widths(workload, candidates, join);
  const cost_models::CostTable table = cost_models::build_cost_table(
      workload.name, table_specs(workload, binding), *source.model, source.config, source.cache_dir);
  ExpectedCost cost(binding.decisions, cost_terms(table, binding, metric));
  if (binding_out != nullptr) *binding_out = std::move(binding);
  return cost;
}

double predicted_cost(const workloads::Workload& workload, const std::map<std::string, int>& widths,
                      const CostSource& source, cost_models::CostMetric metric, JoinMode join) {
  std::map<std::string, std::vector<int>> single;
  for (const auto& [name, width] : widths) single[name] = {width};
  return expected_cost(workload, single, source, metric, join).cost_of(std::vector<int>(single.size(), 0));
}

HardwareLoss tas_hardware_loss(double expected, double current, double target, double tolerance) {
  // TAS: push the cost down while the current architecture is over the target, let it grow
  // while it is more than the tolerance under, else no pressure.
  if (current > target) return {std::log(expected), 1.0 / expected};
  if (current < target - tolerance) return {-std::log(expected), -1.0 / expected};
  return {0.0, 0.0};
}

int expansion_step(int base_width) { return std::max(1, base_width / 8); }

std::vector<std::pair<std::string, int>> layers_to_expand(Supernet& net, const CandidatePlan& plan, double threshold) {
  std::vector<std::pair<std::string, int>> out;
  for (const std::string& name : net.searchable()) {
    const double widest = core::softmax(net.theta(name).value).back();
    if (widest < threshold) continue;
    const auto found = plan.growth.find(name);
    if (found == plan.growth.end()) continue;
    const int current = net.widths(name).back();
    const auto next = std::upper_bound(found->second.begin(), found->second.end(), current);
    if (next != found->second.end()) out.emplace_back(name, *next);
  }
  return out;
}

std::string_view to_string(SearchConfig::Candidates candidates) {
  return candidates == SearchConfig::Candidates::array ? "array" : "tas";
}

SearchConfig::Candidates candidates_from_string(std::string_view text) {
  if (text == "tas") return SearchConfig::Candidates::tas;
  if (text == "array") return SearchConfig::Candidates::array;
  throw core::InputError(fmt::format("--candidates must be tas or array, got '{}'", text));
}

std::vector<int> array_widths(const workloads::Workload& workload, const std::string& layer, int limit,
                              const CostSource& source) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  std::size_t at = workload.layers.size();
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    if (workload.layers[i].name == layer) at = i;
  }
  if (at == workload.layers.size()) throw core::InputError(fmt::format("array candidates: no layer '{}'", layer));
  std::vector<int> widths(std::size_t(std::max(limit, 1)));
  std::iota(widths.begin(), widths.end(), 1);
  // The layer itself, then every conv/fc that reads its output through pools and adds.
  std::vector<cost_models::LayerTableSpec> specs = {
      cost_models::layer_table_spec(workload, infos, at, {infos[at].in.channels}, widths)};
  std::vector<std::string> frontier = {layer};
  std::set<std::size_t> seen;
  while (!frontier.empty()) {
    const std::string producer = frontier.back();
    frontier.pop_back();
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
      const workloads::Layer& consumer = workload.layers[i];
      if (std::find(consumer.inputs.begin(), consumer.inputs.end(), producer) == consumer.inputs.end()) continue;
      if (!seen.insert(i).second) continue;
      if (consumer.has_weights()) {
        specs.push_back(cost_models::layer_table_spec(workload, infos, i, widths, {infos[i].out.channels}));
      } else {
        frontier.push_back(consumer.name);
      }
    }
  }
  const cost_models::CostTable table =
      cost_models::build_cost_table(workload.name, std::move(specs), *source.model, source.config, source.cache_dir);
  std::vector<double> cost(widths.size(), 0.0);
  for (std::size_t w = 0; w < widths.size(); ++w) {
    cost[w] += double(table.layers[0].at(0, w).cycles);
    for (std::size_t t = 1; t < table.layers.size(); ++t) cost[w] += double(table.layers[t].at(w, 0).cycles);
  }
  std::vector<int> ends;
  for (std::size_t w = 0; w < widths.size(); ++w) {
    if (w + 1 == widths.size() || cost[w + 1] > cost[w]) ends.push_back(widths[w]);
  }
  return ends;
}

CandidatePlan plan_candidates(const workloads::Workload& workload, const SearchConfig& config, const CostSource& source) {
  CandidatePlan plan;
  for (const workloads::Layer& layer : workload.layers) {
    if (!layer.searchable) continue;
    const int base = layer.out_channels;
    const int spaced = std::max(1, int(std::lround(base * config.space_multiplier)));
    const int limit = int(std::floor(config.max_multiplier * base + 1e-9));
    std::vector<int>& initial = plan.initial[layer.name];
    std::vector<int>& growth = plan.growth[layer.name];
    if (config.candidates == SearchConfig::Candidates::tas) {
      initial = tas_candidates(spaced);
      for (int w = initial.back() + expansion_step(base); w <= limit; w += expansion_step(base)) growth.push_back(w);
      continue;
    }
    // The array's cycles are what the latency loss sees; price them with the analytical model
    // whatever the search metric is.
    static const std::unique_ptr<cost_models::CostModel> analytical = cost_models::make_cost_model("analytical");
    CostSource cycles = source;
    cycles.model = analytical.get();
    const std::vector<int> ends = array_widths(workload, layer.name, std::max(limit, spaced), cycles);
    const int low = std::max(1, int(std::lround(0.3 * spaced)));
    std::vector<int> in_range;
    for (int w : ends) {
      if (w >= low && w <= spaced) in_range.push_back(w);
    }
    if (in_range.empty() || in_range.back() != spaced) in_range.push_back(spaced);  // the base width is a candidate
    constexpr std::size_t kMost = 8;  // as many as TAS's ratios
    if (in_range.size() > kMost) {
      std::vector<int> spread;
      for (std::size_t k = 0; k < kMost; ++k) spread.push_back(in_range[k * (in_range.size() - 1) / (kMost - 1)]);
      spread.erase(std::unique(spread.begin(), spread.end()), spread.end());
      in_range = spread;
    }
    initial = in_range;
    for (int w : ends) {
      if (w > initial.back() && w <= limit) growth.push_back(w);
    }
  }
  return plan;
}

namespace {

// Seed streams of the search (train/include/nce/train/random.hpp derive_seed).
constexpr std::uint64_t kWeightOrder = 11;
constexpr std::uint64_t kArchOrder = 12;
constexpr std::uint64_t kSampling = 13;
constexpr std::uint64_t kGrowth = 14;
// Format version of the "search" checkpoint kind (core/include/nce/core/checkpoint.hpp).
constexpr std::uint32_t kCheckpointVersion = 1;

// Optimizer state keyed by parameter name, so it survives the re-allocation of grown layers.
using NamedState = std::map<std::string, std::vector<float>>;

NamedState sgd_state(Supernet& net, train::Sgd& sgd) {
  NamedState out;
  auto params = net.weight_parameters();
  auto state = sgd.state();
  for (std::size_t i = 0; i < params.size(); ++i) out[params[i]->name] = *state[i];
  return out;
}

void restore_sgd(Supernet& net, train::Sgd& sgd, const NamedState& state, const std::vector<Supernet::Growth>& growth) {
  auto params = net.weight_parameters();
  auto buffers = sgd.state();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto found = state.find(params[i]->name);
    if (found == state.end()) continue;  // a new BN: zero momentum
    std::vector<float> values = found->second;
    for (const Supernet::Growth& g : growth) {
      if (g.parameter != params[i]->name) continue;
      std::vector<float> grown(std::size_t(g.new_out) * g.new_in * g.kk, 0.0f);
      for (int o = 0; o < g.old_out; ++o) {
        std::copy_n(values.data() + std::size_t(o) * g.old_in * g.kk, std::size_t(g.old_in) * g.kk,
                    grown.data() + std::size_t(o) * g.new_in * g.kk);
      }
      values = std::move(grown);
    }
    if (values.size() == buffers[i]->size()) *buffers[i] = std::move(values);
  }
}

// One run of the supernet search, step by step (docs/NCE.md section 5): every epoch trains the
// weights on D_weight; after the warm-up, each weight step is followed by an architecture step
// on D_arch and, for NCE, the expansion check. At the end of an epoch the argmax architecture
// is evaluated, the epoch logged and the checkpoint written.
class SupernetSearch {
 public:
  SupernetSearch(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                 const SearchConfig& config, bool expand)
      : workload_(workload), data_(data), source_(source), config_(config), expand_(expand) {}

  SearchResult run();

 private:
  std::map<std::string, std::vector<int>> resume_candidates(std::optional<core::CheckpointReader>& checkpoint);
  // What a resumed search must share with the one that wrote the checkpoint, besides seed,
  // batch and data (checked separately): method, metric, join, candidates, quantizers, target.
  std::string settings() const {
    return fmt::format("expand={} metric={} join={} candidates={} {} target={} space={} max={}", expand_,
                       cost_models::to_string(config_.metric), to_string(config_.join), to_string(config_.candidates),
                       train::to_string(config_.recipe), config_.target, config_.space_multiplier,
                       config_.max_multiplier);
  }
  CandidatePlan plan_;
  void restore(const core::CheckpointReader& checkpoint);
  double tau(int epoch) const;
  void weight_step(const std::vector<std::int32_t>& ids, int step, bool warmup, double lr, SearchEpoch& record);
  void arch_step(const std::vector<std::int32_t>& ids, int step, SearchEpoch& record);
  void expand_layers(SearchEpoch& record, train::Rng& growth_rng);
  double evaluate_argmax();
  void finish_epoch(SearchEpoch& record, int steps);
  void save_checkpoint(int epochs_done) const;

  const workloads::Workload& workload_;
  const train::DatasetSplits& data_;
  const CostSource& source_;
  const SearchConfig& config_;
  const bool expand_;

  std::filesystem::path checkpoint_path_;
  std::filesystem::path log_path_;
  SearchResult result_;
  double target_ = 0, tolerance_ = 0;
  std::unique_ptr<Supernet> net_;
  std::unique_ptr<train::Sgd> sgd_;
  std::unique_ptr<train::Adam> adam_;
  WidthBinding binding_;
  std::optional<ExpectedCost> cost_;
  train::Normalization norm_;
  train::Augmentation augmentation_;
  std::unique_ptr<train::Rng> rng_;  // Gumbel sampling of the current epoch
  double tau_now_ = 0;
  train::Tensor images_, dlogits_;
  std::vector<std::int32_t> labels_;
  int correct_ = 0, seen_ = 0;
  double weight_loss_ = 0, arch_loss_ = 0, hw_loss_ = 0;
};

std::vector<Eigen::VectorXd> logits_by_decision(Supernet& net, const WidthBinding& binding) {
  std::vector<Eigen::VectorXd> out;
  for (const WidthDecision& d : binding.decisions) {
    const auto& t = net.theta(d.layer).value;
    Eigen::VectorXd v(Eigen::Index(t.size()));
    for (std::size_t j = 0; j < t.size(); ++j) v[Eigen::Index(j)] = t[j];
    out.push_back(v);
  }
  return out;
}

std::vector<int> argmax_by_decision(Supernet& net, const WidthBinding& binding) {
  std::vector<int> out;
  for (const WidthDecision& d : binding.decisions) {
    const auto& t = net.theta(d.layer).value;
    out.push_back(int(std::max_element(t.begin(), t.end()) - t.begin()));
  }
  return out;
}

std::map<std::string, std::vector<int>> SupernetSearch::resume_candidates(
    std::optional<core::CheckpointReader>& checkpoint) {
  std::map<std::string, std::vector<int>> candidates = plan_.initial;
  if (!config_.resume) return candidates;
  if (!fs::exists(checkpoint_path_)) {
    throw core::InputError(fmt::format("{}: no checkpoint to resume from", checkpoint_path_.string()));
  }
  checkpoint.emplace(checkpoint_path_, "search", kCheckpointVersion);
  if (checkpoint->text("settings") != settings()) {
    throw core::InputError(fmt::format("{}: written by a search with other settings ({}); this one has {}",
                                       checkpoint_path_.string(), checkpoint->text("settings"), settings()));
  }
  const auto check = [&](const char* what, std::int64_t now) {
    const std::int64_t stored = checkpoint->integer(what);
    if (stored != now) {
      throw core::InputError(fmt::format("{}: written by a run with {} {}; this run has {} {}", checkpoint_path_.string(),
                                         what, stored, what, now));
    }
  };
  check("seed", std::int64_t(config_.seed));
  check("batch", config_.batch);
  check("train_examples", data_.train.size());
  for (auto& [name, widths] : candidates) {
    const std::vector<std::int64_t> stored = checkpoint->integers("widths:" + name);
    widths.assign(stored.begin(), stored.end());
  }
  return candidates;
}

void SupernetSearch::restore(const core::CheckpointReader& checkpoint) {
  for (train::Parameter* p : net_->weight_parameters()) checkpoint.read_into(p->name, p->value);
  for (train::Parameter* p : net_->arch_parameters()) checkpoint.read_into(p->name, p->value);
  for (const train::Buffer& b : net_->buffers()) checkpoint.read_into(b.name, *b.values);
  auto params = net_->weight_parameters();
  auto state = sgd_->state();
  for (std::size_t i = 0; i < params.size(); ++i) checkpoint.read_into("sgd:" + params[i]->name, *state[i]);
  auto arch = net_->arch_parameters();
  auto adam_state = adam_->state();
  for (std::size_t i = 0; i < arch.size(); ++i) {
    checkpoint.read_into("adam.m:" + arch[i]->name, *adam_state[i]);
    checkpoint.read_into("adam.v:" + arch[i]->name, *adam_state[arch.size() + i]);
  }
  adam_->set_steps(checkpoint.integer("adam_steps"));
}

void SupernetSearch::save_checkpoint(int epochs_done) const {
  core::CheckpointWriter out("search", kCheckpointVersion);
  out.add_integer("epoch", epochs_done);
  out.add_text("settings", settings());
  out.add_integer("seed", std::int64_t(config_.seed));
  out.add_integer("batch", config_.batch);
  out.add_integer("train_examples", data_.train.size());
  out.add_integer("adam_steps", adam_->steps());
  for (const auto& [name, widths] : net_->candidates()) {
    out.add("widths:" + name, std::vector<std::int64_t>(widths.begin(), widths.end()));
  }
  for (train::Parameter* p : net_->weight_parameters()) out.add(p->name, p->value);
  for (train::Parameter* p : net_->arch_parameters()) out.add(p->name, p->value);
  for (const train::Buffer& b : net_->buffers()) out.add(b.name, *b.values);
  for (const auto& [name, v] : sgd_state(*net_, *sgd_)) out.add("sgd:" + name, v);
  auto arch = net_->arch_parameters();
  auto adam_state = adam_->state();
  for (std::size_t i = 0; i < arch.size(); ++i) {
    out.add("adam.m:" + arch[i]->name, *adam_state[i]);
    out.add("adam.v:" + arch[i]->name, *adam_state[arch.size() + i]);
  }
  out.write(checkpoint_path_);
}

double SupernetSearch::tau(int epoch) const {
  // Cosine from tau_max to tau_min over the search epochs (TAS); tau_max during the warm-up.
  if (epoch < config_.warmup_epochs) return config_.tau_max;
  const int search_index = epoch - config_.warmup_epochs;
  return config_.tau_min + (config_.tau_max - config_.tau_min) *
                               (1.0 + std::cos(std::numbers::pi * search_index / std::max(1, config_.search_epochs - 1))) /
                               2.0;
}

void SupernetSearch::weight_step(const std::vector<std::int32_t>& ids, int step, bool warmup, double lr,
                                 SearchEpoch&) {
  const int count = std::min<int>(config_.batch, int(ids.size()) - step * config_.batch);
  train::make_batch(data_.train, ids, std::size_t(step) * config_.batch, count, norm_, augmentation_, nullptr, images_,
                    labels_);
  net_->zero_grad();
  const train::Tensor& logits =
      net_->forward(images_, true, warmup ? SampleMode::uniform : SampleMode::gumbel, tau_now_, rng_.get());
  const train::LossResult loss = train::softmax_cross_entropy(logits, labels_, dlogits_);
  net_->backward(dlogits_);
  sgd_->step(lr);
  net_->after_step();
  weight_loss_ += loss.loss;
  correct_ += loss.correct;
  seen_ += count;
}

void SupernetSearch::arch_step(const std::vector<std::int32_t>& ids, int step, SearchEpoch&) {
  // CE on a D_arch batch + lambda * TAS's hardware loss of the expected cost (docs/NCE.md section 3).
  const int count = std::min<int>(config_.batch, int(ids.size()));
  const std::size_t begin = (std::size_t(step) * config_.batch) % std::max<std::size_t>(1, ids.size() - std::size_t(count) + 1);
  train::make_batch(data_.train, ids, begin, count, norm_, augmentation_, nullptr, images_, labels_);
  net_->zero_grad();
  const train::Tensor& logits = net_->forward(images_, true, SampleMode::gumbel, tau_now_, rng_.get());
  const train::LossResult loss = train::softmax_cross_entropy(logits, labels_, dlogits_);
  net_->backward(dlogits_);
  const ExpectedCostResult expected = cost_->evaluate_logits(logits_by_decision(*net_, binding_));
  const double current = cost_->cost_of(argmax_by_decision(*net_, binding_));
  const HardwareLoss hw = tas_hardware_loss(expected.value, current, target_, tolerance_);
  for (std::size_t d = 0; d < binding_.decisions.size(); ++d) {
    train::Parameter& theta = net_->theta(binding_.decisions[d].layer);
    for (std::size_t j = 0; j < theta.grad.size(); ++j) {
      theta.grad[j] += float(config_.lambda * hw.dvalue_dexpected * expected.gradient[d][Eigen::Index(j)]);
    }
  }
  adam_->step(config_.arch_lr);
  arch_loss_ += loss.loss + config_.lambda * hw.value;
  hw_loss_ += hw.value;
}

void SupernetSearch::expand_layers(SearchEpoch& record, train::Rng& growth_rng) {
  const std::vector<std::pair<std::string, int>> grow = layers_to_expand(*net_, plan_, config_.threshold);
  for (const auto& [name, width] : grow) {
    const NamedState state = sgd_state(*net_, *sgd_);
    const auto growth = net_->expand(name, width - net_->widths(name).back(), growth_rng);
    *sgd_ = train::Sgd(net_->weight_parameters(), config_.momentum, config_.weight_decay);
    restore_sgd(*net_, *sgd_, state, growth);
    auto arch = net_->arch_parameters();
    auto adam_state = adam_->state();
    for (std::size_t i = 0; i < arch.size(); ++i) {
      adam_state[i]->resize(arch[i]->value.size(), 0.0f);
      adam_state[arch.size() + i]->resize(arch[i]->value.size(), 0.0f);
    }
    record.expansions.push_back(fmt::format("{}:{}", name, net_->widths(name).back()));
  }
  // The tables grow with the candidates (cached layer variants are reused).
  if (!grow.empty()) cost_ = expected_cost(workload_, net_->candidates(), source_, config_.metric, config_.join, &binding_);
}

double SupernetSearch::evaluate_argmax() {
  // Test accuracy of the current argmax architecture with the supernet's weights.
  int right = 0;
  const auto order = train::iota_order(data_.test.size());
  for (int begin = 0; begin < data_.test.size(); begin += config_.batch) {
    const int count = std::min(config_.batch, data_.test.size() - begin);
    train::make_batch(data_.test, order, std::size_t(begin), count, norm_, augmentation_, nullptr, images_, labels_);
    const train::Tensor& logits = net_->forward(images_, false, SampleMode::argmax, tau_now_, nullptr);
    right += train::softmax_cross_entropy(logits, labels_, dlogits_).correct;
  }
  return data_.test.size() > 0 ? double(right) / data_.test.size() : 0.0;
}

void SupernetSearch::finish_epoch(SearchEpoch& record, int steps) {
  const bool warmup = record.phase == "warmup";
  record.weight_loss = weight_loss_ / steps;
  record.arch_loss = warmup ? 0.0 : arch_loss_ / steps;
  record.hardware_loss = warmup ? 0.0 : hw_loss_ / steps;
  record.train_accuracy = seen_ > 0 ? double(correct_) / seen_ : 0.0;
  record.expected_cost = cost_->evaluate_logits(logits_by_decision(*net_, binding_)).value;
  record.current_cost = cost_->cost_of(argmax_by_decision(*net_, binding_));
  record.widths = net_->candidates();
  for (const std::string& name : result_.layers) record.probabilities[name] = core::softmax(net_->theta(name).value);
  record.test_accuracy = evaluate_argmax();
}

SearchResult SupernetSearch::run() {
  if (config_.batch <= 0 || config_.warmup_epochs < 0 || config_.search_epochs < 0) {
    throw core::InputError("search: batch must be positive and epoch counts non-negative");
  }
  if (expand_ && config_.threshold <= 0) throw core::InputError("search: --threshold must be positive");
  if (config_.out.empty()) throw core::InputError("search: an output directory is required");
  core::prepare_output_directory(config_.out);
  checkpoint_path_ = config_.out / "checkpoint.bin";
  log_path_ = config_.out / "search.jsonl";

  for (const auto& layer : workload_.layers) {
    if (layer.searchable) result_.layers.push_back(layer.name);
  }
  if (result_.layers.empty()) {
    throw core::InputError(fmt::format("workload '{}' has no searchable layer", workload_.name));
  }
  // F_max: the plain network's cost (TAS's "maximum" FLOPs is the unpruned network's).
  {
    std::map<std::string, std::vector<int>> plain;
    for (const std::string& name : result_.layers) plain[name] = {workload_.layer(name).out_channels};
    result_.max_cost = expected_cost(workload_, plain, source_, config_.metric, config_.join).cost_of(
        std::vector<int>(result_.layers.size(), 0));
  }
  target_ = config_.target * result_.max_cost;
  tolerance_ = config_.tolerance * result_.max_cost;

  plan_ = plan_candidates(workload_, config_, source_);
  std::optional<core::CheckpointReader> checkpoint;
  const std::map<std::string, std::vector<int>> candidates = resume_candidates(checkpoint);
  const int start_epoch = checkpoint ? int(checkpoint->integer("epoch")) : 0;
  net_ = std::make_unique<Supernet>(workload_, candidates, config_.seed, config_.low_bits, config_.recipe);
  sgd_ = std::make_unique<train::Sgd>(net_->weight_parameters(), config_.momentum, config_.weight_decay);
  adam_ = std::make_unique<train::Adam>(net_->arch_parameters(), 0.9, 0.999, 1e-8, config_.arch_weight_decay);
  std::string log;
  const fs::path initial_path = config_.out / "initial.json";
  if (!checkpoint) {
    for (const std::string& name : result_.layers) {
      result_.initial_probabilities[name] = core::softmax(net_->theta(name).value);
    }
    core::write_file_atomically(initial_path, json(result_.initial_probabilities).dump() + "\n");
  } else if (fs::exists(initial_path)) {
    std::ifstream in(initial_path);
    const json parsed = json::parse(in, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      throw core::InputError(fmt::format("{}: not the initial probabilities of a search", initial_path.string()));
    }
    result_.initial_probabilities = parsed.get<std::map<std::string, std::vector<double>>>();
  }
  if (checkpoint) {
    restore(*checkpoint);
    // Keep the log lines of the epochs the checkpoint holds.
    result_.epochs = read_epoch_log(log_path_, start_epoch);
    for (const SearchEpoch& e : result_.epochs) log += epoch_log_line(e) + "\n";
  }
  core::write_file_atomically(log_path_, log);
  cost_ = expected_cost(workload_, net_->candidates(), source_, config_.metric, config_.join, &binding_);

  const train::TrainArchSplit split = train::split_train_arch(data_.train.size(), config_.seed);
  norm_ = train::dataset_normalization(config_.dataset);
  augmentation_.enabled = false;  // 28x28 subsets at tiny budgets: no crop/flip (ours)
  const int steps_per_epoch = std::max<int>(1, int(split.weight.size()) / config_.batch);
  const int total_epochs = config_.warmup_epochs + config_.search_epochs;
  const std::int64_t total_steps = std::int64_t(total_epochs) * steps_per_epoch;
  if (!checkpoint && config_.recipe.alpha_init == train::QuantRecipe::AlphaInit::calibrated) {
    // The first D_weight batch of epoch 0 (docs/NCE.md section 1, "Quantization recipe").
    const auto order = train::shuffled_order(int(split.weight.size()), train::derive_seed(config_.seed, kWeightOrder, 0));
    std::vector<std::int32_t> ids(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) ids[i] = split.weight[std::size_t(order[i])];
    train::make_batch(data_.train, ids, 0, std::min<int>(config_.batch, int(ids.size())), norm_, augmentation_, nullptr,
                      images_, labels_);
    net_->calibrate(images_);
  }

  for (int epoch = start_epoch; epoch < total_epochs; ++epoch) {
    if (config_.stop_after_epoch >= 0 && epoch >= config_.stop_after_epoch) return result_;
    const bool warmup = epoch < config_.warmup_epochs;
    tau_now_ = tau(epoch);
    rng_ = std::make_unique<train::Rng>(train::derive_seed(config_.seed, kSampling, std::uint64_t(epoch)));
    train::Rng growth_rng(train::derive_seed(config_.seed, kGrowth, std::uint64_t(epoch)));
    const auto weight_order =
        train::shuffled_order(int(split.weight.size()), train::derive_seed(config_.seed, kWeightOrder, std::uint64_t(epoch)));
    const auto arch_order =
        train::shuffled_order(int(split.arch.size()), train::derive_seed(config_.seed, kArchOrder, std::uint64_t(epoch)));
    std::vector<std::int32_t> weight_ids(weight_order.size());
    std::vector<std::int32_t> arch_ids(arch_order.size());
    for (std::size_t i = 0; i < weight_order.size(); ++i) weight_ids[i] = split.weight[std::size_t(weight_order[i])];
    for (std::size_t i = 0; i < arch_order.size(); ++i) arch_ids[i] = split.arch[std::size_t(arch_order[i])];

    SearchEpoch record;
    record.epoch = epoch + 1;
    record.phase = warmup ? "warmup" : "search";
    record.tau = tau_now_;
    weight_loss_ = arch_loss_ = hw_loss_ = 0;
    correct_ = seen_ = 0;
    for (int step = 0; step < steps_per_epoch; ++step) {
      const std::int64_t global = std::int64_t(epoch) * steps_per_epoch + step;
      weight_step(weight_ids, step, warmup, train::cosine_lr(config_.lr, global, total_steps), record);
      if (warmup) continue;
      arch_step(arch_ids, step, record);
      if (expand_) expand_layers(record, growth_rng);
    }
    finish_epoch(record, steps_per_epoch);
    result_.epochs.push_back(record);
    core::append_line_durably(log_path_, epoch_log_line(record));
    save_checkpoint(epoch + 1);
    if (config_.progress != nullptr) {
      *config_.progress << fmt::format(
                               "epoch {}/{} {}: loss {:.3f} train acc {:.3f} test acc {:.3f} expected cost {:.4g} "
                               "current {:.4g} (F_max {:.4g}){}\n",
                               epoch + 1, total_epochs, record.phase, record.weight_loss, record.train_accuracy,
                               record.test_accuracy, record.expected_cost, record.current_cost, result_.max_cost,
                               record.expansions.empty() ? "" : fmt::format(", {} expansions", record.expansions.size()))
                        << std::flush;
    }
  }
  result_.derived = net_->derive(config_.join);
  result_.derived.name = workload_.name + "-searched";
  workloads::write_workload_file(result_.derived, config_.out / "derived.yaml");
  result_.finished = true;
  return std::move(result_);
}

}  // namespace

SearchResult run_supernet_search(const workloads::Workload& workload, const train::DatasetSplits& data,
                                 const CostSource& source, const SearchConfig& config, bool expand) {
  return SupernetSearch(workload, data, source, config, expand).run();
}

SearchResult run_search(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                        const SearchConfig& config) {
  return SearchMethodRegistry::get(config.method, "search method").run(workload, data, source, config);
}

}  // namespace nce::search
