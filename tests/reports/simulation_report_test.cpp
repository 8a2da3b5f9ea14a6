// The report of `nce simulate`: the schema of layers.csv and summary.json, and report.html as a
// browser renders it (headless Chromium): one table row per layer and every chart present.
//
// The sections added for issue 17 are checked with real values on real simulations:
// - ResNet20 on the default config with `--array 32x32 --dataflow os` (as nce simulate builds the
//   report: workload, overrides, per-layer precisions): the configuration echo and its name, the
//   mapping of three layers derived by hand from cost_models/src/mapping.cpp's rules, the split by
//   precision, area and efficiency, the SCALE-Sim files' layer IDs against layers.csv, and the
//   layer table's hidden pool/add rows and sorting as Chromium lays them out;
// - MobileNetV2-CIFAR on the default 16x16 WS array: the explanation of a depthwise layer's
//   utilization and its mapping.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "nce/cost_models/area.hpp"
#include "nce/cost_models/pe_synthesis.hpp"
#include "nce/reports/simulation_report.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::reports {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A CSV without quoted fields (ours: layer names and numbers), as rows of column -> cell.
using CsvRow = std::map<std::string, std::string>;
std::vector<CsvRow> read_csv(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    if (header.empty()) {
      header = cells;
      continue;
    }
    EXPECT_EQ(cells.size(), header.size()) << path << ": " << line;
    CsvRow row;
    for (std::size_t i = 0; i < std::min(cells.size(), header.size()); ++i) row[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}
std::int64_t integer(const CsvRow& row, const std::string& column) { return std::stoll(row.at(column)); }

// The report's formatting, to compare rendered cells with figures computed here.
std::string grouped(std::int64_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string percent(double fraction) { return fmt::format("{:.1f}%", 100.0 * fraction); }

std::string unescape(std::string text) {
  text = std::regex_replace(text, std::regex("<[^>]*>"), "");
  for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}}) {
    for (std::size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at + c.size())) {
      text.replace(at, entity.size(), c);
    }
  }
  return text;
}

