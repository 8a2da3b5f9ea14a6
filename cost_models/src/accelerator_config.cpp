#include "nce/cost_models/accelerator_config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "nce/core/input_error.hpp"
#include "nce/cost_models/dataflow.hpp"

namespace nce::cost_models {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw core::InputError(fmt::format("cannot read config file '{}'", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Field readers: every error names the field path and the source.
class FieldReader {
 public:
  explicit FieldReader(std::string source) : source_(std::move(source)) {}

  template <typename T>
  T get(const YAML::Node& node, const std::string& path, T fallback) const {
    if (!node) return fallback;
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      throw core::InputError(fmt::format("{}: {} must be {}, got '{}'", source_, path, kind<T>(), text(node)));
    }
  }

  void check_keys(const YAML::Node& node, const std::string& path, const std::set<std::string>& allowed) const {
    if (!node) return;
    if (!node.IsMap()) throw core::InputError(fmt::format("{}: {} must be a mapping", source_, path.empty() ? "config" : path));
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        throw core::InputError(fmt::format("{}: {}: a field name must be a plain word, got '{}'", source_,
                                           path.empty() ? "config" : path, text(entry.first)));
      }
      const std::string key = entry.first.Scalar();
      if (!allowed.contains(key)) {
        std::string known;
        for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
        throw core::InputError(fmt::format("{}: unknown field '{}{}' (known: {})", source_, path.empty() ? "" : path + ".",
                                     key, known));
      }
    }
  }

  const std::string& source() const { return source_; }

 private:
  template <typename T>
  static const char* kind() {
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    if constexpr (std::is_floating_point_v<T>) return "a number";
    return "an integer";
  }
  static std::string text(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    YAML::Emitter out;
    out << YAML::Flow << node;
    return out.c_str();
  }
  std::string source_;
};

// Sets `value` at a dotted path, creating maps on the way.
void set_path(YAML::Node root, const std::string& path, const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  if (parts.empty() || path.empty()) throw core::InputError("empty config override key");
  std::vector<YAML::Node> chain{root};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = chain.back()[parts[i]];
    if (next && !next.IsMap()) throw core::InputError(fmt::format("config override '{}': '{}' is not a section", path, parts[i]));
    chain.push_back(next);
  }
  // The value is read as YAML ("32", "ws", "[1, 2]"); text YAML cannot parse is refused like any
  // other bad value (found by fuzz/config_cfg_fuzzer.cpp: a .cfg value with a bad escape sequence).
  try {
    chain.back()[parts.back()] = YAML::Load(value);
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("config override '{}': the value is not valid YAML ({})", path, error.msg));
  }
}

std::filesystem::path preset_file(const std::string& name, const std::filesystem::path& near) {
  // A preset is named by a word, never a path (found by fuzz/config_yaml_fuzzer.cpp: a name
  // longer than the file system allows made exists() throw).
  constexpr std::size_t kMaxName = 64;
  const bool word = !name.empty() && name.size() <= kMaxName && name.front() != '.' &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                    });
  if (!word) {
    throw core::InputError(fmt::format("energy preset name must be a word of at most {} letters, digits, '-', '_' or '.', got '{}'",
                                       kMaxName, name.substr(0, kMaxName)));
  }
  for (const std::filesystem::path& dir : {near / "energy", default_config_dir() / "energy"}) {
    const std::filesystem::path candidate = dir / (name + ".yaml");
    std::error_code error;
    if (std::filesystem::exists(candidate, error)) return candidate;
  }
  throw core::InputError(fmt::format("unknown energy preset '{}' (looked for energy/{}.yaml next to the config and in {})",
                               name, name, (default_config_dir() / "energy").string()));
}

