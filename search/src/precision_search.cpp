#include "nce/search/precision_search.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>
#include <optional>

#include "nce/core/atomic_file.hpp"
#include "nce/core/checkpoint.hpp"
#include "nce/core/input_error.hpp"
#include "nce/core/softmax.hpp"
#include "nce/search/supernet_search.hpp"
#include "nce/train/network.hpp"
#include "nce/train/optimizers.hpp"
#include "nce/train/trainer.hpp"
#include "nce/workloads/workload_file.hpp"
#include "search_log.hpp"

namespace nce::search {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Seed streams (train/include/nce/train/random.hpp derive_seed), distinct from the width search's.
constexpr std::uint64_t kWeightOrder = 21;
constexpr std::uint64_t kArchOrder = 22;
constexpr std::uint64_t kLogits = 23;
constexpr std::uint32_t kCheckpointVersion = 1;  // the "ebs" checkpoint kind

// One searchable layer: its strengths over the weight and activation candidates.
struct Choice {
  std::string layer;
  std::size_t index = 0;  // in the workload
  train::Parameter theta_w;
  train::Parameter theta_a;
  std::vector<double> p_w, q_a;  // softmax(theta / tau), read by the layer at every forward
  Choice(std::string name, std::size_t at, std::size_t candidates, float decay)
      : layer(std::move(name)), index(at), theta_w(layer + ".bits_w", candidates, decay),
        theta_a(layer + ".bits_a", candidates, decay) {}
};

std::vector<double> tempered_softmax(const std::vector<float>& theta, double tau) {
  std::vector<double> scaled(theta.size());
  for (std::size_t j = 0; j < theta.size(); ++j) scaled[j] = double(theta[j]) / tau;
  return core::softmax(scaled);
}

// dL/dtheta from dL/dp for p = softmax(theta / tau): (1/tau) p .* (g - p . g).
void add_softmax_gradient(const std::vector<double>& p, const std::vector<double>& g, double tau, train::Parameter& theta) {
  double mean = 0.0;
  for (std::size_t j = 0; j < p.size(); ++j) mean += p[j] * g[j];
  for (std::size_t j = 0; j < p.size(); ++j) theta.grad[j] += float(p[j] * (g[j] - mean) / tau);
}

std::size_t argmax(const std::vector<double>& p) { return std::size_t(std::max_element(p.begin(), p.end()) - p.begin()); }

class PrecisionSearch {
 public:
  PrecisionSearch(const workloads::Workload& workload, const train::DatasetSplits& data, const CostSource& source,
                  const SearchConfig& config)
      : workload_(workload), data_(data), source_(source), config_(config) {}
  SearchResult run();

 private:
  void build_costs();
  double cost_of_argmax() const;
  double expected_cost(std::vector<std::vector<double>>* dp, std::vector<std::vector<double>>* dq) const;
  void set_probabilities(double tau);
  void weight_step(const std::vector<std::int32_t>& ids, int step, double lr);
  void arch_step(const std::vector<std::int32_t>& ids, int step, double tau);
  double evaluate_argmax();
  void save_checkpoint(int epochs_done) const;
  std::string settings() const {
    return fmt::format("ebs metric={} bits={} {} target={}", cost_models::to_string(config_.metric),
                       fmt::join(config_.bit_candidates, ","), train::to_string(config_.recipe), config_.target);
  }

