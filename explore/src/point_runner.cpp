#include "nce/explore/point_runner.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/search/search_method.hpp"
#include "nce/search/supernet_search.hpp"
#include "nce/train/network.hpp"
#include "nce/train/trainer.hpp"

namespace nce::explore {
namespace {

namespace fs = std::filesystem;

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

PointRunner::PointRunner(const Plan& plan, fs::path out) : plan_(plan), out_(std::move(out)) {}
PointRunner::~PointRunner() = default;

void PointRunner::prepare() {
  if (!plan_.searching() || data_) return;
  const SearchSpec& s = plan_.spec.search;
  auto data = std::make_unique<train::DatasetSplits>(train::load_dataset(s.dataset, s.data_dir));
  for (const PlannedNetwork& n : plan_.networks) train::check_model_fits(n.network, data->train, s.dataset);
  if (s.train_limit > 0) data->train.truncate(s.train_limit);
  if (s.test_limit > 0) data->test.truncate(s.test_limit);
  data_ = std::move(data);
}

PointRecord PointRunner::run(const PlannedPoint& point, int rank) {
  const auto start = Clock::now();
  PointRecord record = record_of(plan_, point);
  record.rank = rank;
  if (plan_.searching()) {
    record = run_search(point, std::move(record));
  } else {
    const PlannedNetwork& network = plan_.networks[point.network];
    const PlannedConfig& config = plan_.configs[point.config];
    try {
      const cost_models::WorkloadStats stats = evaluator_.evaluate(network.network, network.infos, point.config, config.config);
      record.metrics = compute_metrics(stats, network.network, network.infos, config.config, config.area);
    } catch (const core::InputError& error) {
      record.feasible = false;
      record.problem = error.what();
    }
  }
  record.seconds = since(start);
  return record;
}

PointRecord PointRunner::run_search(const PlannedPoint& point, PointRecord record) {
  prepare();
  const SearchSpec& s = plan_.spec.search;
  const SearchVariant& variant = plan_.searches[point.search];
  const PlannedNetwork& network = plan_.networks[point.network];
  const PlannedConfig& config = plan_.configs[point.config];
  const fs::path relative = fs::path("search") / fmt::format("point-{:05}", point.index);
  const fs::path dir = out_ / relative;
  fs::create_directories(dir);
  std::ofstream log(dir / "progress.log", std::ios::app);

  search::SearchConfig search_config;
  search_config.method = variant.method;
  search_config.dataset = s.dataset;
  search_config.metric = cost_models::cost_metric_from_string(variant.hw_loss);
  search_config.target = variant.target;
  search_config.threshold = s.threshold;
  search_config.max_multiplier = s.max_multiplier;
  search_config.candidates = search::candidates_from_string(s.candidates);
  search_config.join = search::join_mode_from_string(s.join);
  search_config.warmup_epochs = s.warmup_epochs;
  search_config.search_epochs = s.search_epochs;
  search_config.batch = s.batch;
  search_config.lr = s.lr;
  search_config.arch_lr = s.arch_lr;
  search_config.seed = s.seed;
  search_config.out = dir;
  search_config.resume = fs::exists(dir / "checkpoint.bin");
  search_config.progress = &log;

  const std::unique_ptr<cost_models::CostModel> model = cost_models::make_cost_model("analytical");
  search::CostSource source;
  source.model = model.get();
  source.config = config.config;
  source.cache_dir = out_ / "cost-cache";
  try {
    const search::SearchResult result = search::run_search(network.network, *data_, source, search_config);
    const workloads::Workload& derived = result.derived;
    double accuracy = result.epochs.empty() ? 0.0 : result.epochs.back().test_accuracy;
    if (s.retrain_epochs > 0) {
      train::Network net(derived, s.seed, true);
      train::TrainConfig train_config;
      train_config.dataset = s.dataset;
      train_config.epochs = s.retrain_epochs;
      train_config.batch = s.batch;
      train_config.lr = s.lr;
      train_config.seed = s.seed;
      train_config.out = dir / "retrain";
      train_config.resume = fs::exists(dir / "retrain" / "checkpoint.bin");
      train_config.progress = &log;
      train_config.description = fmt::format("nce explore {}: derived network retrained", record.key);
      accuracy = train::train(net, *data_, train_config).test_accuracy;
    }
    const std::vector<workloads::LayerInfo> infos = workloads::analyze(derived);
    const cost_models::WorkloadStats stats = evaluator_.evaluate(derived, infos, point.config, config.config);
    record.metrics = compute_metrics(stats, derived, infos, config.config, config.area);
    record.metrics["accuracy"] = accuracy;
    record.network_file = (relative / "derived.yaml").string();
  } catch (const core::InputError& error) {
    record.feasible = false;
    record.problem = error.what();
  }
  return record;
}

}  // namespace nce::explore
