#include "nce/search/nce_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <sstream>

#include "nce/train/optimizers.hpp"
#include "nce/train/trainer.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"

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

namespace {

// Derivation gives a residual block whose main-branch width differs from its identity input a
// 1x1 projection shortcut (NCE.md section 2: "and its cost counts"). The cost tables know only
// the workload's layers, so each identity add gets a term T[i][j] = cost of that projection
// from the shortcut's width candidate i to the main branch's candidate j (0 where they are
// equal): the hardware loss then sees what the derived network will pay.
void add_projection_terms(const workloads::Workload& workload, const WidthBinding& binding, const CostSource& source,
                          cost_models::CostMetric metric, std::vector<CostTerm>& terms) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload);
  auto index_of = [&](const std::string& name) {
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
      if (workload.layers[i].name == name) return i;
    }
    throw core::InputError("unknown layer " + name);
  };
  std::vector<cost_models::LayerTableSpec> specs;
  std::vector<CostTerm> pending;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    const workloads::Layer& add = workload.layers[i];
    if (add.type != workloads::LayerType::add || add.inputs.size() != 2) continue;
    const std::size_t main = index_of(add.inputs[0]);
    const std::size_t shortcut = index_of(add.inputs[1]);
    if (workload.layers[shortcut].type == workloads::LayerType::conv) continue;  // a projection already, tied by bind_widths
    const int din = binding.out_decision[shortcut];
    const int dout = binding.out_decision[main];
    if (din < 0 && dout < 0) continue;
    cost_models::LayerTableSpec spec;
    spec.name = add.name + ".proj";
    spec.layer = i;
    spec.geometry.name = spec.name;
    spec.geometry.type = workloads::LayerType::conv;
    spec.geometry.precision = workloads::Precision{8, 8};
    spec.geometry.batch_norm = true;
    spec.geometry.input_shape = workloads::TensorShape{infos[shortcut].out.channels, infos[i].out.height, infos[i].out.width};
    spec.in_widths = din >= 0 ? binding.decisions[std::size_t(din)].widths : std::vector<int>{infos[shortcut].out.channels};
    spec.out_widths = dout >= 0 ? binding.decisions[std::size_t(dout)].widths : std::vector<int>{infos[main].out.channels};
    CostTerm term;
    term.layer = i;
    term.in_decision = din;
    term.out_decision = dout;
    pending.push_back(std::move(term));
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) return;
  const cost_models::CostTable table =
      cost_models::build_cost_table(workload.name, std::move(specs), *source.model, source.config, source.cache_dir);
  for (std::size_t t = 0; t < pending.size(); ++t) {
    const cost_models::LayerCostTable& layer = table.layers[t];
    CostTerm& term = pending[t];
    term.table = Eigen::MatrixXd::Zero(Eigen::Index(layer.in_widths.size()), Eigen::Index(layer.out_widths.size()));
    for (std::size_t a = 0; a < layer.in_widths.size(); ++a) {
      for (std::size_t b = 0; b < layer.out_widths.size(); ++b) {
        if (layer.in_widths[a] != layer.out_widths[b]) term.table(Eigen::Index(a), Eigen::Index(b)) = layer.at(a, b).metric(metric);
      }
    }
    terms.push_back(std::move(term));
  }
}

}  // namespace

ExpectedCost expected_cost(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                           const CostSource& source, cost_models::CostMetric metric, WidthBinding* binding_out) {
  WidthBinding binding = bind_widths(workload, candidates);
  const cost_models::CostTable table = cost_models::build_cost_table(
      workload.name, table_specs(workload, binding), *source.model, source.config, source.cache_dir);
  std::vector<int> sizes;
  for (const WidthDecision& d : binding.decisions) sizes.push_back(int(d.widths.size()));
  std::vector<CostTerm> terms = cost_terms(table, binding, metric);
  add_projection_terms(workload, binding, source, metric, terms);
  ExpectedCost cost(sizes, std::move(terms));
  if (binding_out != nullptr) *binding_out = std::move(binding);
  return cost;
}