  const workloads::Workload& workload_;
  const train::DatasetSplits& data_;
  const CostSource& source_;
  const SearchConfig& config_;
  SearchResult result_;
  std::unique_ptr<train::Network> net_;
  std::vector<std::unique_ptr<Choice>> choices_;
  std::unique_ptr<train::Sgd> sgd_;
  std::unique_ptr<train::Adam> adam_;
  // cost_[c][i * n + j]: searchable layer c at weight candidate i, activation candidate j.
  std::vector<std::vector<double>> cost_;
  double fixed_cost_ = 0.0;  // the layers outside the search
  double target_ = 0, tolerance_ = 0;
  train::Normalization norm_;
  train::Tensor images_, dlogits_;
  std::vector<std::int32_t> labels_;
  double weight_loss_ = 0, arch_loss_ = 0, hw_loss_ = 0;
  int correct_ = 0, seen_ = 0;
};

void PrecisionSearch::build_costs() {
  // Searchable layers at every (weight, activation) candidate pair; the others at their own.
  const std::vector<workloads::LayerInfo> infos = analyze(workload_);
  std::vector<workloads::Precision> pairs;
  for (int w : config_.bit_candidates) {
    for (int a : config_.bit_candidates) pairs.push_back({w, a});
  }
  std::vector<cost_models::LayerTableSpec> specs;
  std::vector<int> choice_of;  // per spec: index in choices_, -1 for fixed layers
  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    if (!workload_.layers[i].has_weights()) continue;
    int c = -1;
    for (std::size_t k = 0; k < choices_.size(); ++k) {
      if (choices_[k]->index == i) c = int(k);
    }
    specs.push_back(cost_models::layer_table_spec(workload_, infos, i, {infos[i].in.channels}, {infos[i].out.channels},
                                                  c >= 0 ? pairs : std::vector<workloads::Precision>{}));
    choice_of.push_back(c);
  }
  const cost_models::CostTable table =
      cost_models::build_cost_table(workload_.name, std::move(specs), *source_.model, source_.config, source_.cache_dir);
  cost_.assign(choices_.size(), {});
  fixed_cost_ = 0.0;
  for (std::size_t t = 0; t < table.layers.size(); ++t) {
    if (choice_of[t] < 0) {
      fixed_cost_ += table.layers[t].at(0, 0).metric(config_.metric);
      continue;
    }
    std::vector<double>& c = cost_[std::size_t(choice_of[t])];
    for (std::size_t p = 0; p < pairs.size(); ++p) c.push_back(table.layers[t].at(0, 0, p).metric(config_.metric));
  }
}

double PrecisionSearch::expected_cost(std::vector<std::vector<double>>* dp, std::vector<std::vector<double>>* dq) const {
  const std::size_t n = config_.bit_candidates.size();
  double total = fixed_cost_;
  if (dp) dp->assign(choices_.size(), std::vector<double>(n, 0.0));
  if (dq) dq->assign(choices_.size(), std::vector<double>(n, 0.0));
  for (std::size_t c = 0; c < choices_.size(); ++c) {
    const Choice& ch = *choices_[c];
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const double t = cost_[c][i * n + j];
        total += ch.p_w[i] * ch.q_a[j] * t;
        if (dp) (*dp)[c][i] += ch.q_a[j] * t;
        if (dq) (*dq)[c][j] += ch.p_w[i] * t;
      }
    }
  }
  return total;
}

double PrecisionSearch::cost_of_argmax() const {
  const std::size_t n = config_.bit_candidates.size();
  double total = fixed_cost_;
  for (std::size_t c = 0; c < choices_.size(); ++c) total += cost_[c][argmax(choices_[c]->p_w) * n + argmax(choices_[c]->q_a)];
  return total;
}

void PrecisionSearch::set_probabilities(double tau) {
  for (auto& ch : choices_) {
    ch->p_w = tempered_softmax(ch->theta_w.value, tau);
    ch->q_a = tempered_softmax(ch->theta_a.value, tau);
  }
}

void PrecisionSearch::weight_step(const std::vector<std::int32_t>& ids, int step, double lr) {
  const int count = std::min<int>(config_.batch, int(ids.size()) - step * config_.batch);
  train::make_batch(data_.train, ids, std::size_t(step) * config_.batch, count, norm_, train::Augmentation{}, nullptr,
                    images_, labels_);
  net_->zero_grad();
  const train::LossResult loss = train::softmax_cross_entropy(net_->forward(images_, true), labels_, dlogits_);
  net_->backward(dlogits_);
  sgd_->step(lr);
  net_->after_step();
  weight_loss_ += loss.loss;
  correct_ += loss.correct;
  seen_ += count;
}