BufferConfig read_buffer(const FieldReader& r, const YAML::Node& node, const std::string& path, BufferConfig b) {
  r.check_keys(node, path, {"capacity_kib", "word_bits", "ports"});
  if (!node) return b;
  if (node["capacity_kib"]) {
    const double kib = r.get<double>(node["capacity_kib"], path + ".capacity_kib", 0);
    const double bytes = kib * 1024.0;
    if (!(kib > 0) || bytes != std::floor(bytes) || bytes > 1e15) {
      throw core::InputError(fmt::format("{}: {}.capacity_kib must be a positive whole number of bytes, got {}", r.source(),
                                   path, node["capacity_kib"].Scalar()));
    }
    b.capacity_bytes = static_cast<std::int64_t>(bytes);
  }
  if (node["word_bits"]) {
    if (node["word_bits"].IsScalar() && node["word_bits"].Scalar() == "auto") {
      b.word_bits = 0;
    } else {
      b.word_bits = r.get<int>(node["word_bits"], path + ".word_bits", 0);
      if (b.word_bits <= 0) {
        throw core::InputError(fmt::format("{}: {}.word_bits must be positive or 'auto', got {}", r.source(), path, b.word_bits));
      }
    }
  }
  b.ports = r.get<int>(node["ports"], path + ".ports", b.ports);
  return b;
}

AreaTable read_area(const FieldReader& r, const YAML::Node& node, AreaTable a) {
  r.check_keys(node, "energy.area",
               {"source", "node_nm", "nand2_um2", "transistors_per_nand2", "flip_flop_um2", "pe_um2", "sram_bit_um2",
                "sram_array_efficiency"});
  if (!node) return a;
  a.source = r.get<std::string>(node["source"], "energy.area.source", a.source);
  a.node_nm = r.get<double>(node["node_nm"], "energy.area.node_nm", a.node_nm);
  a.nand2_um2 = r.get<double>(node["nand2_um2"], "energy.area.nand2_um2", a.nand2_um2);
  a.transistors_per_nand2 =
      r.get<double>(node["transistors_per_nand2"], "energy.area.transistors_per_nand2", a.transistors_per_nand2);
  a.flip_flop_um2 = r.get<double>(node["flip_flop_um2"], "energy.area.flip_flop_um2", a.flip_flop_um2);
  a.pe_um2 = r.get<double>(node["pe_um2"], "energy.area.pe_um2", a.pe_um2);
  a.sram_bit_um2 = r.get<double>(node["sram_bit_um2"], "energy.area.sram_bit_um2", a.sram_bit_um2);
  a.sram_array_efficiency =
      r.get<double>(node["sram_array_efficiency"], "energy.area.sram_array_efficiency", a.sram_array_efficiency);
  return a;
}

EnergyTable read_energy(const FieldReader& r, const YAML::Node& node, EnergyTable e) {
  r.check_keys(node, "energy",
               {"name", "source", "multiplier_8x8_pj", "adder_pj_per_bit", "register_pj_per_bit",
                "sram_reference_pj_per_bit", "sram_reference_kib", "dram_pj_per_byte", "leakage_pj_per_pe_cycle",
                "leakage_pj_per_kib_cycle", "area"});
  e.name = r.get<std::string>(node["name"], "energy.name", e.name);
  e.source = r.get<std::string>(node["source"], "energy.source", e.source);
  e.multiplier_8x8_pj = r.get<double>(node["multiplier_8x8_pj"], "energy.multiplier_8x8_pj", e.multiplier_8x8_pj);
  e.adder_pj_per_bit = r.get<double>(node["adder_pj_per_bit"], "energy.adder_pj_per_bit", e.adder_pj_per_bit);
  e.register_pj_per_bit = r.get<double>(node["register_pj_per_bit"], "energy.register_pj_per_bit", e.register_pj_per_bit);
  e.sram_reference_pj_per_bit =
      r.get<double>(node["sram_reference_pj_per_bit"], "energy.sram_reference_pj_per_bit", e.sram_reference_pj_per_bit);
  e.sram_reference_kib = r.get<double>(node["sram_reference_kib"], "energy.sram_reference_kib", e.sram_reference_kib);
  e.dram_pj_per_byte = r.get<double>(node["dram_pj_per_byte"], "energy.dram_pj_per_byte", e.dram_pj_per_byte);
  e.leakage_pj_per_pe_cycle =
      r.get<double>(node["leakage_pj_per_pe_cycle"], "energy.leakage_pj_per_pe_cycle", e.leakage_pj_per_pe_cycle);
  e.leakage_pj_per_kib_cycle =
      r.get<double>(node["leakage_pj_per_kib_cycle"], "energy.leakage_pj_per_kib_cycle", e.leakage_pj_per_kib_cycle);
  e.area = read_area(r, node["area"], e.area);
  return e;
}

