#include "nce/explore/evaluator.hpp"

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace nce::explore {
namespace {

// Everything map_layer and the analytical model read of a layer, as bytes.
std::string layer_key(const workloads::Layer& layer, const workloads::LayerInfo& info, std::size_t config_id) {
  const std::array<std::int64_t, 19> fields = {
      std::int64_t(config_id), std::int64_t(layer.type), info.in.channels, info.in.height, info.in.width,
      info.out.channels,      info.out.height,          info.out.width,   layer.out_channels, layer.kernel_h,
      layer.kernel_w,         layer.stride,             layer.padding,    layer.groups,       std::int64_t(layer.pool),
      std::int64_t(layer.join), layer.precision.weight_bits, layer.precision.act_bits,
      std::int64_t(layer.batch_norm) | std::int64_t(layer.relu) << 1 | std::int64_t(layer.bias) << 2};
  return std::string(reinterpret_cast<const char*>(fields.data()), sizeof(fields));
}

}  // namespace

// Sharded so that threads pricing different layers rarely wait on each other.
struct Evaluator::Cache {
  static constexpr std::size_t kShards = 32;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, cost_models::LayerStats> entries;
  };
  std::array<Shard, kShards> shards;
  Shard& shard(const std::string& key) { return shards[std::hash<std::string>{}(key) % kShards]; }
};

Evaluator::Evaluator() : model_(cost_models::make_cost_model("analytical")), cache_(std::make_unique<Cache>()) {}
Evaluator::~Evaluator() = default;

cost_models::WorkloadStats Evaluator::evaluate(const workloads::Workload& network,
                                               const std::vector<workloads::LayerInfo>& infos, std::size_t config_id,
                                               const cost_models::AcceleratorConfig& config) {
  std::vector<cost_models::LayerStats> layers;
  layers.reserve(network.layers.size());
  for (std::size_t i = 0; i < network.layers.size(); ++i) {
    const workloads::Layer& layer = network.layers[i];
    const std::string key = layer_key(layer, infos[i], config_id);
    Cache::Shard& shard = cache_->shard(key);
    ++lookups_;
    {
      std::lock_guard lock(shard.mutex);
      const auto it = shard.entries.find(key);
      if (it != shard.entries.end()) {
        layers.push_back(it->second);
        layers.back().layer = layer.name;
        continue;
      }
    }
    ++evaluations_;
    cost_models::LayerStats stats = model_->evaluate(layer, infos[i], config);
    {
      std::lock_guard lock(shard.mutex);
      shard.entries.emplace(key, stats);
    }
    layers.push_back(std::move(stats));
  }
  return cost_models::summarize(network.name, std::move(layers));
}

}  // namespace nce::explore
