// The report of `nce simulate`: the schema of layers.csv and summary.json, and report.html as a
// browser renders it (headless Chromium): one table row per layer and every chart present.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "nce/reports/simulation_report.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::reports {
namespace {

std::string read(const std::filesystem::path& path) {
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
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("nce_simulation_report_test_" + std::to_string(::getpid())));
    write_simulation_report(*dir_, *report_);
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete report_;
  }
  static SimulationReport* report_;
  static std::filesystem::path* dir_;
};
SimulationReport* SimulationReportTest::report_ = nullptr;
std::filesystem::path* SimulationReportTest::dir_ = nullptr;

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
  const std::filesystem::path chromium = "/usr/bin/chromium";
  ASSERT_TRUE(std::filesystem::exists(chromium)) << "install Debian's chromium (scripts/debian-packages.txt)";
  const std::filesystem::path profile = *dir_ / "chromium-profile";
  const std::filesystem::path dom = *dir_ / "dom.html";
  const std::string command = "timeout 120 " + chromium.string() +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                              profile.string() + " --dump-dom file://" + (*dir_ / "report.html").string() + " > " +
                              dom.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string html = read(dom);
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
  // Four inline SVG charts with drawn bars: utilization, cycle breakdown, energy per layer, total energy.
  EXPECT_EQ(count(html, "<svg"), 4u);
  EXPECT_GT(count(html, "<rect"), 4 * report_->stats.layers.size() / 2);
  for (const char* title : {"PE utilization per layer", "Cycles per layer: compute and stalls by cause",
                            "Energy per layer by component", "Total energy by component"}) {
    EXPECT_NE(html.find(title), std::string::npos) << title;
  }
}

}  // namespace
}  // namespace nce::reports