HardwareLoss tas_hardware_loss(double expected, double current, double target, double tolerance) {
  // TAS: push the cost down while the current architecture is over the target, let it grow
  // while it is more than the tolerance under, else no pressure.
  if (current > target) return {std::log(expected), 1.0 / expected};
  if (current < target - tolerance) return {-std::log(expected), -1.0 / expected};
  return {0.0, 0.0};
}

int expansion_step(int base_width) { return std::max(1, base_width / 8); }

std::vector<std::string> layers_to_expand(Supernet& net, const workloads::Workload& base, double threshold,
                                          double max_multiplier) {
  std::vector<std::string> out;
  for (const std::string& name : net.searchable()) {
    const auto& t = net.theta(name).value;
    const double top = *std::max_element(t.begin(), t.end());
    double norm = 0;
    for (float v : t) norm += std::exp(double(v) - top);
    const double widest = std::exp(double(t.back()) - top) / norm;
    const int base_width = base.layer(name).out_channels;
    const int next = net.widths(name).back() + expansion_step(base_width);
    if (widest >= threshold && next <= int(std::floor(max_multiplier * base_width + 1e-9))) out.push_back(name);
  }
  return out;
}

namespace {

constexpr std::uint64_t kWeightOrder = 11;
constexpr std::uint64_t kArchOrder = 12;
constexpr std::uint64_t kSampling = 13;
constexpr std::uint64_t kGrowth = 14;
constexpr std::uint32_t kMagic = 0x4e434553;  // "NCES"

std::vector<double> softmax_of(const std::vector<float>& t) {
  const double top = *std::max_element(t.begin(), t.end());
  std::vector<double> p(t.size());
  double norm = 0;
  for (std::size_t j = 0; j < t.size(); ++j) norm += p[j] = std::exp(double(t[j]) - top);
  for (double& v : p) v /= norm;
  return p;
}

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

struct Checkpoint {
  int epoch = 0;
  std::map<std::string, std::vector<int>> candidates;
  NamedState values;
  std::int64_t adam_steps = 0;
};

void write_vector(std::ostream& out, const std::string& name, const std::vector<float>& v) {
  const std::uint64_t n = name.size();
  const std::uint64_t count = v.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(name.data(), std::streamsize(n));
  out.write(reinterpret_cast<const char*>(&count), sizeof count);
  out.write(reinterpret_cast<const char*>(v.data()), std::streamsize(count * sizeof(float)));
}

void save_checkpoint_file(const fs::path& file, const SearchConfig& config, int epoch, Supernet& net, train::Sgd& sgd,
                          train::Adam& adam) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw core::InputError(fmt::format("cannot write {}", tmp.string()));
    out.write(reinterpret_cast<const char*>(&kMagic), sizeof kMagic);
    const std::uint64_t header[4] = {config.seed, std::uint64_t(config.batch), std::uint64_t(epoch),
                                     std::uint64_t(adam.steps())};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    std::vector<std::pair<std::string, std::vector<float>>> entries;
    for (const auto& [name, widths] : net.candidates()) {
      entries.push_back({"widths:" + name, std::vector<float>(widths.begin(), widths.end())});
    }
    for (train::Parameter* p : net.weight_parameters()) entries.push_back({p->name, p->value});
    for (train::Parameter* p : net.arch_parameters()) entries.push_back({p->name, p->value});
    for (const train::Buffer& b : net.buffers()) entries.push_back({b.name, *b.values});
    for (const auto& [name, v] : sgd_state(net, sgd)) entries.push_back({"sgd:" + name, v});
    auto arch = net.arch_parameters();
    auto adam_state = adam.state();
    for (std::size_t i = 0; i < arch.size(); ++i) {
      entries.push_back({"adam.m:" + arch[i]->name, *adam_state[i]});
      entries.push_back({"adam.v:" + arch[i]->name, *adam_state[arch.size() + i]});
    }
    const std::uint64_t count = entries.size();
    out.write(reinterpret_cast<const char*>(&count), sizeof count);
    for (const auto& [name, v] : entries) write_vector(out, name, v);
    if (!out) throw core::InputError(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, file);
}