void PrecisionSearch::arch_step(const std::vector<std::int32_t>& ids, int step, double tau) {
  const int count = std::min<int>(config_.batch, int(ids.size()));
  const std::size_t begin = (std::size_t(step) * config_.batch) % std::max<std::size_t>(1, ids.size() - std::size_t(count) + 1);
  train::make_batch(data_.train, ids, begin, count, norm_, train::Augmentation{}, nullptr, images_, labels_);
  net_->zero_grad();
  for (auto& ch : choices_) {
    std::fill(net_->conv(ch->layer).weight_mix_gradient().begin(), net_->conv(ch->layer).weight_mix_gradient().end(), 0.0);
    if (train::PactQuantizer* pact = net_->pact(ch->layer)) {
      std::fill(pact->activation_mix_gradient().begin(), pact->activation_mix_gradient().end(), 0.0);
    }
    ch->theta_w.zero_grad();
    ch->theta_a.zero_grad();
  }
  const train::LossResult loss = train::softmax_cross_entropy(net_->forward(images_, true), labels_, dlogits_);
  net_->backward(dlogits_);
  std::vector<std::vector<double>> dp, dq;
  const double expected = expected_cost(&dp, &dq);
  const HardwareLoss hw = tas_hardware_loss(expected, cost_of_argmax(), target_, tolerance_);
  for (std::size_t c = 0; c < choices_.size(); ++c) {
    Choice& ch = *choices_[c];
    std::vector<double> gw = net_->conv(ch.layer).weight_mix_gradient();
    std::vector<double> ga(gw.size(), 0.0);
    if (train::PactQuantizer* pact = net_->pact(ch.layer)) ga = pact->activation_mix_gradient();
    for (std::size_t j = 0; j < gw.size(); ++j) {
      gw[j] += config_.lambda * hw.dvalue_dexpected * dp[c][j];
      ga[j] += config_.lambda * hw.dvalue_dexpected * dq[c][j];
    }
    add_softmax_gradient(ch.p_w, gw, tau, ch.theta_w);
    add_softmax_gradient(ch.q_a, ga, tau, ch.theta_a);
  }
  adam_->step(config_.arch_lr);
  arch_loss_ += loss.loss + config_.lambda * hw.value;
  hw_loss_ += hw.value;
}

double PrecisionSearch::evaluate_argmax() {
  // The derived network's precisions with the search's weights: one-hot strengths.
  std::vector<std::pair<std::vector<double>, std::vector<double>>> saved;
  for (auto& ch : choices_) {
    saved.emplace_back(ch->p_w, ch->q_a);
    const std::size_t w = argmax(ch->p_w), a = argmax(ch->q_a);
    std::fill(ch->p_w.begin(), ch->p_w.end(), 0.0);
    std::fill(ch->q_a.begin(), ch->q_a.end(), 0.0);
    ch->p_w[w] = ch->q_a[a] = 1.0;
  }
  const train::Evaluation e = train::evaluate(*net_, data_.test, norm_, config_.batch);
  for (std::size_t c = 0; c < choices_.size(); ++c) std::tie(choices_[c]->p_w, choices_[c]->q_a) = saved[c];
  return e.accuracy;
}

void PrecisionSearch::save_checkpoint(int epochs_done) const {
  core::CheckpointWriter out("ebs", kCheckpointVersion);
  out.add_integer("epoch", epochs_done);
  out.add_text("settings", settings());
  out.add_integer("seed", std::int64_t(config_.seed));
  out.add_integer("batch", config_.batch);
  out.add_integer("train_examples", data_.train.size());
  out.add_integer("adam_steps", adam_->steps());
  for (train::Parameter* p : net_->parameters()) out.add("param:" + p->name, p->value);
  for (const train::Buffer& b : net_->buffers()) out.add("buffer:" + b.name, *b.values);
  std::size_t i = 0;
  for (std::vector<float>* state : sgd_->state()) out.add(fmt::format("sgd:{}", i++), *state);
  i = 0;
  for (std::vector<float>* state : adam_->state()) out.add(fmt::format("adam:{}", i++), *state);
  for (const auto& ch : choices_) {
    out.add(ch->theta_w.name, ch->theta_w.value);
    out.add(ch->theta_a.name, ch->theta_a.value);
  }
  out.write(config_.out / "checkpoint.bin");
}

