// `mpirun --oversubscribe -np 3 nce explore --search ...` on a tiny grid with a tiny budget:
// rank 0 hands out the points, every rank (rank 0 on a thread of its own) searches and retrains; every point appears exactly
// once in points.jsonl, with an accuracy. One rank runs everything and says so; bad input under
// mpirun is reported once. (Running as root needs OMPI_ALLOW_RUN_AS_ROOT*: ctest sets them.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cli_support.hpp"

namespace nce::explore::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / fmt::format("nce_explore_mpi_{}", ::getpid());
const std::string kBudget =
    "--search --workload resnet20 --train-limit 64 --test-limit 32 --batch 32 --warmup-epochs 0 --search-epochs 1 "
    "--retrain-epochs 1 --arch-lr 0.01 --threads 1";

class ExploreMpi : public ::testing::Test {
 protected:
  void TearDown() override { fs::remove_all(kDir); }
};

TEST_F(ExploreMpi, ThreeRanksEvaluateEverySearchPointExactlyOnce) {
  const fs::path out = kDir / "mpi";
  const Result r = run_explore(kBudget + " --array 8x8,16x16 --dataflow ws,os --out " + out.string(), kDir / "io",
                           "mpirun --oversubscribe -np 3");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const std::vector<nlohmann::json> log = records(out / "points.jsonl");
  EXPECT_EQ(log.size(), 4u);
  const std::set<std::string> expected = {"resnet20-fmnist|searched|8x8|ws||nce latency r=1",
                                          "resnet20-fmnist|searched|8x8|os||nce latency r=1",
                                          "resnet20-fmnist|searched|16x16|ws||nce latency r=1",
                                          "resnet20-fmnist|searched|16x16|os||nce latency r=1"};
  EXPECT_EQ(keys_of(log), expected);
  std::set<int> ranks;
  for (const nlohmann::json& record : log) {
    ASSERT_TRUE(record.at("feasible").get<bool>()) << record.dump();
    const double accuracy = record.at("metrics").at("accuracy");
    EXPECT_GE(accuracy, 0.0);
    EXPECT_LE(accuracy, 1.0);
    EXPECT_GT(record.at("metrics").at("cycles").get<double>(), 0);
    EXPECT_TRUE(fs::exists(out / record.at("network_file").get<std::string>()));
    ranks.insert(record.at("rank").get<int>());
  }
  for (int rank : ranks) EXPECT_TRUE(rank >= 0 && rank < 3) << rank;  // rank 0 coordinates and evaluates too
  EXPECT_NE(r.err.find("on 3 MPI ranks"), std::string::npos) << r.err;
  // Points carry accuracy: the accuracy x cycles front is there too.
  const nlohmann::json json = nlohmann::json::parse(slurp(out / "points.json"));
  ASSERT_EQ(json.at("fronts").size(), 2u);
  EXPECT_EQ(json.at("fronts").at(1).at("objectives"), nlohmann::json({"accuracy", "cycles"}));
  // A rerun under MPI skips every finished point.
  const Result again = run_explore(kBudget + " --array 8x8,16x16 --dataflow ws,os --out " + out.string(), kDir / "io",
                               "mpirun --oversubscribe -np 3");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("4 finished before, 0 to evaluate"), std::string::npos) << again.err;
  EXPECT_EQ(records(out / "points.jsonl").size(), 4u);
  // Another spec in that directory: refused by rank 0 after MPI started, every rank stops.
  const Result refused =
      run_explore(kBudget + " --array 8x8 --out " + out.string(), kDir / "io", "mpirun --oversubscribe -np 3");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("nce explore: --out"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("holds the points of another spec"), std::string::npos) << refused.err;
}

TEST_F(ExploreMpi, OneRankRunsEverythingAndSaysSo) {
  const Result r = run_explore(kBudget + " --array 8x8 --dataflow ws --out " + (kDir / "one").string(), kDir / "io",
                           "mpirun --oversubscribe -np 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("one MPI rank: nothing to distribute"), std::string::npos) << r.err;
  EXPECT_EQ(records(kDir / "one" / "points.jsonl").size(), 1u);
}

TEST_F(ExploreMpi, BadInputUnderMpirunIsReportedOnce) {
  const Result r = run_explore(fmt::format("--workload resnet20 --array 0x0 --out {}", (kDir / "bad").string()), kDir / "io",
                           "mpirun --oversubscribe -np 3");
  EXPECT_EQ(r.exit_code, 2);
  std::size_t ours = 0;
  for (const std::string& line : lines_of(r.err)) ours += line.starts_with("nce explore: ") ? 1 : 0;
  EXPECT_EQ(ours, 1u) << r.err;
  EXPECT_FALSE(fs::exists(kDir / "bad"));
}

}  // namespace
}  // namespace nce::explore::testing