AcceleratorConfig from_node(YAML::Node root, const std::string& source, const ConfigOverrides& overrides,
                            const std::filesystem::path& preset_dir) {
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  // A preset switch first, so field overrides (energy.dram_pj_per_byte=...) apply to the preset.
  for (const auto& [key, value] : overrides)
    if (key == "energy") set_path(root, key, value);
  if (root["energy"] && root["energy"].IsScalar()) {
    const std::filesystem::path file = preset_file(root["energy"].Scalar(), preset_dir);
    YAML::Node preset;
    try {
      preset = YAML::LoadFile(file.string());
    } catch (const YAML::Exception& error) {
      throw core::InputError(fmt::format("{}: {}", file.string(), error.what()));
    }
    root["energy"] = preset;
  }
  for (const auto& [key, value] : overrides)
    if (key != "energy") set_path(root, key, value);

  const FieldReader r(source);
  r.check_keys(root, "", {"name", "array", "clock_mhz", "buffers", "dram", "energy"});
  AcceleratorConfig c;
  c.name = r.get<std::string>(root["name"], "name", c.name);
  const YAML::Node array = root["array"];
  r.check_keys(array, "array", {"rows", "cols", "dataflow", "accumulator_bits", "offload_wide_layers"});
  if (array) {
    c.rows = r.get<int>(array["rows"], "array.rows", c.rows);
    c.cols = r.get<int>(array["cols"], "array.cols", c.cols);
    c.accumulator_bits = r.get<int>(array["accumulator_bits"], "array.accumulator_bits", c.accumulator_bits);
    c.offload_wide_layers =
        r.get<bool>(array["offload_wide_layers"], "array.offload_wide_layers", c.offload_wide_layers);
    if (array["dataflow"]) {
      c.dataflow = r.get<std::string>(array["dataflow"], "array.dataflow", c.dataflow);
    }
  }
  c.clock_mhz = r.get<double>(root["clock_mhz"], "clock_mhz", c.clock_mhz);
  const YAML::Node buffers = root["buffers"];
  r.check_keys(buffers, "buffers", {"ifmap", "weight", "ofmap"});
  if (buffers) {
    c.ifmap = read_buffer(r, buffers["ifmap"], "buffers.ifmap", c.ifmap);
    c.weight = read_buffer(r, buffers["weight"], "buffers.weight", c.weight);
    c.ofmap = read_buffer(r, buffers["ofmap"], "buffers.ofmap", c.ofmap);
  }
  const YAML::Node dram = root["dram"];
  r.check_keys(dram, "dram", {"bytes_per_cycle", "latency_cycles"});
  if (dram) {
    c.dram.bytes_per_cycle = r.get<double>(dram["bytes_per_cycle"], "dram.bytes_per_cycle", c.dram.bytes_per_cycle);
    c.dram.latency_cycles = r.get<int>(dram["latency_cycles"], "dram.latency_cycles", c.dram.latency_cycles);
  }
  if (root["energy"]) c.energy = read_energy(r, root["energy"], c.energy);
  try {
    validate(c);
  } catch (const core::InputError& error) {
    throw core::InputError(fmt::format("{}: {}", source, error.what()));
  }
  return c;
}

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

int effective_word_bits(const AcceleratorConfig& config, const BufferConfig& buffer) {
  if (buffer.word_bits > 0) return buffer.word_bits;
  if (&buffer == &config.ifmap) return 2 * config.rows;
  if (&buffer == &config.weight) return 2 * config.cols;
  return 32 * config.cols;
}

