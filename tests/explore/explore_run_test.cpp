// A killed `nce explore` loses no finished point (SIGKILL mid-run, rerun: every point exactly
// once, the lines written before the kill kept as they were), and report.html as headless
// Chromium renders it: the fronts' points, the best point, one table row per point.
#include <gtest/gtest.h>
#include <unistd.h>
#include <signal.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "cli_support.hpp"

namespace nce::explore::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / fmt::format("nce_explore_run_{}", ::getpid());

class ExploreRun : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
};

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(ExploreRun, AKilledRunLosesNoFinishedPoint) {
  // 1,500 ResNet50 points on one thread: about two seconds, killed after its first writes.
  const fs::path out = kDir / "killed";
  const std::string args = fmt::format(
      "explore --workload resnet50 --array 8x8,16x16,32x32,16x32,32x16 --dataflow ws,os,is --set "
      "buffers.ifmap.capacity_kib=32,64,128,256 --widths 0.5:2.0:0.0625 --threads 1 --out {}",
      out.string());
  fs::create_directories(kDir);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string command = fmt::format("exec {} {} > {} 2>&1", NCE_BINARY, args, (kDir / "first.log").string());
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait for some finished points, then kill without warning.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(out / "points.jsonl") && lines_of(slurp(out / "points.jsonl")).size() >= 30) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed: " << slurp(kDir / "first.log");
  // SIGKILL can land inside the append of a batch of lines (the kernel stops a write between
  // pages), leaving a torn last line: the rerun drops it, so only complete lines count.
  const std::string written = slurp(out / "points.jsonl");
  const std::string before = written.substr(0, written.rfind('\n') + 1);
  std::size_t finished_before = 0;
  {
    std::set<std::string> keys;
    for (const std::string& line : lines_of(before)) keys.insert(nlohmann::json::parse(line).at("key").get<std::string>());
    finished_before = keys.size();
  }
  const std::size_t total = 1 * 5 * 3 * 4 * 25;
  ASSERT_GE(finished_before, 30u);
  ASSERT_LT(finished_before, total);

  const Result rerun = run_explore(args.substr(std::string("explore ").size()), kDir / "io");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find(fmt::format("{} finished before, {} to evaluate", finished_before, total - finished_before)),
            std::string::npos)
      << rerun.err;
  const std::string after = slurp(out / "points.jsonl");
  EXPECT_EQ(after.substr(0, before.size()), before);  // finished lines kept, byte for byte
  EXPECT_EQ(rerun.err.find("dropped a torn last line") != std::string::npos, written.size() != before.size()) << rerun.err;
  const std::vector<nlohmann::json> all = records(out / "points.jsonl");
  EXPECT_EQ(all.size(), total);                 // no duplicates
  EXPECT_EQ(keys_of(all).size(), total);        // every point
  EXPECT_EQ(lines_of(slurp(out / "points.csv")).size(), total + 1);
}

TEST_F(ExploreRun, ATornLastLineIsDroppedAndItsPointEvaluatedAgain) {
  // What a kill inside an append leaves: a complete run whose last line is cut mid-record.
  const fs::path out = kDir / "torn";
  const std::string args = fmt::format("--workload resnet20 --array 8x8,16x16 --dataflow ws,os --out {}", out.string());
  const Result first = run_explore(args, kDir / "io");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string complete = slurp(out / "points.jsonl");
  ASSERT_EQ(lines_of(complete).size(), 4u);
  const std::size_t last_line = complete.rfind('\n', complete.size() - 2) + 1;
  {
    std::ofstream torn(out / "points.jsonl", std::ios::binary | std::ios::trunc);
    torn << complete.substr(0, last_line + (complete.size() - last_line) / 2);
  }
  const Result rerun = run_explore(args, kDir / "io");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("dropped a torn last line"), std::string::npos) << rerun.err;
  EXPECT_NE(rerun.err.find("3 finished before, 1 to evaluate"), std::string::npos) << rerun.err;
  const std::string after = slurp(out / "points.jsonl");
  EXPECT_EQ(after.substr(0, last_line), complete.substr(0, last_line));  // complete lines kept as they were
  // The point evaluated again: the same record but for its measured wall time.
  auto without_time = [](const std::string& line) {
    nlohmann::json record = nlohmann::json::parse(line);
    record.erase("seconds");
    return record;
  };
  ASSERT_EQ(lines_of(after).size(), 4u);
  EXPECT_EQ(without_time(lines_of(after).back()), without_time(lines_of(complete).back()));
}

TEST_F(ExploreRun, ReportRendersInChromiumWithTheFrontsAndTheBestPoint) {
  const fs::path out = kDir / "report";
  const Result r = run_explore(fmt::format("--workload resnet20,resnet32 --array 8x8,16x16,32x32 --dataflow ws,os "
                                       "--widths 0.5,1,1.5 --constraint 'area_mm2<=1.0' --pareto cycles,energy,area --pareto cycles,energy "
                                       "--out {}",
                                       out.string()),
                           kDir / "io");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json json = nlohmann::json::parse(slurp(out / "points.json"));
  // Two fronts per workload: cycles x energy x area and cycles x energy.
  std::size_t drawn_front_points = 0;
  for (const nlohmann::json& f : json.at("fronts")) {
    const std::size_t objectives = f.at("objectives").size();
    drawn_front_points += f.at("indices").size() * (objectives == 3 ? 3 : 1);  // one plot per pair of objectives
  }
  const fs::path chromium = "/usr/bin/chromium";
  ASSERT_TRUE(fs::exists(chromium)) << "install Debian's chromium (scripts/debian-packages.txt)";
  const fs::path dom = kDir / "dom.html";
  const std::string command =
      fmt::format("timeout 120 {} --headless --no-sandbox --disable-gpu --disable-background-networking "
                  "--disable-component-update --disable-sync --no-first-run --user-data-dir={} --dump-dom file://{} > {} "
                  "2>/dev/null",
                  chromium.string(), (kDir / "profile").string(), (out / "report.html").string(), dom.string());
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const std::string html = slurp(dom);
  EXPECT_EQ(count(html, "<svg"), 2u * (3 + 1));  // per workload: 3 projections + 1 pair
  EXPECT_EQ(count(html, "class=\"front-point\""), drawn_front_points);
  EXPECT_EQ(count(html, "class=\"front-line\""), 2u);  // the two-metric fronts' staircases
  EXPECT_EQ(count(html, "<title>#"), 2u * 18 * (3 + 1));  // every point of every plot has hover text
  EXPECT_NE(html.find("resnet20: energy_pj vs cycles"), std::string::npos);
  EXPECT_NE(html.find("energy_pj (uJ)"), std::string::npos);  // axes with units
  // The sortable table: one row per point.
  const std::size_t table = html.find("<div class=\"sortable\" id=\"points\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_EQ(count(html.substr(table), "<tr style=\"--k0:"), 36u);
  // The best point per workload under the constraint, as points.json names it.
  for (const nlohmann::json& best : json.at("best")) {
    ASSERT_FALSE(best.at("index").is_null());
    const nlohmann::json& p = json.at("points").at(best.at("index").get<std::size_t>());
    EXPECT_LE(p.at("metrics").at("area_mm2").get<double>(), 1.0);
    EXPECT_NE(html.find(fmt::format("#{} {}", p.at("index").get<int>(), p.at("workload").get<std::string>())),
              std::string::npos);
  }
}

}  // namespace
}  // namespace nce::explore::testing
