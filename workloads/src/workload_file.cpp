#include "nce/workloads/workload_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "nce/core/input_error.hpp"
#include "nce/workloads/onnx_import.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::workloads {
namespace {

constexpr std::string_view kFormatTag = "nce-workload/1";

// ---------------------------------------------------------------- YAML writer

void emit_shape(YAML::Emitter& out, const TensorShape& shape) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "channels" << YAML::Value << shape.channels << YAML::Key
      << "height" << YAML::Value << shape.height << YAML::Key << "width" << YAML::Value << shape.width
      << YAML::EndMap;
}

void emit_kernel(YAML::Emitter& out, const Layer& layer) {
  out << YAML::Key << "kernel";
  if (layer.kernel_h == layer.kernel_w) {
    out << YAML::Value << layer.kernel_h;
  } else {
    out << YAML::Value << YAML::Flow << YAML::BeginSeq << layer.kernel_h << layer.kernel_w << YAML::EndSeq;
  }
  out << YAML::Key << "stride" << YAML::Value << layer.stride << YAML::Key << "padding" << YAML::Value
      << layer.padding;
}

void emit_layer(YAML::Emitter& out, const Layer& layer, const Layer* previous) {
  out << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << layer.name;
  out << YAML::Key << "type" << YAML::Value << std::string(to_string(layer.type));
  // `inputs` defaults to the previous layer, so only other wiring is written.
  const bool default_inputs =
      previous != nullptr ? layer.inputs == std::vector<std::string>{previous->name} : layer.inputs.empty();
  if (!default_inputs) {
    out << YAML::Key << "inputs" << YAML::Value << YAML::Flow << layer.inputs;
  }
  if (layer.input_shape) {
    out << YAML::Key << "input_shape" << YAML::Value;
    emit_shape(out, *layer.input_shape);
  }
  switch (layer.type) {
    case LayerType::conv:
      out << YAML::Key << "out_channels" << YAML::Value << layer.out_channels;
      emit_kernel(out, layer);
      if (layer.groups != 1) out << YAML::Key << "groups" << YAML::Value << layer.groups;
      break;
    case LayerType::fc:
      out << YAML::Key << "out_channels" << YAML::Value << layer.out_channels;
      break;
    case LayerType::pool:
      out << YAML::Key << "pool" << YAML::Value << std::string(to_string(layer.pool));
      if (layer.pool != PoolType::global_avg) emit_kernel(out, layer);
      break;
    case LayerType::add:
      if (layer.join != Join::equal) out << YAML::Key << "join" << YAML::Value << std::string(to_string(layer.join));
      break;
  }
  if (layer.has_weights()) {
    out << YAML::Key << "weight_bits" << YAML::Value << layer.precision.weight_bits;
  }
  out << YAML::Key << "act_bits" << YAML::Value << layer.precision.act_bits;
  if (layer.has_weights() && layer.bias) out << YAML::Key << "bias" << YAML::Value << true;
  if (layer.batch_norm) out << YAML::Key << "batch_norm" << YAML::Value << true;
  if (layer.relu) out << YAML::Key << "relu" << YAML::Value << true;
  if (layer.searchable) out << YAML::Key << "searchable" << YAML::Value << true;
  out << YAML::EndMap;
}

// ---------------------------------------------------------------- YAML reader