void validate(const AcceleratorConfig& c) {
  auto positive = [](const char* field, double value) {
    if (!(value > 0)) throw core::InputError(fmt::format("{} must be positive, got {}", field, value));
  };
  positive("array.rows", c.rows);
  positive("array.cols", c.cols);
  if (c.rows > 4096 || c.cols > 4096) {
    throw core::InputError(fmt::format("array.rows/cols must be at most 4096, got {}x{}", c.rows, c.cols));
  }
  if (c.accumulator_bits < 4 || c.accumulator_bits > 32) {
    throw core::InputError(fmt::format("array.accumulator_bits must be in [4, 32], got {}", c.accumulator_bits));
  }
  const Dataflow* dataflow = nullptr;
  try {
    dataflow = &dataflow_named(c.dataflow);
  } catch (const core::InputError& error) {
    throw core::InputError(fmt::format("array.dataflow: {}", error.what()));
  }
  dataflow->validate(c);
  positive("clock_mhz", c.clock_mhz);
  for (const auto& [name, b] : {std::pair{"ifmap", &c.ifmap}, {"weight", &c.weight}, {"ofmap", &c.ofmap}}) {
    if (b->capacity_bytes <= 0) {
      throw core::InputError(fmt::format("buffers.{}.capacity_kib must be positive, got {}", name, double(b->capacity_bytes) / 1024));
    }
    if (b->word_bits < 0) throw core::InputError(fmt::format("buffers.{}.word_bits must be positive or auto", name));
    if (b->ports <= 0) throw core::InputError(fmt::format("buffers.{}.ports must be positive, got {}", name, b->ports));
  }
  positive("dram.bytes_per_cycle", c.dram.bytes_per_cycle);
  if (c.dram.latency_cycles < 0) {
    throw core::InputError(fmt::format("dram.latency_cycles must be >= 0, got {}", c.dram.latency_cycles));
  }
  const EnergyTable& e = c.energy;
  for (const auto& [field, value] :
       {std::pair{"energy.multiplier_8x8_pj", e.multiplier_8x8_pj}, {"energy.adder_pj_per_bit", e.adder_pj_per_bit},
        {"energy.register_pj_per_bit", e.register_pj_per_bit}, {"energy.sram_reference_pj_per_bit", e.sram_reference_pj_per_bit},
        {"energy.dram_pj_per_byte", e.dram_pj_per_byte}, {"energy.leakage_pj_per_pe_cycle", e.leakage_pj_per_pe_cycle},
        {"energy.leakage_pj_per_kib_cycle", e.leakage_pj_per_kib_cycle}}) {
    if (!(value >= 0)) throw core::InputError(fmt::format("{} must be >= 0, got {}", field, value));
  }
  positive("energy.sram_reference_kib", e.sram_reference_kib);
  const AreaTable& a = e.area;
  for (const auto& [field, value] : {std::pair{"energy.area.node_nm", a.node_nm}, {"energy.area.nand2_um2", a.nand2_um2},
                                     {"energy.area.transistors_per_nand2", a.transistors_per_nand2},
                                     {"energy.area.flip_flop_um2", a.flip_flop_um2},
                                     {"energy.area.sram_bit_um2", a.sram_bit_um2}}) {
    positive(field, value);
  }
  if (!(a.pe_um2 >= 0)) throw core::InputError(fmt::format("energy.area.pe_um2 must be >= 0, got {}", a.pe_um2));
  if (!(a.sram_array_efficiency > 0 && a.sram_array_efficiency <= 1)) {
    throw core::InputError(
        fmt::format("energy.area.sram_array_efficiency must lie in (0, 1], got {}", a.sram_array_efficiency));
  }
}