Checkpoint read_checkpoint_file(const fs::path& file, const SearchConfig& config) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::InputError(fmt::format("{}: cannot read the checkpoint", file.string()));
  std::uint32_t magic = 0;
  std::uint64_t header[4] = {};
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (!in || magic != kMagic) throw core::InputError(fmt::format("{}: not an nce search checkpoint", file.string()));
  if (header[0] != config.seed || header[1] != std::uint64_t(config.batch)) {
    throw core::InputError(fmt::format("{}: written by a run with seed {} batch {}; this run has seed {} batch {}",
                                 file.string(), header[0], header[1], config.seed, config.batch));
  }
  Checkpoint cp;
  cp.epoch = int(header[2]);
  cp.adam_steps = std::int64_t(header[3]);
  std::uint64_t count = 0;
  in.read(reinterpret_cast<char*>(&count), sizeof count);
  for (std::uint64_t e = 0; e < count && in; ++e) {
    std::uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), sizeof n);
    if (n > 4096) break;
    std::string name(n, '\0');
    in.read(name.data(), std::streamsize(n));
    std::uint64_t size = 0;
    in.read(reinterpret_cast<char*>(&size), sizeof size);
    if (size > (std::uint64_t(1) << 32)) break;
    std::vector<float> v(size);
    in.read(reinterpret_cast<char*>(v.data()), std::streamsize(size * sizeof(float)));
    if (name.rfind("widths:", 0) == 0) {
      cp.candidates[name.substr(7)] = std::vector<int>(v.begin(), v.end());
    } else {
      cp.values[name] = std::move(v);
    }
  }
  if (!in) throw core::InputError(fmt::format("{}: truncated checkpoint", file.string()));
  return cp;
}

void load_values(const fs::path& file, const NamedState& values, const std::string& prefix, std::vector<float>& v,
                 const std::string& name) {
  const auto found = values.find(prefix + name);
  if (found == values.end() || found->second.size() != v.size()) {
    throw core::InputError(fmt::format("{}: checkpoint has no matching '{}'", file.string(), prefix + name));
  }
  v = found->second;
}

json epoch_json(const SearchEpoch& e) {
  json j;
  j["epoch"] = e.epoch;
  j["phase"] = e.phase;
  j["tau"] = e.tau;
  j["weight_loss"] = e.weight_loss;
  j["arch_loss"] = e.arch_loss;
  j["hardware_loss"] = e.hardware_loss;
  j["train_accuracy"] = e.train_accuracy;
  j["test_accuracy"] = e.test_accuracy;
  j["expected_cost"] = e.expected_cost;
  j["current_cost"] = e.current_cost;
  j["widths"] = e.widths;
  j["probabilities"] = e.probabilities;
  j["expansions"] = e.expansions;
  return j;
}

SearchEpoch epoch_from_json(const json& j) {
  SearchEpoch e;
  e.epoch = j.at("epoch").get<int>();
  e.phase = j.at("phase").get<std::string>();
  e.tau = j.at("tau").get<double>();
  e.weight_loss = j.at("weight_loss").get<double>();
  e.arch_loss = j.at("arch_loss").get<double>();
  e.hardware_loss = j.at("hardware_loss").get<double>();
  e.train_accuracy = j.at("train_accuracy").get<double>();
  e.test_accuracy = j.at("test_accuracy").get<double>();
  e.expected_cost = j.at("expected_cost").get<double>();
  e.current_cost = j.at("current_cost").get<double>();
  e.widths = j.at("widths").get<std::map<std::string, std::vector<int>>>();
  e.probabilities = j.at("probabilities").get<std::map<std::string, std::vector<double>>>();
  e.expansions = j.at("expansions").get<std::vector<std::string>>();
  return e;
}

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

}  // namespace

