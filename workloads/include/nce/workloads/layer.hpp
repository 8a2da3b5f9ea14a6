#pragma once
// The layer-graph model: what a network asks of the accelerator, layer by layer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nce::workloads {

enum class LayerType { conv, fc, pool, add };
enum class PoolType { max, avg, global_avg };
// How an add joins its two inputs. equal: identical shapes (a plain residual add). prefix: equal
// height and width, any channel counts; the narrower input is added into the first channels of
// the wider and the result has the wider width (the join a channel-search supernet trains,
// docs/NCE.md section 6). No MACs either way: adds run in the post-processing unit.
enum class Join { equal, prefix };

std::string_view to_string(LayerType type);
std::string_view to_string(PoolType type);
std::string_view to_string(Join join);
LayerType layer_type_from_string(std::string_view text);  // throws InputError
PoolType pool_type_from_string(std::string_view text);    // throws InputError
Join join_from_string(std::string_view text);             // throws InputError

// Operand widths of a layer. Activations are unsigned codes, weights two's complement.
struct Precision {
  int weight_bits = 2;
  int act_bits = 2;
  bool operator==(const Precision&) const = default;
};

// Per-image activation tensor shape (the batch dimension is never part of a workload).
struct TensorShape {
  int channels = 0;
  int height = 0;
  int width = 0;
  std::int64_t elements() const {
    return std::int64_t{channels} * height * width;
  }
  bool operator==(const TensorShape&) const = default;
};

struct Layer {
  std::string name;
  LayerType type = LayerType::conv;
  // Producers by name. Empty: the layer reads the network input, or `input_shape` when set
  // (imported topologies describe every layer by its own input tensor).
  std::vector<std::string> inputs;
  std::optional<TensorShape> input_shape;

  int out_channels = 0;  // conv, fc
  int kernel_h = 1;      // conv, pool
  int kernel_w = 1;
  int stride = 1;
  int padding = 0;  // symmetric zero padding
  int groups = 1;   // conv
  PoolType pool = PoolType::max;
  Join join = Join::equal;  // add

  Precision precision;
  bool batch_norm = false;  // BN follows (its affine weights count as parameters)
  bool relu = false;        // ReLU follows (after BN, or after the add)
  bool bias = false;
  bool searchable = false;  // a channel search may change out_channels

  bool has_weights() const { return type == LayerType::conv || type == LayerType::fc; }
  bool operator==(const Layer&) const = default;
};

}  // namespace nce::workloads
