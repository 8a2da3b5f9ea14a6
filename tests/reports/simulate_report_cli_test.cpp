// `nce simulate` end to end, for the report sections of issue 17: the built program names its
// configuration after the command line's overrides (stdout, summary.json, report.html), prints the
// split by precision and the efficiency line, writes the SCALE-Sim files, and lists the pool/add
// rows only with --all-layers. simulation_report_test.cpp checks the same sections' values in depth.
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace {

using nce::testing::Result;
using nce::testing::slurp;

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / ("nce_simulate_report_cli_" + std::to_string(::getpid()));

Result simulate(const std::string& args) { return nce::testing::run_nce("simulate " + args, kDir); }

std::string line(const std::string& text, const std::string& prefix) {
  const std::size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "(no line '" + prefix + "')";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

class SimulateReportCli : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
};

TEST_F(SimulateReportCli, OverriddenConfigurationIsNamedAfterTheOverrides) {
  const fs::path out = kDir / "os";
  const Result r = simulate("--workload resnet20 --array 32x32 --dataflow os --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(line(r.out, "configuration: "),
            "configuration: default-16x16 + array 32x32, dataflow os (32x32 os, 16-bit accumulators, 500 MHz; SRAM "
            "ifmap 64 KiB/64-bit words, weight 64 KiB/64-bit, ofmap 64 KiB/1024-bit x2 ports; DRAM 8 B/cycle, 100 "
            "cycles latency; energy horowitz45)");
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["config"], "default-16x16 + array 32x32, dataflow os");
  EXPECT_EQ(summary["overrides"], (nlohmann::json{"array.rows=32", "array.cols=32", "array.dataflow=os"}));
  EXPECT_EQ(summary["configuration"]["pes"], 1024);
  const std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("configuration default-16x16 + array 32x32, dataflow os, energy preset horowitz45"), std::string::npos);
  EXPECT_EQ(html.find("configuration default-16x16,"), std::string::npos);

  // The split by precision as printed: the shares of summary.json, W8A8 and W2A2 only.
  std::string expected = "by precision: ";
  for (const nlohmann::json& p : summary["by_precision"]) {
    if (p["precision"] == "-") continue;
    expected += fmt::format("{}{} ({} layers) {:.1f}% of cycles, {:.1f}% of energy", expected.size() > 14 ? "; " : "",
                            p["precision"].get<std::string>(), p["layers"].get<int>(),
                            100 * p["cycle_share"].get<double>(), 100 * p["energy_share"].get<double>());
  }
  EXPECT_EQ(line(r.out, "by precision: "), expected);
  EXPECT_NE(expected.find("W8A8 (4 layers)"), std::string::npos);
  EXPECT_NE(expected.find("W2A2 (18 layers)"), std::string::npos);
  const nlohmann::json& e = summary["efficiency"];
  EXPECT_EQ(line(r.out, "efficiency: "),
            fmt::format("efficiency: 1024 PEs, area {:.4f} mm2 (PEs {:.4f}, SRAM {:.4f}), {:.3f} pJ/MAC, {:.3f} TOPS/W, "
                        "{:.1f} inferences/s",
                        e["area_mm2"].get<double>(), e["area_pe_mm2"].get<double>(), e["area_sram_mm2"].get<double>(),
                        summary["total_energy_pj"].get<double>() / 40'813'184.0,
                        2.0 * 40'813'184.0 / summary["total_energy_pj"].get<double>(), e["inferences_per_s"].get<double>()));
  for (const char* file : {"layers.csv", "summary.json", "report.html", "report.md", "COMPUTE_REPORT.csv",
                           "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  EXPECT_NE(r.out.find("BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("pool/add"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(out / "report.md").find("| stage1.block0.add |"), std::string::npos);
  // report.html: the 10 pool/add rows of the layer table are marked to stay hidden until asked.
  const std::string marked = "<tr class=\"optional\"";
  std::size_t hidden = 0;
  for (std::size_t at = html.find(marked); at != std::string::npos; at = html.find(marked, at + 1)) ++hidden;
  EXPECT_EQ(hidden, 10u);
}

TEST_F(SimulateReportCli, AllLayersListsThePoolAndAddRows) {
  const fs::path out = kDir / "all";
  const Result r = simulate("--workload resnet20 --array 32x32 --dataflow os --set dram.bytes_per_cycle=4 --all-layers --out " +
                            out.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(line(r.out, "configuration: ")
                  .starts_with("configuration: default-16x16 + array 32x32, dataflow os, dram.bytes_per_cycle=4 (32x32 os,"))
      << r.out;
  EXPECT_NE(line(r.out, "configuration: ").find("; DRAM 4 B/cycle, 100 cycles latency;"), std::string::npos) << r.out;
  EXPECT_NE(line(r.out, "by precision: ").find("; pool/add (10 layers) 0.0% of cycles, 0.0% of energy"), std::string::npos)
      << r.out;
  const std::string md = slurp(out / "report.md");
  EXPECT_NE(md.find("| stage1.block0.add |"), std::string::npos);
  EXPECT_NE(md.find("| pool |"), std::string::npos);
  EXPECT_EQ(slurp(out / "report.html").find("<tr class=\"optional\""), std::string::npos);  // every row shown
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["config"], "default-16x16 + array 32x32, dataflow os, dram.bytes_per_cycle=4");
  EXPECT_EQ(summary["configuration"]["dram"]["bytes_per_cycle"], 4.0);
}

}  // namespace
