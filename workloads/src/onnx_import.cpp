// ONNX import (README.md, "Networks in, tables out"): one pass over the graph's nodes in their (topological) order. Every
// tensor name maps to a constant (initializers, Constant nodes) or an activation, which names the
// layer that produced it and the post-operations (BN, ReLU) already folded into that layer.
#include "nce/workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "nce/core/input_error.hpp"

namespace nce::workloads {
namespace {

// A constant tensor: its dims, and its values when it is small enough to matter (Clip bounds,
// Reshape targets); weights are never decoded.
struct Constant {
  std::string name;  // the initializer's name (kept through Identity), for layer names
  std::vector<std::int64_t> dims;
  const onnx::TensorProto* tensor = nullptr;
  std::int64_t elements() const {
    std::int64_t n = 1;
    for (std::int64_t d : dims) n *= d;
    return n;
  }
};

// What happened to a layer's output on the way to this tensor.
enum class Stage { raw, batch_norm, relu };

struct Activation {
  std::string layer;  // producing layer; empty: the network input
  Stage stage = Stage::raw;
  bool flattened = false;  // passed through Flatten/Reshape to [batch, features]
};

constexpr std::int64_t kMaxDecodedElements = 64;

std::vector<double> decode(const onnx::TensorProto& t, const std::string& what) {
  std::int64_t count = 1;
  for (std::int64_t d : t.dims()) count *= d;
  if (count > kMaxDecodedElements) throw core::InputError(fmt::format("{}: constant too large to read ({} values)", what, count));
  std::vector<double> values;
  const auto raw = [&]<typename T>(T) {
    const std::string& bytes = t.raw_data();
    if (bytes.size() != std::size_t(count) * sizeof(T)) {
      throw core::InputError(fmt::format("{}: raw_data holds {} bytes, expected {}", what, bytes.size(), count * std::int64_t(sizeof(T))));
    }
    for (std::int64_t i = 0; i < count; ++i) {
      T value{};
      std::memcpy(&value, bytes.data() + i * std::int64_t(sizeof(T)), sizeof(T));
      values.push_back(static_cast<double>(value));
    }
  };
  switch (t.data_type()) {
    case onnx::TensorProto_DataType_FLOAT:
      if (t.has_raw_data()) raw(float{});
      else for (float v : t.float_data()) values.push_back(v);
      break;
    case onnx::TensorProto_DataType_DOUBLE:
      if (t.has_raw_data()) raw(double{});
      else for (double v : t.double_data()) values.push_back(v);
      break;
    case onnx::TensorProto_DataType_INT64:
      if (t.has_raw_data()) raw(std::int64_t{});
      else for (std::int64_t v : t.int64_data()) values.push_back(static_cast<double>(v));
      break;
    case onnx::TensorProto_DataType_INT32:
      if (t.has_raw_data()) raw(std::int32_t{});
      else for (std::int32_t v : t.int32_data()) values.push_back(v);
      break;
    default:
      throw core::InputError(fmt::format("{}: constant of ONNX data type {} cannot be read", what, t.data_type()));
  }
  if (std::int64_t(values.size()) != count) {
    throw core::InputError(fmt::format("{}: holds {} values, its dims say {}", what, values.size(), count));
  }
  return values;
}

// Layer names: letters, digits, '.', '_', '-' (they end up in YAML, CSV and HTML).
std::string sanitize(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += keep ? c : '_';
  }
  while (!out.empty() && (out.front() == '.' || out.front() == '_')) out.erase(out.begin());
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string source, std::string name)
      : graph_(model.graph()), source_(std::move(source)) {
    workload_.name = std::move(name);
  }

  Workload run() {
    refuse_unsupported_ops();
    for (const onnx::TensorProto& t : graph_.initializer()) {
      constants_[t.name()] = Constant{t.name(), {t.dims().begin(), t.dims().end()}, &t};
    }
    read_input();
    for (const onnx::NodeProto& node : graph_.node()) {
      for (const std::string& input : node.input()) ++consumers_[input];
    }
    for (const onnx::ValueInfoProto& output : graph_.output()) ++consumers_[output.name()];
    for (int i = 0; i < graph_.node_size(); ++i) {
      node_index_ = i;
      convert(graph_.node(i));
    }
    if (workload_.layers.empty()) throw core::InputError(fmt::format("{}: the graph has no conv, fc, pool or add", source_));
    try {
      analyze(workload_);
    } catch (const core::InputError& error) {
      throw core::InputError(fmt::format("{}: {}", source_, error.what()));
    }
    apply_default_precision(workload_);
    return std::move(workload_);
  }