SearchResult run_search(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                        const SearchConfig& config) {
  if (config.batch <= 0 || config.warmup_epochs < 0 || config.search_epochs < 0) {
    throw core::InputError("search: batch must be positive and epoch counts non-negative");
  }
  if (config.expand && config.threshold <= 0) throw core::InputError("search: --threshold must be positive");
  if (config.out.empty()) throw core::InputError("search: an output directory is required");
  fs::create_directories(config.out);
  const fs::path checkpoint = config.out / "checkpoint.bin";
  const fs::path log_path = config.out / "search.jsonl";

  SearchResult result;
  std::map<std::string, std::vector<int>> candidates = initial_candidates(workload, config.space_multiplier);
  result.layers.clear();
  for (const auto& layer : workload.layers) {
    if (layer.searchable) result.layers.push_back(layer.name);
  }
  if (result.layers.empty()) throw core::InputError(fmt::format("workload '{}' has no searchable layer", workload.name));

  // F_max: the plain network's cost (TAS's "maximum" FLOPs is the unpruned network's).
  {
    std::map<std::string, std::vector<int>> plain;
    for (const std::string& name : result.layers) plain[name] = {workload.layer(name).out_channels};
    const ExpectedCost cost = expected_cost(workload, plain, source, config.metric);
    result.max_cost = cost.cost_of(std::vector<int>(result.layers.size(), 0));
  }
  const double target = config.target * result.max_cost;
  const double tolerance = config.tolerance * result.max_cost;

  int start_epoch = 0;
  std::optional<Checkpoint> cp;
  if (config.resume && fs::exists(checkpoint)) {
    cp = read_checkpoint_file(checkpoint, config);
    candidates = cp->candidates;
    start_epoch = cp->epoch;
  }
  Supernet net(workload, candidates, config.seed, config.low_bits);
  train::Sgd sgd(net.weight_parameters(), config.momentum, config.weight_decay);
  train::Adam adam(net.arch_parameters(), 0.9, 0.999, 1e-8, config.arch_weight_decay);
  if (cp) {
    for (train::Parameter* p : net.weight_parameters()) load_values(checkpoint, cp->values, "", p->value, p->name);
    for (train::Parameter* p : net.arch_parameters()) load_values(checkpoint, cp->values, "", p->value, p->name);
    for (const train::Buffer& b : net.buffers()) load_values(checkpoint, cp->values, "", *b.values, b.name);
    auto params = net.weight_parameters();
    auto state = sgd.state();
    for (std::size_t i = 0; i < params.size(); ++i) load_values(checkpoint, cp->values, "sgd:", *state[i], params[i]->name);
    auto arch = net.arch_parameters();
    auto adam_state = adam.state();
    for (std::size_t i = 0; i < arch.size(); ++i) {
      load_values(checkpoint, cp->values, "adam.m:", *adam_state[i], arch[i]->name);
      load_values(checkpoint, cp->values, "adam.v:", *adam_state[arch.size() + i], arch[i]->name);
    }
    adam.set_steps(cp->adam_steps);
    // Keep the log lines of the epochs the checkpoint holds.
    std::ifstream in(log_path);
    std::string line;
    while (std::getline(in, line) && int(result.epochs.size()) < start_epoch) {
      if (!line.empty()) result.epochs.push_back(epoch_from_json(json::parse(line)));
    }
  }
  {
    std::ofstream log(log_path, std::ios::trunc);
    for (const SearchEpoch& e : result.epochs) log << epoch_json(e).dump() << '\n';
  }

  WidthBinding binding;
  ExpectedCost cost = expected_cost(workload, net.candidates(), source, config.metric, &binding);

  const train::TrainArchSplit split = train::split_train_arch(data.train.size(), config.seed);
  const train::Normalization norm = train::dataset_normalization(config.dataset);
  train::Augmentation augmentation;
  augmentation.enabled = false;  // 28x28 subsets at tiny budgets: no crop/flip (ours)
  const int steps_per_epoch = std::max<int>(1, int(split.weight.size()) / config.batch);
  const int total_epochs = config.warmup_epochs + config.search_epochs;
  const std::int64_t total_steps = std::int64_t(total_epochs) * steps_per_epoch;
  train::Tensor images;
  std::vector<std::int32_t> labels;
  train::Tensor dlogits;

  for (int epoch = start_epoch; epoch < total_epochs; ++epoch) {
    if (config.stop_after_epoch >= 0 && epoch >= config.stop_after_epoch) return result;
    const bool warmup = epoch < config.warmup_epochs;
    const int search_index = epoch - config.warmup_epochs;
    // Cosine tau from tau_max to tau_min over the search epochs (TAS).
    const double tau =
        warmup ? config.tau_max
               : config.tau_min + (config.tau_max - config.tau_min) *
                                      (1.0 + std::cos(std::numbers::pi * search_index /
                                                      std::max(1, config.search_epochs - 1))) /
                                      2.0;
    train::Rng rng(train::derive_seed(config.seed, kSampling, std::uint64_t(epoch)));
    train::Rng growth_rng(train::derive_seed(config.seed, kGrowth, std::uint64_t(epoch)));
    const auto weight_order = train::shuffled_order(int(split.weight.size()), train::derive_seed(config.seed, kWeightOrder, std::uint64_t(epoch)));
    const auto arch_order = train::shuffled_order(int(split.arch.size()), train::derive_seed(config.seed, kArchOrder, std::uint64_t(epoch)));
    std::vector<std::int32_t> weight_ids(weight_order.size());
    std::vector<std::int32_t> arch_ids(arch_order.size());
    for (std::size_t i = 0; i < weight_order.size(); ++i) weight_ids[i] = split.weight[std::size_t(weight_order[i])];
    for (std::size_t i = 0; i < arch_order.size(); ++i) arch_ids[i] = split.arch[std::size_t(arch_order[i])];

    SearchEpoch record;
    record.epoch = epoch + 1;
    record.phase = warmup ? "warmup" : "search";
    record.tau = tau;
    double weight_loss = 0, arch_loss = 0, hw_loss = 0;
    int correct = 0, seen = 0;
    for (int step = 0; step < steps_per_epoch; ++step) {
      const std::int64_t global = std::int64_t(epoch) * steps_per_epoch + step;
      const int count = std::min<int>(config.batch, int(weight_ids.size()) - step * config.batch);
      train::make_batch(data.train, weight_ids, std::size_t(step) * config.batch, count, norm, augmentation, nullptr, images,
                 labels);
      net.zero_grad();
      const train::Tensor& logits = net.forward(images, true, warmup ? SampleMode::uniform : SampleMode::gumbel, tau, &rng);
      const train::LossResult loss = train::softmax_cross_entropy(logits, labels, dlogits);
      net.backward(dlogits);
      sgd.step(train::cosine_lr(config.lr, global, total_steps));
      net.after_step();
      weight_loss += loss.loss;
      correct += loss.correct;
      seen += count;
      if (warmup) continue;

      // Architecture step on D_arch: CE + lambda * hardware loss (NCE.md section 3).
      const int arch_count = std::min<int>(config.batch, int(arch_ids.size()));
      const std::size_t arch_begin = (std::size_t(step) * config.batch) % std::max<std::size_t>(1, arch_ids.size() - std::size_t(arch_count) + 1);
      train::make_batch(data.train, arch_ids, arch_begin, arch_count, norm, augmentation, nullptr, images, labels);
      net.zero_grad();
      const train::Tensor& arch_logits = net.forward(images, true, SampleMode::gumbel, tau, &rng);
      const train::LossResult aloss = train::softmax_cross_entropy(arch_logits, labels, dlogits);
      net.backward(dlogits);
      const ExpectedCostResult expected = cost.evaluate_logits(logits_by_decision(net, binding));
      const double current = cost.cost_of(argmax_by_decision(net, binding));
      const HardwareLoss hw = tas_hardware_loss(expected.value, current, target, tolerance);
      for (std::size_t d = 0; d < binding.decisions.size(); ++d) {
        train::Parameter& theta = net.theta(binding.decisions[d].layer);
        for (std::size_t j = 0; j < theta.grad.size(); ++j) {
          theta.grad[j] += float(config.lambda * hw.dvalue_dexpected * expected.gradient[d][Eigen::Index(j)]);
        }
      }
      adam.step(config.arch_lr);
      arch_loss += aloss.loss + config.lambda * hw.value;
      hw_loss += hw.value;

      if (!config.expand) continue;
      const std::vector<std::string> grow = layers_to_expand(net, workload, config.threshold, config.max_multiplier);
      for (const std::string& name : grow) {
        const NamedState state = sgd_state(net, sgd);
        const auto growth = net.expand(name, expansion_step(workload.layer(name).out_channels), growth_rng);
        sgd = train::Sgd(net.weight_parameters(), config.momentum, config.weight_decay);
        restore_sgd(net, sgd, state, growth);
        auto arch = net.arch_parameters();
        auto adam_state = adam.state();
        for (std::size_t i = 0; i < arch.size(); ++i) {
          adam_state[i]->resize(arch[i]->value.size(), 0.0f);
          adam_state[arch.size() + i]->resize(arch[i]->value.size(), 0.0f);
        }
        record.expansions.push_back(fmt::format("{}:{}", name, net.widths(name).back()));
      }
      // The tables grow with the candidates (cached layer variants are reused).
      if (!grow.empty()) cost = expected_cost(workload, net.candidates(), source, config.metric, &binding);
    }
    record.weight_loss = weight_loss / steps_per_epoch;
    record.arch_loss = warmup ? 0.0 : arch_loss / steps_per_epoch;
    record.hardware_loss = warmup ? 0.0 : hw_loss / steps_per_epoch;
    record.train_accuracy = seen > 0 ? double(correct) / seen : 0.0;
    record.expected_cost = cost.evaluate_logits(logits_by_decision(net, binding)).value;
    record.current_cost = cost.cost_of(argmax_by_decision(net, binding));
    record.widths = net.candidates();
    for (const std::string& name : result.layers) record.probabilities[name] = softmax_of(net.theta(name).value);
    {
      // Test accuracy of the current argmax architecture with the supernet's weights.
      int right = 0;
      const auto order = train::iota_order(data.test.size());
      for (int begin = 0; begin < data.test.size(); begin += config.batch) {
        const int count = std::min(config.batch, data.test.size() - begin);
        train::make_batch(data.test, order, std::size_t(begin), count, norm, augmentation, nullptr, images, labels);
        const train::Tensor& logits = net.forward(images, false, SampleMode::argmax, tau, nullptr);
        right += train::softmax_cross_entropy(logits, labels, dlogits).correct;
      }
      record.test_accuracy = data.test.size() > 0 ? double(right) / data.test.size() : 0.0;
    }
    result.epochs.push_back(record);
    {
      std::ofstream log(log_path, std::ios::app);
      log << epoch_json(record).dump() << '\n';
    }
    save_checkpoint_file(checkpoint, config, epoch + 1, net, sgd, adam);
    if (config.progress != nullptr) {
      *config.progress << fmt::format(
                              "epoch {}/{} {}: loss {:.3f} train acc {:.3f} test acc {:.3f} expected cost {:.4g} "
                              "current {:.4g} (F_max {:.4g}){}\n",
                              epoch + 1, total_epochs, record.phase, record.weight_loss, record.train_accuracy,
                              record.test_accuracy, record.expected_cost, record.current_cost, result.max_cost,
                              record.expansions.empty() ? "" : fmt::format(", {} expansions", record.expansions.size()))
                       << std::flush;
    }
  }
  result.derived = net.derive();
  result.derived.name = workload.name + "-searched";
  workloads::write_workload_file(result.derived, config.out / "derived.yaml");
  result.finished = true;
  return result;
}

}  // namespace nce::search
