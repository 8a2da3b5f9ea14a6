// The training loop: learns a separable toy task, writes its run files, and a run interrupted
// after one epoch and resumed ends with exactly the weights of an uninterrupted run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fmt/format.h>
#include <omp.h>

#include <filesystem>
#include <fstream>

#include "nce/core/input_error.hpp"
#include "nce/train/trainer.hpp"
#include "tiny_resnet.hpp"

namespace nce::train {
namespace {

namespace fs = std::filesystem;

// Class k: a bright 3x3 square at one of 10 positions, on noise.
Dataset toy_data(int count, std::uint64_t seed) {
  Dataset d;
  d.channels = 1;
  d.height = d.width = 8;
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = i % 10;
    d.labels.push_back(label);
    for (int p = 0; p < 64; ++p) {
      const int y = p / 8;
      const int x = p % 8;
      const int cy = (label / 5) * 4 + 1;
      const int cx = (label % 5) + 1;
      const bool on = std::abs(y - cy) <= 1 && std::abs(x - cx) <= 1;
      d.pixels.push_back(std::uint8_t(on ? 200 + rng.below(50) : rng.below(60)));
    }
  }
  return d;
}

TrainConfig config(const fs::path& out) {
  TrainConfig c;
  c.epochs = 3;
  c.batch = 16;
  c.lr = 0.05;
  c.seed = 3;
  c.out = out;
  c.augmentation.enabled = false;  // the toy classes are positions
  return c;
}

fs::path fresh(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nce-trainer-test-" + name);
  fs::remove_all(dir);
  return dir;
}

TEST(Trainer, ResumedRunEndsBitIdenticalToAnUninterruptedOne) {
  const DatasetSplits data{toy_data(64, 1), toy_data(20, 2)};
  const fs::path whole = fresh("whole");
  auto a_owner = testing::tiny_network(2, 11);
  Network& a = *a_owner;
  const TrainResult full = train(a, data, config(whole));
  ASSERT_TRUE(full.finished);

  const fs::path split = fresh("split");
  {
    auto b_owner = testing::tiny_network(2, 11);
  Network& b = *b_owner;
    TrainConfig first = config(split);
    first.stop_after_epoch = 1;  // "interrupted" after the first checkpoint
    EXPECT_FALSE(train(b, data, first).finished);
  }
  auto c_owner = testing::tiny_network(2, 999);
  Network& c = *c_owner;  // different init: everything must come from the checkpoint
  TrainConfig resumed = config(split);
  resumed.resume = true;
  const TrainResult rest = train(c, data, resumed);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(rest.epochs.size(), 2u);

  const auto pa = a.parameters();
  const auto pc = c.parameters();
  ASSERT_EQ(pa.size(), pc.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(pa[i]->value, pc[i]->value) << pa[i]->name;
  const auto ba = a.buffers();
  const auto bc = c.buffers();
  for (std::size_t i = 0; i < ba.size(); ++i) EXPECT_EQ(*ba[i].values, *bc[i].values) << ba[i].name;
  EXPECT_EQ(full.test_accuracy, rest.test_accuracy);

  std::ifstream metrics(split / "metrics.jsonl");
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) {
    EXPECT_EQ(nlohmann::json::parse(line)["epoch"], ++lines);
  }
  EXPECT_EQ(lines, 3);
  EXPECT_TRUE(fs::exists(split / "summary.json"));
  for (const auto& entry : fs::directory_iterator(split)) {
    EXPECT_NE(entry.path().extension(), ".partial") << "temporary file left behind: " << entry.path();
  }
}

TEST(Trainer, TheSameSeedGivesTheSameWeightsAtAnyThreadCount) {
  // docs/ARCHITECTURE.md "Determinism": every reduction runs in a fixed order (per chunk of
  // images, per fixed block), so one thread and two give bit-identical training. Batch 128 on
  // 8x8 images makes the conv layers split into several chunks and the FC into one.
  const DatasetSplits data{toy_data(256, 1), toy_data(20, 2)};
  std::vector<std::vector<float>> weights[2];
  const int before = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    auto net = testing::tiny_network(2, 1);
    TrainConfig c = config(fresh(fmt::format("threads{}", threads)));
    c.batch = 128;
    c.epochs = 2;
    train(*net, data, c);
    for (Parameter* p : net->parameters()) weights[threads - 1].push_back(p->value);
  }
  omp_set_num_threads(before);
  ASSERT_EQ(weights[0].size(), weights[1].size());
  for (std::size_t i = 0; i < weights[0].size(); ++i) EXPECT_EQ(weights[0][i], weights[1][i]) << "parameter " << i;
}

TEST(Trainer, LearnsASeparableTaskAndReportsIt) {
  const DatasetSplits data{toy_data(160, 1), toy_data(50, 2)};
  const fs::path out = fresh("learn");
  auto net_owner = testing::tiny_network(32, 4);
  Network& net = *net_owner;
  TrainConfig c = config(out);
  c.epochs = 6;
  const TrainResult result = train(net, data, c);
  EXPECT_GT(result.test_accuracy, 0.8);  // chance is 0.1
  const nlohmann::json summary = nlohmann::json::parse(std::ifstream(out / "summary.json"));
  EXPECT_DOUBLE_EQ(summary["test_accuracy"].get<double>(), result.test_accuracy);
  EXPECT_EQ(summary["epochs"], 6);
}

TEST(Trainer, ResumeRefusesACheckpointOfADifferentRun) {
  const DatasetSplits data{toy_data(32, 1), toy_data(10, 2)};
  const fs::path out = fresh("mismatch");
  {
    auto net = testing::tiny_network(2, 1);
    TrainConfig c = config(out);
    c.epochs = 1;
    train(*net, data, c);
  }
  auto net = testing::tiny_network(2, 1);
  TrainConfig c = config(out);
  c.resume = true;
  c.batch = 8;  // a different batch changes the data order: not a continuation
  try {
    train(*net, data, c);
    FAIL();
  } catch (const std::exception& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("checkpoint.bin"), std::string::npos) << message;
    EXPECT_NE(message.find("batch 16, this run has 8"), std::string::npos) << message;
  }
}

TEST(Trainer, ResumeRefusesATruncatedOrCorruptedCheckpoint) {
  const DatasetSplits data{toy_data(32, 1), toy_data(10, 2)};
  const fs::path out = fresh("corrupt");
  {
    auto net = testing::tiny_network(2, 1);
    TrainConfig c = config(out);
    c.epochs = 1;
    train(*net, data, c);
  }
  const fs::path file = out / "checkpoint.bin";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto expect_refused = [&](const std::string& content, const char* what) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    auto net = testing::tiny_network(2, 1);
    TrainConfig c = config(out);
    c.resume = true;
    try {
      train(*net, data, c);
      FAIL() << what;
    } catch (const core::InputError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("checkpoint.bin"), std::string::npos) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  };
  expect_refused(bytes.substr(0, bytes.size() / 2), "truncated");
  std::string flipped = bytes;
  flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x10);
  expect_refused(flipped, "checksum");
}

TEST(Trainer, ResumeWithoutCheckpointNamesTheFile) {
  const DatasetSplits data{toy_data(20, 1), toy_data(10, 2)};
  const fs::path out = fresh("nockpt");
  auto net_owner = testing::tiny_network(2, 1);
  Network& net = *net_owner;
  TrainConfig c = config(out);
  c.resume = true;
  try {
    train(net, data, c);
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace nce::train