// The body rows of the first table inside the element with id `id`, cell texts, as the
// browser serialized them.
std::vector<std::vector<std::string>> dom_table(const std::string& dom, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  const std::size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return rows;
  const std::size_t body = dom.find("<tbody>", at);
  const std::size_t end = dom.find("</tbody>", body);
  if (body == std::string::npos || end == std::string::npos) return rows;
  const std::string text = dom.substr(body, end - body);
  static const std::regex row_pattern("<tr[^>]*>([\\s\\S]*?)</tr>");
  static const std::regex cell_pattern("<td[^>]*>([\\s\\S]*?)</td>");
  for (auto r = std::sregex_iterator(text.begin(), text.end(), row_pattern); r != std::sregex_iterator(); ++r) {
    const std::string row_text = (*r)[1].str();
    std::vector<std::string> cells;
    for (auto c = std::sregex_iterator(row_text.begin(), row_text.end(), cell_pattern); c != std::sregex_iterator(); ++c) {
      cells.push_back(unescape((*c)[1].str()));
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

// The row of a two-column (name, value) table, or of a wider table by its first cells.
std::vector<std::string> row_starting(const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& first) {
  for (const auto& row : rows) {
    if (row.size() >= first.size() && std::equal(first.begin(), first.end(), row.begin())) return row;
  }
  return {};
}
std::string value_of(const std::vector<std::vector<std::string>>& rows, const std::string& name) {
  const std::vector<std::string> row = row_starting(rows, {name});
  return row.size() >= 2 ? row[1] : "(no row '" + name + "')";
}

// Runs inside the page in Chromium and reports what the reader sees of the sortable layer table:
// the rows shown (top to bottom), after sorting by cycles (descending: column 7's down arrow),
// and after ticking "show the pool/add layers".
constexpr const char* kProbe = R"(<script>
(function () {
  const out = {};
  const table = document.getElementById('layer-table');
  const rows = table ? Array.from(table.querySelectorAll('tbody tr')) : [];
  const shown = () => rows.filter(r => getComputedStyle(r).display !== 'none')
                          .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
                          .map(r => r.cells[1].textContent);
  out.rows = rows.length;
  out.shown = shown();
  const toggle = document.getElementById('layer-table-all');
  out.toggle = toggle ? toggle.labels[0].textContent.trim() : null;
  const by_cycles = document.getElementById('layer-table-s7d');
  out.by_cycles_desc = [];
  if (by_cycles) { by_cycles.checked = true; out.by_cycles_desc = shown(); }
  out.shown_all = [];
  if (toggle) { toggle.checked = true; out.shown_all = shown(); }
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
)";

// report.html (with kProbe inserted before </body> when `probe`) as headless Chromium parsed and
// ran it: the serialized DOM.
std::string render(const fs::path& html, const fs::path& work, bool probe) {
  const fs::path chromium = "/usr/bin/chromium";
  EXPECT_TRUE(fs::exists(chromium)) << "install Debian's chromium (scripts/debian-packages.txt)";
  fs::path page = html;
  if (probe) {
    std::string text = read(html);
    const std::size_t body_end = text.rfind("</body>");
    EXPECT_NE(body_end, std::string::npos);
    text.insert(body_end, kProbe);
    page = work / (html.parent_path().filename().string() + "-probe.html");
    std::ofstream(page) << text;
  }
  const fs::path dom = work / (page.stem().string() + ".dom.html");
  const std::string command = "timeout 120 " + chromium.string() +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                              (work / "chromium-profile").string() + " --dump-dom file://" + page.string() + " > " +
                              dom.string() + " 2>/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return read(dom);
}

nlohmann::json probe_of(const std::string& dom) {
  const std::size_t begin = dom.find("<pre id=\"probe\">");
  const std::size_t end = dom.find("</pre>", begin);
  if (begin == std::string::npos || end == std::string::npos) return nlohmann::json::object();
  return nlohmann::json::parse(unescape(dom.substr(begin + 16, end - begin - 16)));
}

// A report as `nce simulate` builds it (app/verb_simulate.cpp).
SimulationReport simulate_like_the_cli(const std::string& network, const cost_models::ConfigOverrides& overrides) {
  SimulationReport report;
  report.config = cost_models::load_accelerator_config("", overrides);
  report.source = (cost_models::default_config_dir() / "default.yaml").string();
  report.overrides = overrides;
  report.workload = workloads::zoo::make(network);
  for (const workloads::Layer& layer : report.workload.layers) {
    report.precisions.push_back(layer.has_weights() ? fmt::format("W{}A{}", layer.precision.weight_bits,
                                                                  layer.precision.act_bits)
                                                    : "-");
  }
  report.stats = sim::simulate_workload(report.workload, report.config);
  return report;
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nce_simulation_report_test_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

// ------------------------------------------------------------------ without the workload

class SimulationReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const workloads::Workload w = workloads::zoo::make("resnet20");
    report_ = new SimulationReport();
    report_->config = cost_models::AcceleratorConfig{};
    report_->stats = sim::simulate_workload(w, report_->config);
    for (const workloads::Layer& layer : w.layers) {
      report_->precisions.push_back(layer.has_weights() ? "W2A2" : "-");
    }
    report_->source = "test";
    dir_ = new fs::path(temp_dir("plain"));
    write_simulation_report(*dir_, *report_);
  }
  static void TearDownTestSuite() {
    fs::remove_all(dir_->parent_path());
    delete dir_;
    delete report_;
  }
  static SimulationReport* report_;
  static fs::path* dir_;
};
SimulationReport* SimulationReportTest::report_ = nullptr;
fs::path* SimulationReportTest::dir_ = nullptr;

TEST_F(SimulationReportTest, LayersCsvHasTheSchemaColumnsAndOneRowPerLayer) {
  const std::string csv = read(*dir_ / "layers.csv");
  const std::string header = csv.substr(0, csv.find('\n'));
  for (const char* column : {"layer", "type", "macs", "passes", "cycles", "compute_cycles", "stall_cycles",
                             "utilization", "sram_reads", "sram_writes", "dram_read_bytes", "dram_write_bytes",
                             "energy_pj", "dram_read_bits", "sram_read_bits"}) {
    EXPECT_NE(("," + header + ",").find(std::string(",") + column + ","), std::string::npos) << column;
  }
  EXPECT_EQ(count(csv, "\n"), report_->stats.layers.size() + 1);  // ResNet20: 32 layers
}

TEST_F(SimulationReportTest, SummaryJsonHasTheSchemaKeys) {
  const nlohmann::json summary = nlohmann::json::parse(read(*dir_ / "summary.json"));
  EXPECT_EQ(summary["workload"], "resnet20");
  EXPECT_EQ(summary["array"], "16x16");
  EXPECT_EQ(summary["dataflow"], "ws");
  EXPECT_EQ(summary["total_cycles"].get<std::int64_t>(), report_->stats.total.cycles);
  EXPECT_DOUBLE_EQ(summary["total_energy_pj"].get<double>(), report_->stats.total.energy.total());
  EXPECT_LE(summary["utilization"].get<double>(), 1.0);
  EXPECT_GT(summary["utilization"].get<double>(), 0.0);
}

TEST_F(SimulationReportTest, ChromiumRendersOneRowPerLayerAndEveryChart) {
  const std::string html = render(*dir_ / "report.html", *dir_, false);
  // The layer table as the browser parsed it: the rows of <tbody> inside <div id="layers">.
  const std::size_t layers = html.find("<div id=\"layers\">");
  ASSERT_NE(layers, std::string::npos);
  const std::size_t body = html.find("<tbody>", layers);
  const std::size_t end = html.find("</tbody>", body);
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(count(html.substr(body, end - body), "<tr>"), report_->stats.layers.size());
  for (const cost_models::LayerStats& layer : report_->stats.layers) {
    EXPECT_NE(html.find("<td>" + layer.layer + "</td>", body), std::string::npos) << layer.layer;
  }
  // Five inline SVG charts with drawn bars: the precision split, utilization, cycle breakdown,
  // energy per layer, total energy.
  EXPECT_EQ(count(html, "<svg"), 5u);
  EXPECT_GT(count(html, "<rect"), 4 * report_->stats.layers.size() / 2);
  for (const char* title : {"Share of cycles and energy by layer precision", "PE utilization per layer",
                            "Cycles per layer: compute and stalls by cause", "Energy per layer by component",
                            "Total energy by component"}) {
    EXPECT_NE(html.find(title), std::string::npos) << title;
  }
}

// ------------------------------------------------------------------ ResNet20, 32x32 OS

const cost_models::ConfigOverrides kArray32Os = {{"array.rows", "32"}, {"array.cols", "32"}, {"array.dataflow", "os"}};

class Resnet20OsReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    report_ = new SimulationReport(simulate_like_the_cli("resnet20", kArray32Os));
    dir_ = new fs::path(temp_dir("resnet20-os"));
    all_dir_ = new fs::path(temp_dir("resnet20-os-all"));
    write_simulation_report(*dir_, *report_);
    SimulationReport all = *report_;
    all.show_all_layers = true;  // nce simulate --all-layers
    write_simulation_report(*all_dir_, all);
    layers_ = new std::vector<CsvRow>(read_csv(*dir_ / "layers.csv"));
    summary_ = new nlohmann::json(nlohmann::json::parse(read(*dir_ / "summary.json")));
    dom_ = new std::string(render(*dir_ / "report.html", dir_->parent_path(), true));
    all_dom_ = new std::string(render(*all_dir_ / "report.html", dir_->parent_path(), true));
  }
  static void TearDownTestSuite() {
    fs::remove_all(dir_->parent_path());
    delete report_;
    delete dir_;
    delete all_dir_;
    delete layers_;
    delete summary_;
    delete dom_;
    delete all_dom_;
  }
  static const CsvRow& layer(const std::string& name) {
    for (const CsvRow& row : *layers_) {
      if (row.at("layer") == name) return row;
    }
    throw std::runtime_error("no layer " + name);
  }
  static SimulationReport* report_;
  static fs::path* dir_;
  static fs::path* all_dir_;
  static std::vector<CsvRow>* layers_;
  static nlohmann::json* summary_;
  static std::string* dom_;
  static std::string* all_dom_;
};
SimulationReport* Resnet20OsReport::report_ = nullptr;
fs::path* Resnet20OsReport::dir_ = nullptr;
fs::path* Resnet20OsReport::all_dir_ = nullptr;
std::vector<CsvRow>* Resnet20OsReport::layers_ = nullptr;
nlohmann::json* Resnet20OsReport::summary_ = nullptr;
std::string* Resnet20OsReport::dom_ = nullptr;
std::string* Resnet20OsReport::all_dom_ = nullptr;

TEST(ConfigLabel, NamesTheBaseAndEveryOverrideInOrder) {
  SimulationReport r;
  r.config = cost_models::load_accelerator_config("");
  EXPECT_EQ(config_label(r), "default-16x16");
  r.overrides = kArray32Os;
  r.config = cost_models::load_accelerator_config("", r.overrides);
  EXPECT_EQ(config_label(r), "default-16x16 + array 32x32, dataflow os");
  r.overrides = {{"array.rows", "8"}, {"array.cols", "64"}, {"energy", "accelergy45"}, {"dram.bytes_per_cycle", "4"}};
  r.config = cost_models::load_accelerator_config("", r.overrides);
  EXPECT_EQ(config_label(r), "default-16x16 + array 8x64, energy accelergy45, dram.bytes_per_cycle=4");
  r.overrides = {{"array.cols", "32"}};  // --set array.cols=32: the rows come from the config
  r.config = cost_models::load_accelerator_config("", r.overrides);
  EXPECT_EQ(config_label(r), "default-16x16 + array 16x32");
}

TEST_F(Resnet20OsReport, ConfigurationEchoIsNamedAfterTheOverrides) {
  const nlohmann::json& s = *summary_;
  EXPECT_EQ(s["config"], "default-16x16 + array 32x32, dataflow os");
  EXPECT_EQ(s["config_name"], "default-16x16");
  EXPECT_EQ(s["overrides"], (nlohmann::json{"array.rows=32", "array.cols=32", "array.dataflow=os"}));
  EXPECT_EQ(s["array"], "32x32");
  EXPECT_EQ(s["dataflow"], "os");
  const nlohmann::json& c = s["configuration"];
  EXPECT_EQ(c["array"], "32x32");
  EXPECT_EQ(c["pes"], 1024);
  EXPECT_EQ(c["dataflow"], "os");
  EXPECT_EQ(c["accumulator_bits"], 16);
  EXPECT_EQ(c["clock_mhz"], 500.0);
  EXPECT_EQ(c["energy_preset"], "horowitz45");
  EXPECT_EQ(c["dram"]["bytes_per_cycle"], 8.0);
  EXPECT_EQ(c["dram"]["latency_cycles"], 100);
  // Auto word widths on a 32x32 array: ifmap 32 rows x 2 bits, weight 32 columns x 2 bits,
  // ofmap 32 columns x 32-bit sums.
  for (const auto& [buffer, bits, ports] :
       std::vector<std::tuple<std::string, int, int>>{{"ifmap", 64, 1}, {"weight", 64, 1}, {"ofmap", 1024, 2}}) {
    EXPECT_EQ(c["buffers"][buffer]["capacity_kib"], 64.0) << buffer;
    EXPECT_EQ(c["buffers"][buffer]["word_bits"], bits) << buffer;
    EXPECT_EQ(c["buffers"][buffer]["word_bits_auto"], true) << buffer;
    EXPECT_EQ(c["buffers"][buffer]["ports"], ports) << buffer;
  }
  // What nce simulate prints.
  EXPECT_EQ(summary_text(*report_).substr(0, summary_text(*report_).find('\n')),
            "configuration: default-16x16 + array 32x32, dataflow os (32x32 os, 16-bit accumulators, 500 MHz; SRAM "
            "ifmap 64 KiB/64-bit words, weight 64 KiB/64-bit, ofmap 64 KiB/1024-bit x2 ports; DRAM 8 B/cycle, 100 "
            "cycles latency; energy horowitz45)");
  // The rendered page: the opening paragraph, the summary and the configuration table.
  const std::string& dom = *dom_;
  EXPECT_NE(dom.find("configuration default-16x16 + array 32x32, dataflow os, energy preset horowitz45"), std::string::npos);
  EXPECT_EQ(dom.find("configuration default-16x16,"), std::string::npos) << "labelled as the plain default";
  EXPECT_EQ(value_of(dom_table(dom, "summary"), "config"),
            "default-16x16 + array 32x32, dataflow os (" + report_->source + ")");
  const auto config = dom_table(dom, "configuration");
  EXPECT_EQ(value_of(config, "configuration"), "default-16x16 + array 32x32, dataflow os");
  EXPECT_EQ(value_of(config, "read from"), report_->source);
  EXPECT_EQ(value_of(config, "overrides (in order)"), "array.rows=32, array.cols=32, array.dataflow=os");
  EXPECT_EQ(value_of(config, "array"), "32x32 = 1024 PEs, os (output-stationary), 16-bit accumulators");
  EXPECT_EQ(value_of(config, "clock"), "500 MHz");
  EXPECT_EQ(value_of(config, "ifmap SRAM"), "64 KiB (two 32 KiB slots), 64-bit words (auto), 1 port");
  EXPECT_EQ(value_of(config, "weight SRAM"), "64 KiB (two 32 KiB slots), 64-bit words (auto), 1 port");
  EXPECT_EQ(value_of(config, "ofmap SRAM"), "64 KiB (two 32 KiB slots), 1024-bit words (auto), 2 ports");
  EXPECT_EQ(value_of(config, "DRAM"), "8 bytes/cycle (4.00 GB/s), latency 100 cycles");
  EXPECT_EQ(value_of(config, "energy preset"), "horowitz45");
  EXPECT_EQ(value_of(config, "layers above 2 bits"), "radix-4 digit passes on the array (W8A8: 20)");
}

// The mapping of three layers, derived by hand from map_layer (cost_models/src/mapping.cpp) and
// the OS dataflow's folds (cost_models/src/dataflows/output_stationary.cpp) on 32x32, 64 KiB
// buffers (32 KiB slots = 262,144 bits), 16-bit accumulators (OS K chunk = min(K, 2^15 / 6 = 5461)):
// - stage1.block0.conv_a (W2A2, 16x32x32 -> 16x32x32, 3x3/1): K = 16*9 = 144, M = 16, N = 1024.
//   One m block (16 <= 32 columns). A block of h output rows needs 16 x h x 32 x 32-bit sums in
//   the ofmap slot: h <= 16. h = 16 reads the fewest input bytes (2 x 17 halo rows; h = 11 needs
//   12 + 13 + 11 = 36): 2 steps, weights_outer (the first order tried; both read 576 + 4352 B).
//   Folds per step: ceil(16/32) x ceil(512/32) x ceil(144/144) x 1 pass = 16, so 32 folds.
// - conv1 (W8A8: 5 weight x 4 activation digits = 20 passes, 3x32x32 -> 16x32x32): K = 27,
//   M = 16, N = 1024, the same blocks (2 steps of 16 rows): 16 x 20 = 320 folds per step, 640.
// - stage2.block0.shortcut (W8A8, 1x1/2, 16x32x32 -> 32x16x16, gathered rows): K = 16, M = 32,
//   N = 256. The input bytes do not depend on the row block (a 1x1 stride-2 conv touches 16 input
//   rows whatever h), so every h ties on traffic (512 B weights + 8192 B inputs); the estimate
//   steps x ceil(N_step/32) x 20 x (16 + 2 min(N_step, 32) + 32) is 17,920 for h = 16, 8, 4, 2
//   (25,600 for h = 1), and the tie goes to more, smaller steps: h = 2, 8 steps of N = 32, one
//   fold of 20 passes each: 160 folds.
TEST_F(Resnet20OsReport, MappingColumnsEqualTheHandDerivedMapping) {
  struct Expected {
    std::string layer;
    std::int64_t id, k, m, n, m_block, rows_block, k_chunk, steps, folds, passes, dram_read, dram_write;
  };
  const std::vector<Expected> expected = {
      {"conv1", 0, 27, 16, 1024, 16, 16, 27, 2, 640, 20, 3264 + 432, 16384},
      {"stage1.block0.conv_a", 1, 144, 16, 1024, 16, 16, 144, 2, 32, 1, 4352 + 576, 4096},
      {"stage2.block0.shortcut", 12, 16, 32, 256, 32, 2, 16, 8, 160, 20, 8192 + 512, 8192},
  };
  const auto mapping = dom_table(*dom_, "mapping");
  EXPECT_EQ(mapping.size(), 22u);  // the 21 convs and the FC; pool/add run off the array
  for (const Expected& e : expected) {
    const CsvRow& row = layer(e.layer);
    EXPECT_EQ(integer(row, "layer_id"), e.id);
    EXPECT_EQ(integer(row, "gemm_k"), e.k) << e.layer;
    EXPECT_EQ(integer(row, "gemm_m"), e.m) << e.layer;
    EXPECT_EQ(integer(row, "gemm_n"), e.n) << e.layer;
    EXPECT_EQ(integer(row, "groups"), 1) << e.layer;
    EXPECT_EQ(row.at("loop_order"), "weights_outer") << e.layer;
    EXPECT_EQ(integer(row, "m_block"), e.m_block) << e.layer;
    EXPECT_EQ(integer(row, "rows_block"), e.rows_block) << e.layer;
    EXPECT_EQ(integer(row, "k_chunk"), e.k_chunk) << e.layer;
    EXPECT_EQ(integer(row, "steps"), e.steps) << e.layer;
    EXPECT_EQ(integer(row, "folds"), e.folds) << e.layer;
    EXPECT_EQ(integer(row, "passes"), e.passes) << e.layer;
    EXPECT_EQ(integer(row, "dram_read_bytes"), e.dram_read) << e.layer;
    EXPECT_EQ(integer(row, "dram_write_bytes"), e.dram_write) << e.layer;
    EXPECT_EQ(row_starting(mapping, {std::to_string(e.id)}),
              (std::vector<std::string>{std::to_string(e.id), e.layer, fmt::format("{} x {} x {}", e.k, e.m, e.n), "1",
                                        fmt::format("{} x {}", e.m_block, e.rows_block), "weights_outer",
                                        std::to_string(e.steps), std::to_string(e.folds), std::to_string(e.passes),
                                        fmt::format("{:.1f}", double(e.folds) / double(e.steps)),
                                        std::to_string(e.k_chunk)}))
        << e.layer;
  }
  // Shapes in layers.csv and in the readable table.
  const CsvRow& shortcut = layer("stage2.block0.shortcut");
  EXPECT_EQ(std::vector<std::string>({shortcut.at("in_channels"), shortcut.at("in_height"), shortcut.at("in_width"),
                                      shortcut.at("out_channels"), shortcut.at("out_height"), shortcut.at("out_width")}),
            (std::vector<std::string>{"16", "32", "32", "32", "16", "16"}));
  const auto table = dom_table(*dom_, "layer-table");
  EXPECT_EQ(row_starting(table, {"12", "stage2.block0.shortcut", "conv 1x1/2", "W8A8", "16x32x32", "32x16x16", "131,072"}).size(),
            14u);
  // The legend explains every term, with the folds of this dataflow.
  const std::size_t legend = dom_->find("<ul class=\"legend\">");
  ASSERT_NE(legend, std::string::npos);
  const std::string items = dom_->substr(legend, dom_->find("</ul>", legend) - legend);
  EXPECT_EQ(count(items, "<li>"), 7u);
  for (const char* term : {"<li>GEMM K x M x N: ", "<li>groups: ", "<li>block: ", "<li>loop order: ", "<li>steps: ",
                           "os: an N-chunk x M-chunk of partial sums held while K streams", "<li>digit passes: ",
                           "<li>K chunk: "}) {
    EXPECT_NE(items.find(term), std::string::npos) << term;
  }
}

// ResNet20's precisions: conv1 (442,368 MACs), the two 1x1 shortcuts (131,072 each) and the FC
// (640) are W8A8 at 20 passes; the 18 other convs are W2A2; 9 adds and the pool are "-".
TEST_F(Resnet20OsReport, CyclesAndEnergySplitByPrecisionSumToTheTotal) {
  std::map<std::string, std::int64_t> cycles;  // from layers.csv
  for (const CsvRow& row : *layers_) cycles[row.at("precision")] += integer(row, "cycles");
  const std::int64_t total = (*summary_)["total_cycles"].get<std::int64_t>();
  std::map<std::string, nlohmann::json> split;
  for (const nlohmann::json& p : (*summary_)["by_precision"]) split[p["precision"].get<std::string>()] = p;
  ASSERT_EQ(split.size(), 3u);
  const std::int64_t wide_macs = 442368 + 2 * 131072 + 640;
  EXPECT_EQ(split["W8A8"]["layers"], 4);
  EXPECT_EQ(split["W8A8"]["macs"], wide_macs);  // 705,152
  EXPECT_EQ(split["W8A8"]["array_macs"], 20 * wide_macs);
  EXPECT_EQ(split["W2A2"]["layers"], 18);
  EXPECT_EQ(split["W2A2"]["macs"], 40'813'184 - wide_macs);
  EXPECT_EQ(split["W2A2"]["array_macs"], 40'813'184 - wide_macs);
  EXPECT_EQ(split["-"]["layers"], 10);
  EXPECT_EQ(split["-"]["cycles"], 0);
  EXPECT_EQ(split["-"]["energy_pj"], 0.0);
  EXPECT_EQ(split["W8A8"]["cycles"].get<std::int64_t>(), cycles["W8A8"]);
  EXPECT_EQ(split["W2A2"]["cycles"].get<std::int64_t>(), cycles["W2A2"]);
  EXPECT_EQ(cycles["W8A8"] + cycles["W2A2"], total);  // exactly
  EXPECT_GT(cycles["W8A8"], 0);
  EXPECT_GT(cycles["W2A2"], 0);
  double energy[2] = {0, 0};
  for (std::size_t i = 0; i < report_->stats.layers.size(); ++i) {
    if (report_->precisions[i] != "-") energy[report_->precisions[i] == "W8A8" ? 0 : 1] += report_->stats.layers[i].energy.total();
  }
  EXPECT_DOUBLE_EQ(split["W8A8"]["energy_pj"].get<double>(), energy[0]);
  EXPECT_DOUBLE_EQ(split["W2A2"]["energy_pj"].get<double>(), energy[1]);
  const double total_energy = (*summary_)["total_energy_pj"].get<double>();
  EXPECT_NEAR(energy[0] + energy[1], total_energy, 1e-9 * total_energy);
  for (const char* p : {"W8A8", "W2A2"}) {
    EXPECT_DOUBLE_EQ(split[p]["cycle_share"].get<double>(), double(cycles[p]) / double(total)) << p;
    EXPECT_DOUBLE_EQ(split[p]["energy_share"].get<double>(), split[p]["energy_pj"].get<double>() / total_energy) << p;
  }
  EXPECT_DOUBLE_EQ(split["W8A8"]["cycle_share"].get<double>() + split["W2A2"]["cycle_share"].get<double>(), 1.0);
  // Most cycles first.
  const nlohmann::json& first = (*summary_)["by_precision"][0];
  EXPECT_EQ(first["precision"], cycles["W8A8"] > cycles["W2A2"] ? "W8A8" : "W2A2");
  // stdout: the shares, without the empty pool/add group.
  const std::string text = summary_text(*report_);
  for (const char* p : {"W8A8", "W2A2"}) {
    const std::string expected = fmt::format("{} ({} layers) {} of cycles, {} of energy", p, std::string(p) == "W8A8" ? 4 : 18,
                                             percent(split[p]["cycle_share"].get<double>()),
                                             percent(split[p]["energy_share"].get<double>()));
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("pool/add"), std::string::npos) << text;
  // The rendered table.
  const auto table = dom_table(*dom_, "precision");
  EXPECT_EQ(row_starting(table, {"W8A8"}),
            (std::vector<std::string>{"W8A8", "4", "705,152", "14,103,040", grouped(cycles["W8A8"]),
                                      percent(double(cycles["W8A8"]) / double(total)),
                                      fmt::format("{:.3f}", energy[0] / 1e6), percent(energy[0] / total_energy)}));
  EXPECT_EQ(row_starting(table, {"W2A2"}),
            (std::vector<std::string>{"W2A2", "18", grouped(40'813'184 - wide_macs), grouped(40'813'184 - wide_macs),
                                      grouped(cycles["W2A2"]), percent(double(cycles["W2A2"]) / double(total)),
                                      fmt::format("{:.3f}", energy[1] / 1e6), percent(energy[1] / total_energy)}));
  EXPECT_EQ(row_starting(table, {"pool/add (post-processing)"}),
            (std::vector<std::string>{"pool/add (post-processing)", "10", "0", "0", "0", "0.0%", "0.000", "0.0%"}));
}

TEST_F(Resnet20OsReport, AreaAndEfficiency) {
  const nlohmann::json& e = (*summary_)["efficiency"];
  const double energy = (*summary_)["total_energy_pj"].get<double>();
  const std::int64_t cycles = (*summary_)["total_cycles"].get<std::int64_t>();
  const std::int64_t macs = 40'813'184;
  EXPECT_EQ((*summary_)["macs"], macs);
  EXPECT_EQ(e["pes"], 32 * 32);
  EXPECT_DOUBLE_EQ(e["pj_per_mac"].get<double>(), energy / double(macs));
  EXPECT_DOUBLE_EQ(e["pj_per_array_mac"].get<double>(), energy / double((*summary_)["array_macs"].get<std::int64_t>()));
  EXPECT_DOUBLE_EQ(e["tops_per_w"].get<double>(), 2.0 * double(macs) / energy);
  EXPECT_DOUBLE_EQ(e["latency_us"].get<double>(), double(cycles) / 500.0);
  EXPECT_DOUBLE_EQ(e["inferences_per_s"].get<double>(), 1e6 / (double(cycles) / 500.0));
  EXPECT_DOUBLE_EQ(e["tops"].get<double>(), 2.0 * double(macs) * e["inferences_per_s"].get<double>() / 1e12);
  EXPECT_DOUBLE_EQ(e["power_mw"].get<double>(), energy * 1e-12 * e["inferences_per_s"].get<double>() * 1e3);
  // Area as nce explore estimates it (cost_models::estimate_area), and by hand: three 64 KiB
  // buffers x 8 bits x 0.346 um2 per 6T cell / 0.6 array efficiency (horowitz45); the PE as
  // Yosys counted it (configs/synth/mac_pe_cells.yaml, W2A2 acc16: 834 transistors / 4 per NAND2
  // x 0.798 um2 + 23 flip-flops x 5.32 um2 = 288.743 um2).
  const cost_models::AreaEstimate area =
      cost_models::estimate_area(report_->config, cost_models::load_pe_synthesis(cost_models::default_config_dir()));
  EXPECT_EQ(e["area_mm2"].get<double>(), area.total_mm2);
  EXPECT_EQ(e["area_pe_mm2"].get<double>(), area.pe_mm2);
  EXPECT_EQ(e["area_sram_mm2"].get<double>(), area.sram_mm2);
  EXPECT_EQ(e["area_source"], area.source);
  EXPECT_NEAR(e["area_sram_mm2"].get<double>(), 3.0 * 64 * 1024 * 8 * 0.346 / 0.6 * 1e-6, 1e-12);
  EXPECT_NEAR(e["pe_um2"].get<double>(), 834.0 / 4 * 0.798 + 23 * 5.32, 1e-9);
  EXPECT_NEAR(e["area_pe_mm2"].get<double>(), e["pe_um2"].get<double>() * 1024 * 1e-6, 1e-12);
  EXPECT_DOUBLE_EQ(e["area_mm2"].get<double>(), area.pe_mm2 + area.sram_mm2);
  EXPECT_DOUBLE_EQ(e["tops_per_mm2"].get<double>(), e["tops"].get<double>() / area.total_mm2);
  // stdout and the rendered table.
  EXPECT_NE(summary_text(*report_).find(fmt::format(
                "efficiency: 1024 PEs, area {:.4f} mm2 (PEs {:.4f}, SRAM {:.4f}), {:.3f} pJ/MAC, {:.3f} TOPS/W, {:.1f} "
                "inferences/s\n",
                area.total_mm2, area.pe_mm2, area.sram_mm2, energy / double(macs), 2.0 * double(macs) / energy,
                1e6 / (double(cycles) / 500.0))),
            std::string::npos)
      << summary_text(*report_);
  const auto table = dom_table(*dom_, "efficiency");
  EXPECT_EQ(value_of(table, "PEs"), "1,024");
  EXPECT_EQ(value_of(table, "area (mm2)"), fmt::format("{:.4f}", area.total_mm2));
  EXPECT_EQ(value_of(table, "  PEs (mm2)"), fmt::format("{:.4f} ({:.1f} um2 per PE)", area.pe_mm2, area.pe_um2));
  EXPECT_EQ(value_of(table, "  SRAM (mm2)"), fmt::format("{:.4f}", area.sram_mm2));
  EXPECT_EQ(value_of(table, "energy per network MAC (pJ)"), fmt::format("{:.4f}", energy / double(macs)));
  EXPECT_EQ(value_of(table, "TOPS/W (2 ops per network MAC)"), fmt::format("{:.3f}", 2.0 * double(macs) / energy));
  EXPECT_EQ(value_of(table, "latency per inference (us)"), fmt::format("{:.2f}", double(cycles) / 500.0));
  EXPECT_EQ(value_of(table, "inferences per second"), fmt::format("{:.1f}", 1e6 / (double(cycles) / 500.0)));
}

// SCALE-Sim's BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv: one row per on-array layer,
// LayerID = layers.csv's layer_id, the same counts, and the layers back to back on one timeline.
TEST_F(Resnet20OsReport, ScaleSimReportsUseTheLayerIdsOfLayersCsv) {
  for (const char* file : {"layers.csv", "COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"}) {
    ASSERT_TRUE(fs::exists(*dir_ / file)) << file;
  }
  std::vector<std::string> on_array;  // layer_id of the conv and fc rows
  std::map<std::string, std::int64_t> start;
  std::int64_t t = 0;
  for (const CsvRow& row : *layers_) {
    start[row.at("layer_id")] = t;
    t += integer(row, "cycles");
    if (row.at("type") == "conv" || row.at("type") == "fc") on_array.push_back(row.at("layer_id"));
  }
  EXPECT_EQ(on_array.size(), 22u);
  EXPECT_EQ(t, (*summary_)["total_cycles"].get<std::int64_t>());
  auto ids = [](const std::vector<CsvRow>& rows) {
    std::vector<std::string> out;
    for (const CsvRow& row : rows) out.push_back(row.at("LayerID"));
    return out;
  };
  const std::vector<CsvRow> compute = read_csv(*dir_ / "COMPUTE_REPORT.csv");
  const std::vector<CsvRow> bandwidth = read_csv(*dir_ / "BANDWIDTH_REPORT.csv");
  const std::vector<CsvRow> detailed = read_csv(*dir_ / "DETAILED_ACCESS_REPORT.csv");
  EXPECT_EQ(ids(compute), on_array);
  EXPECT_EQ(ids(bandwidth), on_array);
  EXPECT_EQ(ids(detailed), on_array);
  std::map<std::string, const CsvRow*> by_id;
  for (const CsvRow& row : *layers_) by_id[row.at("layer_id")] = &row;
  for (const CsvRow& d : detailed) {
    const CsvRow& l = *by_id.at(d.at("LayerID"));
    const std::string& name = l.at("layer");
    const std::int64_t first = start.at(d.at("LayerID"));
    for (const char* column : {"SRAM IFMAP Start Cycle", "SRAM Filter Start Cycle", "SRAM OFMAP Start Cycle",
                               "DRAM IFMAP Start Cycle", "DRAM Filter Start Cycle", "DRAM OFMAP Start Cycle"}) {
      EXPECT_EQ(integer(d, column), first) << name << " " << column;
    }
    for (const char* column : {"SRAM IFMAP Stop Cycle", "SRAM Filter Stop Cycle", "SRAM OFMAP Stop Cycle",
                               "DRAM IFMAP Stop Cycle", "DRAM Filter Stop Cycle", "DRAM OFMAP Stop Cycle"}) {
      EXPECT_EQ(integer(d, column), first + integer(l, "cycles") - 1) << name << " " << column;
    }
    EXPECT_EQ(integer(d, "SRAM IFMAP Reads"), integer(l, "ifmap_reads")) << name;
    EXPECT_EQ(integer(d, "SRAM Filter Reads"), integer(l, "weight_reads")) << name;
    EXPECT_EQ(integer(d, "SRAM OFMAP Writes"), integer(l, "ofmap_writes")) << name;
    EXPECT_EQ(integer(d, "DRAM IFMAP Reads") + integer(d, "DRAM Filter Reads"), integer(l, "dram_read_bytes")) << name;
    EXPECT_EQ(integer(d, "DRAM OFMAP Writes"), integer(l, "dram_write_bytes")) << name;
  }
  // By hand (see MappingColumnsEqualTheHandDerivedMapping): conv1 reads 2 x 17 rows x 32 x 3
  // channels at 8 bits and 27 x 16 weights at 8 bits; the shortcut 16 rows x 32 x 16 channels
  // and 16 x 32 weights, at 8 bits.
  EXPECT_EQ(integer(detailed[0], "DRAM IFMAP Reads"), 3264);
  EXPECT_EQ(integer(detailed[0], "DRAM Filter Reads"), 432);
  const auto shortcut = std::find_if(detailed.begin(), detailed.end(), [](const CsvRow& r) { return r.at("LayerID") == "12"; });
  ASSERT_NE(shortcut, detailed.end());
  EXPECT_EQ(integer(*shortcut, "DRAM IFMAP Reads"), 8192);
  EXPECT_EQ(integer(*shortcut, "DRAM Filter Reads"), 512);
  EXPECT_EQ(integer(detailed.back(), "DRAM OFMAP Stop Cycle"), t - 1);  // the FC ends the network
  for (const CsvRow& b : bandwidth) {
    const CsvRow& l = *by_id.at(b.at("LayerID"));
    const CsvRow& d = *std::find_if(detailed.begin(), detailed.end(), [&](const CsvRow& r) { return r.at("LayerID") == b.at("LayerID"); });
    const double cycles = double(integer(l, "cycles"));
    auto per_cycle = [&](std::int64_t count) { return fmt::format("{:.4f}", double(count) / cycles); };
    EXPECT_EQ(b.at("Avg IFMAP SRAM BW"), per_cycle(integer(l, "ifmap_reads"))) << l.at("layer");
    EXPECT_EQ(b.at("Avg FILTER SRAM BW"), per_cycle(integer(l, "weight_reads"))) << l.at("layer");
    EXPECT_EQ(b.at("Avg OFMAP SRAM BW"), per_cycle(integer(l, "ofmap_writes"))) << l.at("layer");
    EXPECT_EQ(b.at("Avg IFMAP DRAM BW"), per_cycle(integer(d, "DRAM IFMAP Reads"))) << l.at("layer");
    EXPECT_EQ(b.at("Avg FILTER DRAM BW"), per_cycle(integer(d, "DRAM Filter Reads"))) << l.at("layer");
    EXPECT_EQ(b.at("Avg OFMAP DRAM BW"), per_cycle(integer(l, "dram_write_bytes"))) << l.at("layer");
  }
}

// The 10 pool/add rows (0 cycles, 0 energy) stay hidden in the browser until the reader ticks the
// box, and report.md and stdout leave them out; --all-layers lists them everywhere.
TEST_F(Resnet20OsReport, AllZeroPoolAndAddRowsAreHiddenUnlessAsked) {
  std::vector<std::string> all, on_array;
  for (const CsvRow& row : *layers_) {
    all.push_back(row.at("layer"));
    if (row.at("type") == "conv" || row.at("type") == "fc") on_array.push_back(row.at("layer"));
  }
  ASSERT_EQ(all.size(), 32u);
  const nlohmann::json probe = probe_of(*dom_);
  ASSERT_FALSE(probe.empty()) << "the probe script did not run";
  EXPECT_EQ(probe["rows"], 32);
  EXPECT_EQ(probe["shown"].get<std::vector<std::string>>(), on_array);
  EXPECT_EQ(probe["toggle"], "show the 10 pool/add layers (post-processing unit: 0 cycles on the array)");
  std::vector<std::string> shown_all = probe["shown_all"].get<std::vector<std::string>>();
  std::sort(shown_all.begin(), shown_all.end());
  std::vector<std::string> sorted_all = all;
  std::sort(sorted_all.begin(), sorted_all.end());
  EXPECT_EQ(shown_all, sorted_all);

  const std::string md = read(*dir_ / "report.md");
  EXPECT_NE(md.find("\n10 pool/add layers are not listed"), std::string::npos);
  EXPECT_EQ(md.find("| stage1.block0.add |"), std::string::npos);
  EXPECT_EQ(md.find("| pool |"), std::string::npos);
  EXPECT_NE(md.find("| stage1.block0.conv_a |"), std::string::npos);

  // --all-layers: every row shown at once, no box to tick; report.md and stdout list them.
  const nlohmann::json probe_all = probe_of(*all_dom_);
  ASSERT_FALSE(probe_all.empty()) << "the probe script did not run";
  EXPECT_EQ(probe_all["shown"].get<std::vector<std::string>>(), all);
  EXPECT_TRUE(probe_all["toggle"].is_null());
  const std::string md_all = read(*all_dir_ / "report.md");
  EXPECT_NE(md_all.find("| stage1.block0.add |"), std::string::npos);
  EXPECT_NE(md_all.find("| pool |"), std::string::npos);
  EXPECT_EQ(md_all.find("pool/add layers are not listed"), std::string::npos);
  SimulationReport all_layers = *report_;
  all_layers.show_all_layers = true;
  EXPECT_NE(summary_text(all_layers).find("; pool/add (10 layers) 0.0% of cycles, 0.0% of energy\n"), std::string::npos)
      << summary_text(all_layers);
  // layers.csv always has every layer.
  EXPECT_EQ(read(*all_dir_ / "layers.csv"), read(*dir_ / "layers.csv"));
}

// Sorting in the browser: the down arrow of "cycles" orders the shown rows by cycles, descending.
TEST_F(Resnet20OsReport, LayerTableSortsByCyclesInTheBrowser) {
  const nlohmann::json probe = probe_of(*dom_);
  ASSERT_FALSE(probe.empty());
  const std::vector<std::string> order = probe["by_cycles_desc"].get<std::vector<std::string>>();
  ASSERT_EQ(order.size(), 22u);
  std::int64_t previous = std::numeric_limits<std::int64_t>::max();
  std::int64_t most = 0;
  std::string busiest;
  for (const CsvRow& row : *layers_) {
    if (integer(row, "cycles") > most) most = integer(row, "cycles"), busiest = row.at("layer");
  }
  EXPECT_EQ(order.front(), busiest);
  for (const std::string& name : order) {
    EXPECT_LE(integer(layer(name), "cycles"), previous) << name;
    previous = integer(layer(name), "cycles");
  }
}

// ------------------------------------------------------------------ MobileNetV2-CIFAR, 16x16 WS

class MobileNetV2Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    report_ = new SimulationReport(simulate_like_the_cli("mobilenetv2-cifar", {}));
    dir_ = new fs::path(temp_dir("mobilenetv2"));
    write_simulation_report(*dir_, *report_);
    summary_ = new nlohmann::json(nlohmann::json::parse(read(*dir_ / "summary.json")));
    dom_ = new std::string(render(*dir_ / "report.html", dir_->parent_path(), false));
  }
  static void TearDownTestSuite() {
    fs::remove_all(dir_->parent_path());
    delete report_;
    delete dir_;
    delete summary_;
    delete dom_;
  }
  static SimulationReport* report_;
  static fs::path* dir_;
  static nlohmann::json* summary_;
  static std::string* dom_;
};
SimulationReport* MobileNetV2Report::report_ = nullptr;
fs::path* MobileNetV2Report::dir_ = nullptr;
nlohmann::json* MobileNetV2Report::summary_ = nullptr;
std::string* MobileNetV2Report::dom_ = nullptr;