class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, std::string_view field, const std::string& why) const {
    const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
    throw core::InputError(fmt::format("{}:{}: field '{}': {}", source_, line, field, why));
  }

  const YAML::Node require(const YAML::Node& map, const char* key) const {
    const YAML::Node value = map[key];
    if (!value) fail(map, key, "missing");
    return value;
  }

  int integer(const YAML::Node& node, std::string_view field, int minimum) const {
    if (!node.IsScalar()) fail(node, field, "expected an integer");
    int value = 0;
    const std::string& text = node.Scalar();
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
      fail(node, field, fmt::format("expected an integer, got '{}'", text));
    }
    if (value < minimum) fail(node, field, fmt::format("must be at least {}, got {}", minimum, value));
    return value;
  }

  bool boolean(const YAML::Node& node, std::string_view field) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) fail(node, field, "expected true or false");
    return value;
  }

  std::string text(const YAML::Node& node, std::string_view field) const {
    if (!node.IsScalar() || node.Scalar().empty()) fail(node, field, "expected a non-empty string");
    return node.Scalar();
  }

  TensorShape shape(const YAML::Node& node, std::string_view field) const {
    if (!node.IsMap()) fail(node, field, "expected {channels, height, width}");
    check_keys(node, field, {"channels", "height", "width"});
    return {integer(require(node, "channels"), "channels", 1), integer(require(node, "height"), "height", 1),
            integer(require(node, "width"), "width", 1)};
  }

  void check_keys(const YAML::Node& map, std::string_view where, const std::set<std::string>& allowed) const {
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) fail(entry.first, where, "a field name must be a plain word");
      const std::string key = entry.first.Scalar();
      if (!allowed.contains(key)) fail(entry.first, key, fmt::format("not a field of {}", where));
    }
  }

  Layer layer(const YAML::Node& node, const Layer* previous) const {
    if (!node.IsMap()) fail(node, "layers", "each layer must be a map");
    Layer layer;
    layer.name = text(require(node, "name"), "name");
    const YAML::Node type_node = require(node, "type");
    try {
      layer.type = layer_type_from_string(text(type_node, "type"));
    } catch (const core::InputError& error) {
      fail(type_node, "type", error.what());
    }
    std::set<std::string> allowed = {"name", "type", "inputs", "input_shape", "act_bits", "batch_norm", "relu"};
    const std::set<std::string> weighted = {"out_channels", "weight_bits", "bias", "searchable"};
    const std::set<std::string> windowed = {"kernel", "stride", "padding"};
    switch (layer.type) {
      case LayerType::conv:
        allowed.insert(weighted.begin(), weighted.end());
        allowed.insert(windowed.begin(), windowed.end());
        allowed.insert("groups");
        break;
      case LayerType::fc: allowed.insert(weighted.begin(), weighted.end()); break;
      case LayerType::pool:
        allowed.insert(windowed.begin(), windowed.end());
        allowed.insert("pool");
        break;
      case LayerType::add: allowed.insert("join"); break;
    }
    check_keys(node, fmt::format("a {} layer", to_string(layer.type)), allowed);

    if (const YAML::Node inputs = node["inputs"]) {
      if (!inputs.IsSequence()) fail(inputs, "inputs", "expected a list of layer names");
      for (const auto& input : inputs) layer.inputs.push_back(text(input, "inputs"));
    } else if (previous != nullptr) {
      layer.inputs = {previous->name};
    }
    if (const YAML::Node input_shape = node["input_shape"]) layer.input_shape = shape(input_shape, "input_shape");
    if (layer.has_weights()) layer.out_channels = integer(require(node, "out_channels"), "out_channels", 1);
    if (const YAML::Node kernel = node["kernel"]) {
      if (kernel.IsSequence() && kernel.size() == 2) {
        layer.kernel_h = integer(kernel[0], "kernel", 1);
        layer.kernel_w = integer(kernel[1], "kernel", 1);
      } else {
        layer.kernel_h = layer.kernel_w = integer(kernel, "kernel", 1);
      }
    } else if (layer.type == LayerType::conv) {
      fail(node, "kernel", "missing");
    }
    if (const YAML::Node v = node["stride"]) layer.stride = integer(v, "stride", 1);
    if (const YAML::Node v = node["padding"]) layer.padding = integer(v, "padding", 0);
    if (const YAML::Node v = node["groups"]) layer.groups = integer(v, "groups", 1);
    if (const YAML::Node v = node["pool"]) {
      try {
        layer.pool = pool_type_from_string(text(v, "pool"));
      } catch (const core::InputError& error) {
        fail(v, "pool", error.what());
      }
    } else if (layer.type == LayerType::pool) {
      fail(node, "pool", "missing");
    }
    if (layer.type == LayerType::pool && layer.pool != PoolType::global_avg && !node["kernel"]) {
      fail(node, "kernel", "missing");
    }
    if (const YAML::Node v = node["weight_bits"]) layer.precision.weight_bits = integer(v, "weight_bits", 1);
    if (const YAML::Node v = node["act_bits"]) layer.precision.act_bits = integer(v, "act_bits", 1);
    if (const YAML::Node v = node["bias"]) layer.bias = boolean(v, "bias");
    if (const YAML::Node v = node["batch_norm"]) layer.batch_norm = boolean(v, "batch_norm");
    if (const YAML::Node v = node["relu"]) layer.relu = boolean(v, "relu");
    if (const YAML::Node v = node["searchable"]) layer.searchable = boolean(v, "searchable");
    if (const YAML::Node v = node["join"]) {
      try {
        layer.join = join_from_string(text(v, "join"));
      } catch (const core::InputError& error) {
        fail(v, "join", error.what());
      }
    }
    return layer;
  }

  Workload workload(const YAML::Node& root) const {
    if (!root || root.IsNull()) throw core::InputError(fmt::format("{}: empty workload file", source_));
    if (!root.IsMap()) fail(root, "(top level)", "expected a map with format, name, input and layers");
    check_keys(root, "a workload", {"format", "name", "input", "layers"});
    const YAML::Node format = require(root, "format");
    if (text(format, "format") != kFormatTag) {
      fail(format, "format", fmt::format("expected '{}', got '{}'", kFormatTag, format.Scalar()));
    }
    Workload workload;
    workload.name = text(require(root, "name"), "name");
    workload.input = shape(require(root, "input"), "input");
    const YAML::Node layers = require(root, "layers");
    if (!layers.IsSequence() || layers.size() == 0) fail(layers, "layers", "expected a non-empty list");
    for (const auto& node : layers) {
      workload.layers.push_back(layer(node, workload.layers.empty() ? nullptr : &workload.layers.back()));
    }
    return workload;
  }

 private:
  std::string source_;
};