 private:
  // ------------------------------------------------------------------ errors and lookups

  std::string node_label(const onnx::NodeProto& node) const {
    return node.name().empty() ? fmt::format("#{}", node_index_) : node.name();
  }

  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& why) const {
    throw core::InputError(fmt::format("{}: node '{}' (op {}): {}", source_, node_label(node), node.op_type(), why));
  }

  void refuse_unsupported_ops() const {
    const auto& ops = onnx_supported_ops();
    for (int i = 0; i < graph_.node_size(); ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      const bool standard_domain = node.domain().empty() || node.domain() == "ai.onnx";
      if (!standard_domain || std::find(ops.begin(), ops.end(), node.op_type()) == ops.end()) {
        std::string list;
        for (const std::string& op : ops) list += (list.empty() ? "" : ", ") + op;
        const std::string op = standard_domain ? node.op_type() : node.domain() + "." + node.op_type();
        throw core::InputError(fmt::format("{}: node '{}' (op {}) is not supported (nce imports {})", source_,
                                           node.name().empty() ? fmt::format("#{}", i) : node.name(), op, list));
      }
    }
  }

  void read_input() {
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const onnx::ValueInfoProto& input : graph_.input()) {
      if (!constants_.contains(input.name())) inputs.push_back(&input);
    }
    if (inputs.size() != 1) {
      throw core::InputError(fmt::format("{}: the graph has {} inputs besides its weights; nce imports networks with one image input",
                                         source_, inputs.size()));
    }
    const onnx::ValueInfoProto& input = *inputs.front();
    const auto& shape = input.type().tensor_type().shape();
    if (!input.type().has_tensor_type() || shape.dim_size() != 4) {
      throw core::InputError(fmt::format("{}: input '{}' must be a 4-D tensor [batch, channels, height, width]", source_,
                                         input.name()));
    }
    int dims[3] = {0, 0, 0};
    for (int i = 1; i < 4; ++i) {
      const auto& dim = shape.dim(i);
      if (!dim.has_dim_value() || dim.dim_value() <= 0 || dim.dim_value() > (1 << 20)) {
        throw core::InputError(fmt::format("{}: input '{}': dimension {} ({}) must be a fixed positive size", source_,
                                           input.name(), i, dim.has_dim_param() ? dim.dim_param() : "unknown"));
      }
      dims[i - 1] = static_cast<int>(dim.dim_value());
    }
    workload_.input = {dims[0], dims[1], dims[2]};
    activations_[input.name()] = Activation{};
  }

  const Constant* constant(const std::string& name) const {
    auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }

  const Constant& require_constant(const onnx::NodeProto& node, int index, const char* what) const {
    if (node.input_size() <= index || node.input(index).empty()) fail(node, fmt::format("{} is missing", what));
    const Constant* c = constant(node.input(index));
    if (c == nullptr) fail(node, fmt::format("{} '{}' is not a constant (an initializer or a Constant node)", what, node.input(index)));
    return *c;
  }

  const Activation& activation(const onnx::NodeProto& node, int index) const {
    if (node.input_size() <= index || node.input(index).empty()) fail(node, fmt::format("input {} is missing", index));
    auto it = activations_.find(node.input(index));
    if (it == activations_.end()) {
      if (constants_.contains(node.input(index))) {
        fail(node, fmt::format("input '{}' is a constant; nce expects an activation there", node.input(index)));
      }
      fail(node, fmt::format("input '{}' is produced by no earlier node", node.input(index)));
    }
    return it->second;
  }

  // An activation that is still a feature map (not flattened).
  const Activation& feature_map(const onnx::NodeProto& node, int index) const {
    const Activation& a = activation(node, index);
    if (a.flattened) {
      fail(node, "its input comes from a Flatten/Reshape; nce imports flattening only right before a Gemm/MatMul");
    }
    return a;
  }

  TensorShape shape_of(const Activation& a) const {
    if (a.layer.empty()) return workload_.input;
    return infos_.at(layer_index_.at(a.layer)).out;
  }

  Layer& layer_of(const Activation& a) { return workload_.layers.at(layer_index_.at(a.layer)); }

  void set_output(const onnx::NodeProto& node, Activation a) {
    if (node.output_size() < 1 || node.output(0).empty()) fail(node, "has no output");
    activations_[node.output(0)] = std::move(a);
  }

  // Outputs beyond the first (BatchNormalization's running statistics, Dropout's mask) must be unused.
  void require_single_output(const onnx::NodeProto& node) const {
    for (int i = 1; i < node.output_size(); ++i) {
      if (!node.output(i).empty() && consumers_.contains(node.output(i))) {
        fail(node, fmt::format("output '{}' is used; nce imports inference graphs only", node.output(i)));
      }
    }
  }

  int consumer_count(const std::string& name) const {
    auto it = consumers_.find(name);
    return it == consumers_.end() ? 0 : it->second;
  }

  // ------------------------------------------------------------------ attributes

  const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name) const {
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }

  std::int64_t int_attribute(const onnx::NodeProto& node, const char* name, std::int64_t fallback) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (a == nullptr) return fallback;
    if (a->type() != onnx::AttributeProto_AttributeType_INT) fail(node, fmt::format("attribute '{}' must be an integer", name));
    return a->i();
  }

  std::vector<std::int64_t> ints_attribute(const onnx::NodeProto& node, const char* name) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (a == nullptr) return {};
    if (a->type() != onnx::AttributeProto_AttributeType_INTS) fail(node, fmt::format("attribute '{}' must be a list of integers", name));
    return {a->ints().begin(), a->ints().end()};
  }

  std::string string_attribute(const onnx::NodeProto& node, const char* name) const {
    const onnx::AttributeProto* a = attribute(node, name);
    if (a == nullptr) return {};
    if (a->type() != onnx::AttributeProto_AttributeType_STRING) fail(node, fmt::format("attribute '{}' must be a string", name));
    return a->s();
  }

  int narrow(const onnx::NodeProto& node, std::int64_t value, const char* what) const {
    if (value < 0 || value > (1 << 24)) fail(node, fmt::format("{} {} is out of range", what, value));
    return static_cast<int>(value);
  }

  // The 2-D sliding-window attributes of Conv, MaxPool and AveragePool as one stride and one
  // symmetric padding (what a Layer holds).
  struct Window {
    int kernel_h = 1, kernel_w = 1, stride = 1, padding = 0;
  };
  Window window(const onnx::NodeProto& node, int kernel_h, int kernel_w, const TensorShape& in) const {
    Window w{kernel_h, kernel_w, 1, 0};
    const std::vector<std::int64_t> kernel = ints_attribute(node, "kernel_shape");
    if (!kernel.empty()) {
      if (kernel.size() != 2) fail(node, fmt::format("kernel_shape has {} dimensions; nce imports 2-D windows", kernel.size()));
      if (kernel_h > 0 && (kernel[0] != kernel_h || kernel[1] != kernel_w)) {
        fail(node, fmt::format("kernel_shape {}x{} differs from the weight's {}x{}", kernel[0], kernel[1], kernel_h, kernel_w));
      }
      w.kernel_h = narrow(node, kernel[0], "kernel height");
      w.kernel_w = narrow(node, kernel[1], "kernel width");
    } else if (kernel_h <= 0) {
      fail(node, "kernel_shape is missing");
    }
    const std::vector<std::int64_t> strides = ints_attribute(node, "strides");
    if (!strides.empty()) {
      if (strides.size() != 2 || strides[0] != strides[1]) {
        fail(node, fmt::format("strides [{}]: nce layers have one stride for both axes", fmt::join(strides, ", ")));
      }
      w.stride = narrow(node, strides[0], "stride");
    }
    for (std::int64_t d : ints_attribute(node, "dilations")) {
      if (d != 1) fail(node, fmt::format("dilations [{}]: nce imports undilated windows only", fmt::join(ints_attribute(node, "dilations"), ", ")));
    }
    const std::string auto_pad = string_attribute(node, "auto_pad");
    const std::vector<std::int64_t> pads = ints_attribute(node, "pads");
    if (auto_pad.empty() || auto_pad == "NOTSET") {
      if (!pads.empty()) {
        if (pads.size() != 4 || std::adjacent_find(pads.begin(), pads.end(), std::not_equal_to<>()) != pads.end()) {
          fail(node, fmt::format("pads [{}]: nce layers pad all four sides equally", fmt::join(pads, ", ")));
        }
        w.padding = narrow(node, pads[0], "padding");
      }
    } else if (auto_pad == "VALID") {
      w.padding = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      // Output = ceil(in / stride); the padding that gives it must be equal on both sides and axes.
      auto total = [&](int size, int k) {
        const int out = (size + w.stride - 1) / w.stride;
        return std::max(0, (out - 1) * w.stride + k - size);
      };
      const int th = total(in.height, w.kernel_h);
      const int tw = total(in.width, w.kernel_w);
      if (th != tw || th % 2 != 0) fail(node, fmt::format("auto_pad {} needs asymmetric padding here", auto_pad));
      w.padding = th / 2;
    } else {
      fail(node, fmt::format("auto_pad '{}' is not an ONNX value", auto_pad));
    }
    return w;
  }

  // ------------------------------------------------------------------ naming

  std::string unique(std::string name) {
    if (name.empty()) name = "layer";
    std::string candidate = name;
    for (int n = 2; names_.contains(candidate); ++n) candidate = fmt::format("{}_{}", name, n);
    names_.insert(candidate);
    return candidate;
  }

  // A layer with weights: its PyTorch module path (weight initializer "<module>.weight");
  // otherwise the node's name.
  std::string weight_layer_name(const onnx::NodeProto& node, const Constant& weight) {
    std::string name = weight.name;
    if (name.ends_with(".weight")) name.resize(name.size() - std::strlen(".weight"));
    if (name.empty() || name.find("::") != std::string::npos) return node_layer_name(node);
    return unique(sanitize(name));
  }

  // Exporters name nodes "/module/path/OpType[_n]" (PyTorch); the module path names the layer.
  std::string node_layer_name(const onnx::NodeProto& node) {
    const std::string& full = node.name();
    if (full.starts_with('/')) {
      const std::size_t last = full.rfind('/');
      if (last > 0) {
        std::string path = full.substr(1, last - 1);
        std::replace(path.begin(), path.end(), '/', '.');
        const std::string name = sanitize(path);
        if (!name.empty()) return unique(name);
      }
    }
    if (!full.empty()) {
      const std::string name = sanitize(full);
      if (!name.empty()) return unique(name);
    }
    return unique(fmt::format("{}{}", lower(node.op_type()), node_index_));
  }

  // ------------------------------------------------------------------ layers

  void push(const onnx::NodeProto& node, Layer layer, const std::vector<const Activation*>& inputs) {
    for (const Activation* a : inputs) {
      if (!a->layer.empty()) layer.inputs.push_back(a->layer);
    }
    if (layer.inputs.size() != inputs.size() && !layer.inputs.empty()) {
      fail(node, "reads the network input and a layer; nce adds only layer outputs");
    }
    workload_.layers.push_back(layer);
    try {
      infos_ = analyze(workload_);
    } catch (const core::InputError& error) {
      fail(node, error.what());
    }
    layer_index_[layer.name] = workload_.layers.size() - 1;
    set_output(node, Activation{layer.name, Stage::raw, false});
  }

  void convert(const onnx::NodeProto& node) {
    const std::string& op = node.op_type();
    if (op == "Constant") return constant_node(node);
    if (op == "Identity" || op == "Dropout") return identity(node);
    if (op == "Conv") return conv(node);
    if (op == "Gemm" || op == "MatMul") return fully_connected(node);
    if (op == "BatchNormalization") return batch_norm(node);
    if (op == "Relu" || op == "Clip") return relu(node);
    if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return pool(node);
    if (op == "Add") return add(node);
    if (op == "Flatten" || op == "Reshape") return flatten(node);
    fail(node, "is not supported");  // refuse_unsupported_ops() ran first; kept for completeness
  }

  void constant_node(const onnx::NodeProto& node) {
    if (node.output_size() != 1) fail(node, "must have one output");
    const onnx::AttributeProto* value = attribute(node, "value");
    if (value == nullptr || value->type() != onnx::AttributeProto_AttributeType_TENSOR) {
      // value_float(s) / value_int(s): small constants; keep them as a TensorProto of their own.
      onnx::TensorProto t;
      if (const auto* f = attribute(node, "value_float")) {
        t.set_data_type(onnx::TensorProto_DataType_FLOAT);
        t.add_float_data(f->f());
      } else if (const auto* fs = attribute(node, "value_floats")) {
        t.set_data_type(onnx::TensorProto_DataType_FLOAT);
        t.add_dims(fs->floats_size());
        for (float v : fs->floats()) t.add_float_data(v);
      } else if (const auto* i = attribute(node, "value_int")) {
        t.set_data_type(onnx::TensorProto_DataType_INT64);
        t.add_int64_data(i->i());
      } else if (const auto* is = attribute(node, "value_ints")) {
        t.set_data_type(onnx::TensorProto_DataType_INT64);
        t.add_dims(is->ints_size());
        for (std::int64_t v : is->ints()) t.add_int64_data(v);
      } else {
        fail(node, "holds no tensor, float or integer value");
      }
      owned_.push_back(std::make_unique<onnx::TensorProto>(std::move(t)));
      const onnx::TensorProto& held = *owned_.back();
      constants_[node.output(0)] = Constant{node.output(0), {held.dims().begin(), held.dims().end()}, &held};
      return;
    }
    const onnx::TensorProto& t = value->t();
    constants_[node.output(0)] = Constant{node.output(0), {t.dims().begin(), t.dims().end()}, &t};
  }

  void identity(const onnx::NodeProto& node) {
    require_single_output(node);
    if (node.input_size() < 1) fail(node, "has no input");
    if (const Constant* c = constant(node.input(0))) {
      // PyTorch's exporter shares one initializer among parameters of equal value and hands each
      // parameter its own name through an Identity ("stage1.block1.conv_a.weight" <- the shared
      // "stage3.block0.conv_b.weight"): the Identity's output names the layer. Generated names
      // ("onnx::Conv_123") say nothing, and the source's name is kept.
      Constant copy = *c;
      if (node.output(0).find("::") == std::string::npos) copy.name = node.output(0);
      constants_[node.output(0)] = copy;
      return;
    }
    set_output(node, activation(node, 0));
  }

  void conv(const onnx::NodeProto& node) {
    const Activation x = feature_map(node, 0);
    const Constant& w = require_constant(node, 1, "weight");
    if (w.dims.size() != 4) fail(node, fmt::format("weight '{}' has {} dimensions; nce imports 2-D convolutions", w.name, w.dims.size()));
    const TensorShape in = shape_of(x);
    const int groups = narrow(node, int_attribute(node, "group", 1), "group");
    if (groups < 1 || w.dims[1] * groups != in.channels) {
      fail(node, fmt::format("weight '{}' has {} input channels per group x {} groups, but the input has {} channels",
                             w.name, w.dims[1], groups, in.channels));
    }
    const Window win = window(node, narrow(node, w.dims[2], "kernel height"), narrow(node, w.dims[3], "kernel width"), in);
    Layer layer;
    layer.name = weight_layer_name(node, w);
    layer.type = LayerType::conv;
    layer.out_channels = narrow(node, w.dims[0], "output channels");
    layer.kernel_h = win.kernel_h;
    layer.kernel_w = win.kernel_w;
    layer.stride = win.stride;
    layer.padding = win.padding;
    layer.groups = groups;
    if (node.input_size() > 2 && !node.input(2).empty()) {
      const Constant& b = require_constant(node, 2, "bias");
      if (b.elements() != layer.out_channels) fail(node, fmt::format("bias has {} values for {} output channels", b.elements(), layer.out_channels));
      layer.bias = true;
    }
    push(node, std::move(layer), {&x});
  }

  void fully_connected(const onnx::NodeProto& node) {
    const bool gemm = node.op_type() == "Gemm";
    const Activation x = activation(node, 0);
    const TensorShape in = shape_of(x);
    if (!x.flattened && (in.height != 1 || in.width != 1)) {
      fail(node, fmt::format("its input is a {}x{}x{} feature map; flatten it first (Flatten or Reshape)", in.channels,
                             in.height, in.width));
    }
    const Constant& w = require_constant(node, 1, "weight");
    if (w.dims.size() != 2) fail(node, fmt::format("weight '{}' has {} dimensions; expected 2", w.name, w.dims.size()));
    if (gemm && int_attribute(node, "transA", 0) != 0) fail(node, "transA = 1 is not supported (the input must be [batch, features])");
    const bool transposed = gemm && int_attribute(node, "transB", 0) != 0;
    const std::int64_t k = transposed ? w.dims[1] : w.dims[0];
    const std::int64_t m = transposed ? w.dims[0] : w.dims[1];
    if (k != in.elements()) {
      fail(node, fmt::format("weight '{}' expects {} input features, the input has {}", w.name, k, in.elements()));
    }
    Layer layer;
    layer.name = weight_layer_name(node, w);
    layer.type = LayerType::fc;
    layer.out_channels = narrow(node, m, "output features");
    if (gemm && node.input_size() > 2 && !node.input(2).empty()) {
      const Constant& c = require_constant(node, 2, "bias");
      if (c.elements() != m) fail(node, fmt::format("bias has {} values for {} outputs", c.elements(), m));
      layer.bias = true;
    }
    push(node, std::move(layer), {&x});
  }

  // The layer an activation is the direct output of, if it is a conv/fc that nothing else reads.
  Layer& foldable_producer(const onnx::NodeProto& node, const Activation& x, const char* what) {
    if (x.layer.empty() || x.flattened) fail(node, fmt::format("{} must follow a Conv, Gemm or MatMul", what));
    Layer& producer = layer_of(x);
    if (!producer.has_weights()) {
      fail(node, fmt::format("{} follows a {} layer ('{}'); nce folds it only into a conv or fc", what, to_string(producer.type), producer.name));
    }
    if (consumer_count(node.input(0)) != 1) {
      fail(node, fmt::format("the output of '{}' is also used before the {}; nce cannot fold it", producer.name, what));
    }
    return producer;
  }

  void batch_norm(const onnx::NodeProto& node) {
    require_single_output(node);
    const Activation x = activation(node, 0);
    if (x.stage != Stage::raw) fail(node, "BatchNormalization after a ReLU or another BatchNormalization cannot be folded");
    Layer& producer = foldable_producer(node, x, "BatchNormalization");
    const TensorShape in = shape_of(x);
    for (int i = 1; i < 5; ++i) {
      const Constant& c = require_constant(node, i, "BN parameter");
      if (c.elements() != in.channels) fail(node, fmt::format("BN parameter '{}' has {} values for {} channels", c.name, c.elements(), in.channels));
    }
    producer.batch_norm = true;
    set_output(node, Activation{x.layer, Stage::batch_norm, false});
  }

  void relu(const onnx::NodeProto& node) {
    const Activation x = activation(node, 0);
    if (node.op_type() == "Clip") {
      // Clip(x, 0, max) is a ReLU with an upper clamp (ReLU6); PACT clamps activations anyway.
      std::optional<double> low;
      if (node.input_size() > 1 && !node.input(1).empty()) {
        const std::vector<double> v = decode(*require_constant(node, 1, "min").tensor, source_ + ": Clip min");
        if (v.size() == 1) low = v.front();
      } else if (const onnx::AttributeProto* a = attribute(node, "min")) {
        low = a->f();
      }
      if (!low || *low != 0.0) fail(node, "a Clip imports as a ReLU only with min = 0");
    }
    if (x.layer.empty() || x.flattened) fail(node, "a ReLU must follow a layer (conv, fc, pool or add)");
    if (x.stage == Stage::relu) {  // relu(relu(x)) or Clip after Relu: nothing new
      set_output(node, x);
      return;
    }
    Layer& producer = layer_of(x);
    if (consumer_count(node.input(0)) != 1) {
      fail(node, fmt::format("the output of '{}' is also used before the ReLU; nce applies a layer's ReLU to all its uses",
                             producer.name));
    }
    producer.relu = true;
    set_output(node, Activation{x.layer, Stage::relu, false});
  }

  void pool(const onnx::NodeProto& node) {
    const Activation x = feature_map(node, 0);
    Layer layer;
    layer.name = node_layer_name(node);
    layer.type = LayerType::pool;
    if (node.op_type() == "GlobalAveragePool") {
      layer.pool = PoolType::global_avg;
    } else {
      layer.pool = node.op_type() == "MaxPool" ? PoolType::max : PoolType::avg;
      if (int_attribute(node, "ceil_mode", 0) != 0) fail(node, "ceil_mode = 1 is not supported (nce rounds window counts down)");
      const Window win = window(node, 0, 0, shape_of(x));
      layer.kernel_h = win.kernel_h;
      layer.kernel_w = win.kernel_w;
      layer.stride = win.stride;
      layer.padding = win.padding;
    }
    require_single_output(node);
    push(node, std::move(layer), {&x});
  }

  void add(const onnx::NodeProto& node) {
    if (node.input_size() != 2) fail(node, fmt::format("has {} inputs; expected 2", node.input_size()));
    const Constant* c0 = constant(node.input(0));
    const Constant* c1 = constant(node.input(1));
    if (c0 != nullptr && c1 != nullptr) fail(node, "adds two constants");
    if (c0 != nullptr || c1 != nullptr) {
      // A constant added to a conv/fc output: its bias (MatMul + Add is how some exporters write an FC).
      const int index = c0 != nullptr ? 1 : 0;
      const Activation x = activation(node, index);
      if (x.stage != Stage::raw) fail(node, "adds a constant after a BatchNormalization or ReLU; nce folds constants only as a bias");
      if (x.layer.empty() || x.flattened) fail(node, "adds a constant to the network input or a flattened tensor");
      Layer& producer = layer_of(x);
      if (!producer.has_weights() || producer.bias) fail(node, fmt::format("adds a constant to '{}', which cannot take a bias", producer.name));
      if (consumer_count(node.input(index)) != 1) fail(node, fmt::format("the output of '{}' is also used without the bias", producer.name));
      const Constant& bias = c0 != nullptr ? *c0 : *c1;
      if (bias.elements() != producer.out_channels) {
        fail(node, fmt::format("adds {} constants to '{}', which has {} output channels", bias.elements(), producer.name,
                               producer.out_channels));
      }
      producer.bias = true;
      set_output(node, x);
      return;
    }
    const Activation a = feature_map(node, 0);
    const Activation b = feature_map(node, 1);
    if (a.layer.empty() || b.layer.empty()) fail(node, "adds the network input; nce adds only layer outputs");
    Layer layer;
    layer.name = node_layer_name(node);
    layer.type = LayerType::add;
    push(node, std::move(layer), {&a, &b});
  }

  void flatten(const onnx::NodeProto& node) {
    const Activation x = feature_map(node, 0);
    const TensorShape in = shape_of(x);
    if (node.op_type() == "Flatten") {
      const std::int64_t axis = int_attribute(node, "axis", 1);
      if (axis != 1) fail(node, fmt::format("axis = {}; nce imports a flatten to [batch, features] (axis 1) only", axis));
    } else {
      const Constant& target = require_constant(node, 1, "shape");
      const std::vector<double> dims = decode(*target.tensor, source_ + ": Reshape shape");
      const auto features = double(in.elements());
      const bool flat = dims.size() == 2 && (dims[0] == 1 || dims[0] == 0 || dims[0] == -1) &&
                        (dims[1] == -1 || dims[1] == features) && !(dims[0] == -1 && dims[1] == -1);
      if (!flat) {
        fail(node, fmt::format("reshapes to [{}]; nce imports a Reshape only as a flatten to [batch, {}] before a Gemm/MatMul",
                               fmt::join(dims, ", "), in.elements()));
      }
    }
    Activation out = x;
    out.flattened = true;
    set_output(node, out);
  }

  const onnx::GraphProto& graph_;
  std::string source_;
  Workload workload_;
  std::vector<LayerInfo> infos_;
  std::map<std::string, std::size_t> layer_index_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, Activation> activations_;
  std::map<std::string, int> consumers_;
  std::set<std::string> names_;
  std::vector<std::unique_ptr<onnx::TensorProto>> owned_;
  int node_index_ = 0;
};

}  // namespace

const std::vector<std::string>& onnx_supported_ops() {
  static const std::vector<std::string> ops = {"Conv",        "Gemm",    "MatMul",      "BatchNormalization",
                                               "Relu",        "Clip",    "MaxPool",     "AveragePool",
                                               "GlobalAveragePool", "Add", "Flatten",   "Reshape",
                                               "Identity",    "Dropout", "Constant"};
  return ops;
}

Workload onnx_to_workload(const std::string& bytes, const std::string& source_name, const std::string& workload_name) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    throw core::InputError(fmt::format("{}: not an ONNX model (the protobuf does not parse)", source_name));
  }
  if (!model.has_graph()) throw core::InputError(fmt::format("{}: the ONNX model has no graph", source_name));
  return Importer(model, source_name, workload_name).run();
}

Workload import_onnx(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError(fmt::format("{}: cannot open ONNX file", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return onnx_to_workload(buffer.str(), path.string(), sanitize(path.stem().string()));
}

}  // namespace nce::workloads