// stage2.block1.dw: 144 channels, 3x3/1 depthwise on 32x32: per group K = 9, M = 1, N = 1024.
// On 16x16 WS a fold holds one group's 9 x 1 weights: 9 of 16 rows x 1 of 16 columns, so 9 of
// the 256 PEs (9/256 = 3.5%) hold work. Mapping: each group is its own block (1 channel, all 32
// rows: 32 x 32 x 32-bit sums fit a 32 KiB ofmap slot), one fold each: 144 steps, 144 folds.
TEST_F(MobileNetV2Report, DepthwiseLayerIsExplained) {
  const std::size_t id = 7;
  const cost_models::LayerStats& stats = report_->stats.layers[id];
  ASSERT_EQ(stats.layer, "stage2.block1.dw");
  const std::vector<UtilizationNote> notes = utilization_notes(*report_);
  const auto note = std::find_if(notes.begin(), notes.end(), [&](const UtilizationNote& n) { return n.layer == id; });
  ASSERT_NE(note, notes.end());
  EXPECT_EQ(note->name, "stage2.block1.dw");
  EXPECT_EQ(note->occupancy, 9.0 / 256.0);
  EXPECT_DOUBLE_EQ(note->utilization, double(stats.array_macs) / (256.0 * double(stats.cycles)));
  EXPECT_EQ(stats.array_macs, 9 * 144 * 1024);
  EXPECT_LT(note->utilization, 9.0 / 256.0);
  EXPECT_DOUBLE_EQ(note->cycle_share, double(stats.cycles) / double(report_->stats.total.cycles));
  ASSERT_GE(note->reasons.size(), 3u);
  EXPECT_EQ(note->reasons[0],
            "depthwise conv: each of its 144 groups is a GEMM of its own (K = 9, M = 1, N = 1024) and a fold holds one "
            "group, so at most 9 of the 256 PEs hold work");
  EXPECT_EQ(note->reasons[1], "reduction K = 9 fills 9 of the 16 rows");
  EXPECT_EQ(note->reasons[2], "output channels M = 1 fills 1 of the 16 columns");
  // Every depthwise layer is explained as one, in summary.json too.
  std::set<std::string> depthwise, explained;
  for (const workloads::Layer& layer : report_->workload.layers) {
    if (layer.type == workloads::LayerType::conv && layer.groups > 1) depthwise.insert(layer.name);
  }
  EXPECT_EQ(depthwise.size(), 17u);
  for (const nlohmann::json& n : (*summary_)["low_utilization"]) {
    if (n["reasons"][0].get<std::string>().starts_with("depthwise conv: ")) explained.insert(n["layer"].get<std::string>());
  }
  EXPECT_EQ(explained, depthwise);
  // stdout names it among the three with the most cycles.
  EXPECT_NE(summary_text(*report_).find(fmt::format("  stage2.block1.dw {} ({} of cycles): depthwise conv: each of its 144 groups",
                                                    percent(note->utilization), percent(note->cycle_share))),
            std::string::npos)
      << summary_text(*report_);
  // The rendered page: the explanation, the mapping and the layer's type.
  const auto low = dom_table(*dom_, "low-utilization");
  const std::vector<std::string> row = row_starting(low, {"7", "stage2.block1.dw"});
  ASSERT_EQ(row.size(), 6u);
  EXPECT_EQ(row[2], percent(note->utilization));
  EXPECT_EQ(row[4], "3.5%");
  EXPECT_EQ(row[5],
            "depthwise conv: each of its 144 groups is a GEMM of its own (K = 9, M = 1, N = 1024) and a fold holds one "
            "group, so at most 9 of the 256 PEs hold work; reduction K = 9 fills 9 of the 16 rows; output channels M = 1 "
            "fills 1 of the 16 columns");
  EXPECT_EQ(row_starting(dom_table(*dom_, "mapping"), {"7"}),
            (std::vector<std::string>{"7", "stage2.block1.dw", "9 x 1 x 1024", "144", "1 x 32", "weights_outer", "144",
                                      "144", "1", "1.0", "16"}));
  EXPECT_EQ(row_starting(dom_table(*dom_, "layer-table"), {"7"}).at(2), "dwconv 3x3");
  EXPECT_EQ(stats.steps, 144);
  EXPECT_EQ(stats.folds, 144);
}

}  // namespace
}  // namespace nce::reports