// ---------------------------------------------------------------- SCALE-Sim CSV

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

std::vector<std::string> split_csv_row(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line);
  std::string cell;
  while (std::getline(stream, cell, ',')) cells.push_back(trim(cell));
  while (!cells.empty() && cells.back().empty()) cells.pop_back();  // SCALE-Sim rows end in ','
  return cells;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

}  // namespace

std::string workload_to_yaml(const Workload& workload) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << std::string(kFormatTag);
  out << YAML::Key << "name" << YAML::Value << workload.name;
  out << YAML::Key << "input" << YAML::Value;
  emit_shape(out, workload.input);
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  const Layer* previous = nullptr;
  for (const Layer& layer : workload.layers) {
    emit_layer(out, layer, previous);
    previous = &layer;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Workload workload_from_yaml(const std::string& text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("{}:{}: not valid YAML: {}", source_name, error.mark.line + 1, error.msg));
  }
  Workload workload;
  try {
    workload = YamlReader(source_name).workload(root);
  } catch (const YAML::Exception& error) {  // a node yaml-cpp cannot convert, found while walking
    throw core::InputError(fmt::format("{}:{}: {}", source_name, error.mark.line + 1, error.msg));
  }
  try {
    analyze(workload);
  } catch (const core::InputError& error) {
    throw core::InputError(fmt::format("{}: {}", source_name, error.what()));
  }
  return workload;
}

Workload scalesim_from_csv(const std::string& text, const std::string& source_name) {
  std::istringstream stream(text);
  std::string line;
  int line_number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(stream, line)) {
    ++line_number;
    header = split_csv_row(line);
  }
  if (header.empty()) throw core::InputError(fmt::format("{}: empty topology file", source_name));

  const bool gemm = header.size() == 4 && lower(header[1]) == "m" && lower(header[2]) == "n" && lower(header[3]) == "k";
  const bool conv = header.size() == 8 && lower(header[1]).find("ifmap") != std::string::npos;
  if (!gemm && !conv) {
    throw core::InputError(fmt::format(
        "{}:{}: header: expected SCALE-Sim's 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
        "Channels, Num Filter, Strides' or 'Layer, M, N, K'",
        source_name, line_number));
  }
  const std::vector<std::string> fields =
      gemm ? std::vector<std::string>{"Layer", "M", "N", "K"}
           : std::vector<std::string>{"Layer name", "IFMAP Height", "IFMAP Width", "Filter Height",
                                      "Filter Width", "Channels",  "Num Filter",  "Strides"};

  Workload workload;
  workload.name = std::filesystem::path(source_name).stem().string();
  while (std::getline(stream, line)) {
    ++line_number;
    const std::vector<std::string> cells = split_csv_row(line);
    if (cells.empty()) continue;
    if (cells.size() < fields.size()) {
      throw core::InputError(fmt::format("{}:{}: field '{}': missing (row has {} of {} columns)", source_name, line_number,
                                   fields[cells.size()], cells.size(), fields.size()));
    }
    if (cells.size() > fields.size()) {
      throw core::InputError(fmt::format("{}:{}: {} columns, expected {}", source_name, line_number, cells.size(),
                                   fields.size()));
    }
    if (cells[0].empty()) throw core::InputError(fmt::format("{}:{}: field '{}': empty", source_name, line_number, fields[0]));
    std::vector<int> values;
    for (std::size_t i = 1; i < cells.size(); ++i) {
      int value = 0;
      auto [end, error] = std::from_chars(cells[i].data(), cells[i].data() + cells[i].size(), value);
      if (error != std::errc{} || end != cells[i].data() + cells[i].size()) {
        throw core::InputError(fmt::format("{}:{}: field '{}': expected an integer, got '{}'", source_name, line_number,
                                     fields[i], cells[i]));
      }
      if (value <= 0) {
        throw core::InputError(fmt::format("{}:{}: field '{}': must be positive, got {}", source_name, line_number,
                                     fields[i], value));
      }
      values.push_back(value);
    }
    Layer layer;
    layer.name = cells[0];
    layer.type = LayerType::conv;
    layer.precision = {2, 2};
    if (gemm) {
      // SCALE-Sim's GEMM (M x K input, K x N filters) is a 1x1 conv over an M x 1 map of K channels.
      const int m = values[0], n = values[1], k = values[2];
      layer.input_shape = TensorShape{k, m, 1};
      layer.out_channels = n;
    } else {
      int ifmap_h = values[0], ifmap_w = values[1];
      const int filter_h = values[2], filter_w = values[3], channels = values[4], filters = values[5],
                stride = values[6];
      if (filter_h > ifmap_h || filter_w > ifmap_w) {
        throw core::InputError(fmt::format("{}:{}: field '{}': filter {}x{} is larger than the IFMAP {}x{}", source_name,
                                     line_number, filter_h > ifmap_h ? fields[3] : fields[4], filter_h, filter_w,
                                     ifmap_h, ifmap_w));
      }
      // SCALE-Sim computes ofmap = ceil((ifmap - filter + stride) / stride), counting a last
      // partial window; widen the input by the missing zero columns so floor-based shapes agree.
      auto widen = [&](int ifmap, int filter) {
        const int rest = (ifmap - filter) % stride;
        return rest == 0 ? ifmap : ifmap + stride - rest;
      };
      ifmap_h = widen(ifmap_h, filter_h);
      ifmap_w = widen(ifmap_w, filter_w);
      layer.input_shape = TensorShape{channels, ifmap_h, ifmap_w};
      layer.out_channels = filters;
      layer.kernel_h = filter_h;
      layer.kernel_w = filter_w;
      layer.stride = stride;
    }
    layer.searchable = true;
    workload.layers.push_back(std::move(layer));
  }
  if (workload.layers.empty()) throw core::InputError(fmt::format("{}: topology has a header but no layers", source_name));
  workload.input = *workload.layers.front().input_shape;
  try {
    analyze(workload);
  } catch (const core::InputError& error) {
    throw core::InputError(fmt::format("{}: {}", source_name, error.what()));
  }
  return workload;
}