std::filesystem::path default_config_dir() {
  if (const char* dir = std::getenv("NCE_CONFIG_DIR"); dir && *dir) return dir;
  // Relative to the program: <prefix>/bin/nce finds <prefix>/share/nce/configs; in the build
  // tree the build copies configs/ to <build>/share/nce/configs, which <build>/nce and the test
  // programs below <build> find the same way. Never the source tree.
  std::error_code error;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  std::vector<std::filesystem::path> tried;
  if (!error) {
    std::filesystem::path dir = exe.parent_path();
    for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
      const std::filesystem::path candidate = dir / "share" / "nce" / "configs";
      if (std::filesystem::exists(candidate / "default.yaml")) return candidate;
      tried.push_back(candidate);
      if (dir == dir.root_path()) break;
    }
  }
  const std::filesystem::path installed = NCE_INSTALL_CONFIG_DIR;
  if (std::filesystem::exists(installed / "default.yaml")) return installed;
  tried.push_back(installed);
  std::string places;
  for (const auto& p : tried) places += (places.empty() ? "" : ", ") + p.string();
  throw core::InputError(fmt::format("cannot find nce's configs (default.yaml); set NCE_CONFIG_DIR (looked in {})", places));
}

AcceleratorConfig accelerator_config_from_yaml(const std::string& text, const std::string& source_name,
                                               const ConfigOverrides& overrides, const std::filesystem::path& preset_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("{}: {}", source_name, error.what()));
  }
  // A config file that parses to nothing, or to something other than a mapping of fields, is a
  // mistake (a wrong file, a truncated download), not a request for the defaults.
  if (!root || root.IsNull()) {
    throw core::InputError(fmt::format("{}: empty config (no fields); omit --config to use the defaults", source_name));
  }
  if (!root.IsMap()) {
    throw core::InputError(fmt::format("{}: not an accelerator config: expected a YAML mapping of fields "
                                       "(array:, buffers:, ...), found {}",
                                       source_name, root.IsScalar() ? "a single value" : "a list"));
  }
  try {
    return from_node(root, source_name, overrides, preset_dir);
  } catch (const YAML::Exception& error) {
    throw core::InputError(fmt::format("{}: {}", source_name, error.what()));
  }
}

AcceleratorConfig accelerator_config_from_scalesim(const std::string& text, const std::string& source_name,
                                                   const ConfigOverrides& overrides) {
  // SCALE-Sim's [architecture_presets]: ArrayHeight/Width, Ifmap/Filter/OfmapSramSzkB, Dataflow,
  // Bandwidth (words per cycle; SCALE-Sim's word is one byte). Everything else keeps our defaults.
  YAML::Node root(YAML::NodeType::Map);
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  bool in_presets = false;
  int presets = 0;
  while (std::getline(in, line)) {
    ++line_no;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[') {
      in_presets = line == "[architecture_presets]";
      continue;
    }
    const auto sep = line.find_first_of(":=");
    if (sep == std::string::npos) throw core::InputError(fmt::format("{}:{}: expected 'Key : value'", source_name, line_no));
    const std::string key = trim(line.substr(0, sep));
    const std::string value = trim(line.substr(sep + 1));
    static const std::map<std::string, std::string> kKeys = {
        {"ArrayHeight", "array.rows"},           {"ArrayWidth", "array.cols"},
        {"IfmapSramSzkB", "buffers.ifmap.capacity_kib"}, {"FilterSramSzkB", "buffers.weight.capacity_kib"},
        {"OfmapSramSzkB", "buffers.ofmap.capacity_kib"}, {"Dataflow", "array.dataflow"},
        {"Bandwidth", "dram.bytes_per_cycle"},   {"run_name", "name"}};
    const auto it = kKeys.find(key);
    if (it == kKeys.end()) continue;
    if (key != "run_name") {
      if (!in_presets) {
        throw core::InputError(fmt::format("{}:{}: '{}' outside the [architecture_presets] section", source_name,
                                           line_no, key));
      }
      ++presets;
    }
    set_path(root, it->second, value);
  }
  if (presets == 0) {
    throw core::InputError(fmt::format("{}: no [architecture_presets] fields (ArrayHeight, ArrayWidth, ...): not a "
                                       "SCALE-Sim config",
                                       source_name));
  }
  return from_node(root, source_name, overrides, default_config_dir());
}