SearchResult PrecisionSearch::run() {
  if (config_.bit_candidates.empty()) throw core::InputError("ebs: no bit-width candidates");
  for (int b : config_.bit_candidates) {
    if (b < 2 || b > 8) throw core::InputError(fmt::format("ebs: bit-width candidates must lie in [2, 8], got {}", b));
  }
  if (config_.out.empty()) throw core::InputError("search: an output directory is required");
  core::prepare_output_directory(config_.out);
  const fs::path checkpoint_path = config_.out / "checkpoint.bin";
  const fs::path log_path = config_.out / "search.jsonl";
  result_.precision_search = true;

  net_ = std::make_unique<train::Network>(workload_, config_.seed, true, config_.recipe);
  train::Rng rng(train::derive_seed(config_.seed, kLogits));
  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    const workloads::Layer& layer = workload_.layers[i];
    if (!layer.searchable || !layer.has_weights()) continue;
    auto ch = std::make_unique<Choice>(layer.name, i, config_.bit_candidates.size(), float(config_.arch_weight_decay));
    for (float& v : ch->theta_w.value) v = float(rng.normal() * 0.01);  // TAS's N(0, 0.01), as the width search
    for (float& v : ch->theta_a.value) v = float(rng.normal() * 0.01);
    result_.layers.push_back(layer.name);
    choices_.push_back(std::move(ch));
  }
  if (choices_.empty()) throw core::InputError(fmt::format("workload '{}' has no searchable layer", workload_.name));
  set_probabilities(config_.tau_max);
  for (auto& ch : choices_) {
    net_->conv(ch->layer).set_weight_mix(config_.bit_candidates, &ch->p_w);
    if (train::PactQuantizer* pact = net_->pact(ch->layer)) pact->set_activation_mix(config_.bit_candidates, &ch->q_a);
  }
  build_costs();
  {
    // F_max: the plain network (every searchable layer at its own precision).
    double plain = fixed_cost_;
    const std::size_t n = config_.bit_candidates.size();
    for (std::size_t c = 0; c < choices_.size(); ++c) {
      const workloads::Precision own = workload_.layers[choices_[c]->index].precision;
      const auto wi = std::find(config_.bit_candidates.begin(), config_.bit_candidates.end(), own.weight_bits);
      const auto ai = std::find(config_.bit_candidates.begin(), config_.bit_candidates.end(), own.act_bits);
      if (wi == config_.bit_candidates.end() || ai == config_.bit_candidates.end()) {
        throw core::InputError(fmt::format("ebs: layer '{}' is W{}A{}, not among the candidates {}", choices_[c]->layer,
                                           own.weight_bits, own.act_bits, fmt::join(config_.bit_candidates, ",")));
      }
      plain += cost_[c][std::size_t(wi - config_.bit_candidates.begin()) * n + std::size_t(ai - config_.bit_candidates.begin())];
    }
    result_.max_cost = plain;
  }
  target_ = config_.target * result_.max_cost;
  tolerance_ = config_.tolerance * result_.max_cost;

  std::vector<train::Parameter*> arch;
  for (auto& ch : choices_) {
    arch.push_back(&ch->theta_w);
    arch.push_back(&ch->theta_a);
  }
  sgd_ = std::make_unique<train::Sgd>(net_->parameters(), config_.momentum, config_.weight_decay);
  adam_ = std::make_unique<train::Adam>(arch, 0.9, 0.999, 1e-8, config_.arch_weight_decay);
  int start_epoch = 0;
  std::string log;
  const fs::path initial_path = config_.out / "initial.json";
  if (config_.resume) {
    if (!fs::exists(checkpoint_path)) {
      throw core::InputError(fmt::format("{}: no checkpoint to resume from", checkpoint_path.string()));
    }
    const core::CheckpointReader in(checkpoint_path, "ebs", kCheckpointVersion);
    if (in.text("settings") != settings()) {
      throw core::InputError(fmt::format("{}: written by a search with other settings ({}); this one has {}",
                                         checkpoint_path.string(), in.text("settings"), settings()));
    }
    for (const char* what : {"seed", "batch", "train_examples"}) {
      const std::int64_t now = std::string(what) == "seed" ? std::int64_t(config_.seed)
                               : std::string(what) == "batch" ? config_.batch
                                                               : data_.train.size();
      if (in.integer(what) != now) {
        throw core::InputError(fmt::format("{}: written by a run with {} {}; this run has {}", checkpoint_path.string(),
                                           what, in.integer(what), now));
      }
    }
    start_epoch = int(in.integer("epoch"));
    for (train::Parameter* p : net_->parameters()) in.read_into("param:" + p->name, p->value);
    for (const train::Buffer& b : net_->buffers()) in.read_into("buffer:" + b.name, *b.values);
    std::size_t i = 0;
    for (std::vector<float>* state : sgd_->state()) in.read_into(fmt::format("sgd:{}", i++), *state);
    i = 0;
    for (std::vector<float>* state : adam_->state()) in.read_into(fmt::format("adam:{}", i++), *state);
    adam_->set_steps(in.integer("adam_steps"));
    for (auto& ch : choices_) {
      in.read_into(ch->theta_w.name, ch->theta_w.value);
      in.read_into(ch->theta_a.name, ch->theta_a.value);
    }
    result_.epochs = read_epoch_log(log_path, start_epoch);
    for (const SearchEpoch& e : result_.epochs) log += epoch_log_line(e) + "\n";
    if (fs::exists(initial_path)) {
      std::ifstream in_initial(initial_path);
      const json j = json::parse(in_initial, nullptr, false);
      if (j.is_object()) result_.initial_probabilities = j.get<std::map<std::string, std::vector<double>>>();
    }
  } else {
    for (const auto& ch : choices_) {
      result_.initial_probabilities[ch->layer + ".w"] = core::softmax(ch->theta_w.value);
      result_.initial_probabilities[ch->layer + ".a"] = core::softmax(ch->theta_a.value);
    }
    core::write_file_atomically(initial_path, json(result_.initial_probabilities).dump() + "\n");
  }
  core::write_file_atomically(log_path, log);

  const train::TrainArchSplit split = train::split_train_arch(data_.train.size(), config_.seed);
  norm_ = train::dataset_normalization(config_.dataset);
  const int steps_per_epoch = std::max<int>(1, int(split.weight.size()) / config_.batch);
  const int total_epochs = config_.warmup_epochs + config_.search_epochs;
  const std::int64_t total_steps = std::int64_t(total_epochs) * steps_per_epoch;
  if (start_epoch == 0 && config_.recipe.alpha_init == train::QuantRecipe::AlphaInit::calibrated) {
    const auto order = train::shuffled_order(int(split.weight.size()), train::derive_seed(config_.seed, kWeightOrder, 0));
    std::vector<std::int32_t> ids(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) ids[i] = split.weight[std::size_t(order[i])];
    train::make_batch(data_.train, ids, 0, std::min<int>(config_.batch, int(ids.size())), norm_, train::Augmentation{},
                      nullptr, images_, labels_);
    net_->calibrate(images_);
  }
  for (int epoch = start_epoch; epoch < total_epochs; ++epoch) {
    if (config_.stop_after_epoch >= 0 && epoch >= config_.stop_after_epoch) return result_;
    const bool warmup = epoch < config_.warmup_epochs;
    // The strengths' temperature: tau_max in the warm-up, then cosine to tau_min (ours, as the
    // width search's Gumbel temperature; docs/NCE.md section 10).
    const int search_index = epoch - config_.warmup_epochs;
    const double tau =
        warmup ? config_.tau_max
               : config_.tau_min + (config_.tau_max - config_.tau_min) *
                                      (1.0 + std::cos(std::numbers::pi * search_index / std::max(1, config_.search_epochs - 1))) / 2.0;
    set_probabilities(tau);
    const auto weight_order =
        train::shuffled_order(int(split.weight.size()), train::derive_seed(config_.seed, kWeightOrder, std::uint64_t(epoch)));
    const auto arch_order =
        train::shuffled_order(int(split.arch.size()), train::derive_seed(config_.seed, kArchOrder, std::uint64_t(epoch)));
    std::vector<std::int32_t> weight_ids(weight_order.size()), arch_ids(arch_order.size());
    for (std::size_t i = 0; i < weight_order.size(); ++i) weight_ids[i] = split.weight[std::size_t(weight_order[i])];
    for (std::size_t i = 0; i < arch_order.size(); ++i) arch_ids[i] = split.arch[std::size_t(arch_order[i])];
    weight_loss_ = arch_loss_ = hw_loss_ = 0;
    correct_ = seen_ = 0;
    for (int step = 0; step < steps_per_epoch; ++step) {
      weight_step(weight_ids, step, train::cosine_lr(config_.lr, std::int64_t(epoch) * steps_per_epoch + step, total_steps));
      if (warmup) continue;
      arch_step(arch_ids, step, tau);
      set_probabilities(tau);
    }
    SearchEpoch record;
    record.epoch = epoch + 1;
    record.phase = warmup ? "warmup" : "search";
    record.tau = tau;
    record.weight_loss = weight_loss_ / steps_per_epoch;
    record.arch_loss = warmup ? 0.0 : arch_loss_ / steps_per_epoch;
    record.hardware_loss = warmup ? 0.0 : hw_loss_ / steps_per_epoch;
    record.train_accuracy = seen_ > 0 ? double(correct_) / seen_ : 0.0;
    record.expected_cost = expected_cost(nullptr, nullptr);
    record.current_cost = cost_of_argmax();
    for (const auto& ch : choices_) {
      record.widths[ch->layer + ".w"] = config_.bit_candidates;
      record.widths[ch->layer + ".a"] = config_.bit_candidates;
      record.probabilities[ch->layer + ".w"] = ch->p_w;
      record.probabilities[ch->layer + ".a"] = ch->q_a;
    }
    record.test_accuracy = evaluate_argmax();
    result_.epochs.push_back(record);
    core::append_line_durably(log_path, epoch_log_line(record));
    save_checkpoint(epoch + 1);
    if (config_.progress != nullptr) {
      *config_.progress << fmt::format(
                               "epoch {}/{} {}: loss {:.3f} train acc {:.3f} test acc {:.3f} expected cost {:.4g} "
                               "current {:.4g} (F_max {:.4g})\n",
                               epoch + 1, total_epochs, record.phase, record.weight_loss, record.train_accuracy,
                               record.test_accuracy, record.expected_cost, record.current_cost, result_.max_cost)
                        << std::flush;
    }
  }
  std::map<std::string, workloads::Precision> chosen;
  for (const auto& ch : choices_) {
    chosen[ch->layer] = {config_.bit_candidates[argmax(ch->p_w)], config_.bit_candidates[argmax(ch->q_a)]};
  }
  result_.derived = derive_precisions(workload_, chosen);
  result_.derived.name = workload_.name + "-ebs";
  workloads::write_workload_file(result_.derived, config_.out / "derived.yaml");
  result_.finished = true;
  return std::move(result_);
}

}  // namespace

workloads::Workload derive_precisions(const workloads::Workload& base,
                                      const std::map<std::string, workloads::Precision>& precisions) {
  workloads::Workload out = base;
  for (const auto& [name, precision] : precisions) out.layer(name).precision = precision;
  analyze(out);
  return out;
}

SearchResult run_precision_search(const workloads::Workload& workload, const train::DatasetSplits& data,
                                  const CostSource& source, const SearchConfig& config) {
  return PrecisionSearch(workload, data, source, config).run();
}

}  // namespace nce::search