std::string scalesim_to_csv(const Workload& workload) {
  const std::vector<LayerInfo> infos = analyze(workload);
  std::string csv = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& layer = workload.layers[i];
    const LayerInfo& info = infos[i];
    if (layer.type == LayerType::conv) {
      if (layer.groups != 1) {
        throw core::InputError(fmt::format("layer '{}': grouped convolutions have no SCALE-Sim topology form", layer.name));
      }
      // The span the windows actually read, so that SCALE-Sim's ceil formula gives our output size.
      const int ifmap_h = (info.out.height - 1) * layer.stride + layer.kernel_h;
      const int ifmap_w = (info.out.width - 1) * layer.stride + layer.kernel_w;
      csv += fmt::format("{}, {}, {}, {}, {}, {}, {}, {},\n", layer.name, ifmap_h, ifmap_w, layer.kernel_h,
                         layer.kernel_w, info.in.channels, layer.out_channels, layer.stride);
    } else if (layer.type == LayerType::fc) {
      csv += fmt::format("{}, 1, 1, 1, 1, {}, {}, 1,\n", layer.name, info.in.elements(), layer.out_channels);
    }
  }
  return csv;
}

void write_workload_file(const Workload& workload, const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  const std::string text = (ext == ".csv") ? scalesim_to_csv(workload) : workload_to_yaml(workload);
  const std::filesystem::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    if (!out) throw core::InputError(fmt::format("{}: cannot open for writing", path.string()));
    out << text;
    if (!out.flush()) throw core::InputError(fmt::format("{}: write failed", path.string()));
  }
  std::filesystem::rename(partial, path);  // atomic: readers never see half a file
}

Workload read_workload_file(const std::filesystem::path& path) {
  if (lower(path.extension().string()) == ".onnx") return import_onnx(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError(fmt::format("{}: cannot open workload file", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string ext = lower(path.extension().string());
  if (ext == ".csv") return scalesim_from_csv(buffer.str(), path.string());
  if (ext == ".yaml" || ext == ".yml" || ext == ".json") return workload_from_yaml(buffer.str(), path.string());
  throw core::InputError(fmt::format("{}: unknown workload file extension '{}' (expected .yaml, .yml, .json, .csv or .onnx)",
                               path.string(), ext));
}

Workload load_workload(const std::string& name_or_path) {
  if (zoo::contains(name_or_path)) return zoo::make(name_or_path);
  if (std::filesystem::exists(name_or_path)) return read_workload_file(name_or_path);
  std::string known;
  for (const auto& n : zoo::names()) known += (known.empty() ? "" : ", ") + n;
  throw core::InputError(fmt::format("'{}' is neither a model name ({}) nor an existing file", name_or_path, known));
}

}  // namespace nce::workloads