AcceleratorConfig load_accelerator_config(const std::filesystem::path& path, const ConfigOverrides& overrides) {
  const std::filesystem::path file = path.empty() ? default_config_dir() / "default.yaml" : path;
  const std::string text = read_text(file);
  if (file.extension() == ".cfg") return accelerator_config_from_scalesim(text, file.string(), overrides);
  return accelerator_config_from_yaml(text, file.string(), overrides, file.parent_path());
}

std::string accelerator_config_to_yaml(const AcceleratorConfig& c) {
  YAML::Emitter out;
  auto word = [](int bits) { return bits == 0 ? std::string("auto") : std::to_string(bits); };
  auto buffer = [&](const char* name, const BufferConfig& b) {
    out << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "capacity_kib"
        << YAML::Value << double(b.capacity_bytes) / 1024 << YAML::Key << "word_bits" << YAML::Value << word(b.word_bits)
        << YAML::Key << "ports" << YAML::Value << b.ports << YAML::EndMap;
  };
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "array" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "rows" << YAML::Value
      << c.rows << YAML::Key << "cols" << YAML::Value << c.cols << YAML::Key << "dataflow" << YAML::Value
      << c.dataflow << YAML::Key << "accumulator_bits" << YAML::Value << c.accumulator_bits
      << YAML::Key << "offload_wide_layers" << YAML::Value << c.offload_wide_layers << YAML::EndMap;
  out << YAML::Key << "clock_mhz" << YAML::Value << c.clock_mhz;
  out << YAML::Key << "buffers" << YAML::Value << YAML::BeginMap;
  buffer("ifmap", c.ifmap);
  buffer("weight", c.weight);
  buffer("ofmap", c.ofmap);
  out << YAML::EndMap;
  out << YAML::Key << "dram" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "bytes_per_cycle"
      << YAML::Value << c.dram.bytes_per_cycle << YAML::Key << "latency_cycles" << YAML::Value << c.dram.latency_cycles
      << YAML::EndMap;
  const EnergyTable& e = c.energy;
  out << YAML::Key << "energy" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value << e.name
      << YAML::Key << "source" << YAML::Value << e.source << YAML::Key << "multiplier_8x8_pj" << YAML::Value
      << e.multiplier_8x8_pj << YAML::Key << "adder_pj_per_bit" << YAML::Value << e.adder_pj_per_bit << YAML::Key
      << "register_pj_per_bit" << YAML::Value << e.register_pj_per_bit << YAML::Key << "sram_reference_pj_per_bit"
      << YAML::Value << e.sram_reference_pj_per_bit << YAML::Key << "sram_reference_kib" << YAML::Value
      << e.sram_reference_kib << YAML::Key << "dram_pj_per_byte" << YAML::Value << e.dram_pj_per_byte << YAML::Key
      << "leakage_pj_per_pe_cycle" << YAML::Value << e.leakage_pj_per_pe_cycle << YAML::Key
      << "leakage_pj_per_kib_cycle" << YAML::Value << e.leakage_pj_per_kib_cycle;
  const AreaTable& a = e.area;
  out << YAML::Key << "area" << YAML::Value << YAML::BeginMap << YAML::Key << "source" << YAML::Value << a.source
      << YAML::Key << "node_nm" << YAML::Value << a.node_nm << YAML::Key << "nand2_um2" << YAML::Value << a.nand2_um2
      << YAML::Key << "transistors_per_nand2" << YAML::Value << a.transistors_per_nand2 << YAML::Key
      << "flip_flop_um2" << YAML::Value << a.flip_flop_um2 << YAML::Key << "pe_um2" << YAML::Value << a.pe_um2
      << YAML::Key << "sram_bit_um2" << YAML::Value << a.sram_bit_um2 << YAML::Key << "sram_array_efficiency"
      << YAML::Value << a.sram_array_efficiency << YAML::EndMap << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nce::cost_models
