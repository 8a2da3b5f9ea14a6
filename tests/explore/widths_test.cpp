// Width patterns: uniform and per-stage multipliers of the searchable layers, stage names, the
// errors for widths below one channel and patterns that do not fit; and the grid's plan.
#include <gtest/gtest.h>

#include "nce/core/input_error.hpp"
#include "nce/explore/constraint.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/widths.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::explore {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "";
}

TEST(Widths, StagesFromLayerNames) {
  EXPECT_EQ(stage_of("stage2.block0.conv_a"), 2);
  EXPECT_EQ(stage_of("layer4.2.conv_c"), 4);
  EXPECT_EQ(stage_of("conv1"), 0);
  EXPECT_EQ(stage_of("stagex.conv"), 0);
  EXPECT_EQ(stage_count(workloads::zoo::make("resnet20")), 3);
  EXPECT_EQ(stage_count(workloads::zoo::make("resnet50")), 4);
  EXPECT_EQ(stage_count(workloads::zoo::make("vgg16")), 0);
}

TEST(Widths, UniformMultipliersRoundEverySearchableLayer) {
  const workloads::Workload base = workloads::zoo::make("resnet20");
  const std::map<std::string, int> w = pattern_widths(base, {WidthPattern::Kind::uniform, 1.25, {}});
  EXPECT_EQ(w.at("stage1.block0.conv_a"), 20);  // 16 x 1.25
  EXPECT_EQ(w.at("stage3.block2.conv_b"), 80);  // 64 x 1.25
  EXPECT_FALSE(w.contains("conv1"));            // W8A8 stem: fixed
  EXPECT_FALSE(w.contains("stage2.block0.shortcut"));
  const workloads::Workload widened = apply_pattern(base, {WidthPattern::Kind::uniform, 1.25, {}});
  EXPECT_EQ(widened.layer("stage2.block1.conv_b").out_channels, 40);
  // The first block's add joins 20 main channels with the stem's 16: a prefix join.
  EXPECT_EQ(widened.layer("stage1.block0.add").join, workloads::Join::prefix);
  EXPECT_NO_THROW(workloads::analyze(widened));
}

TEST(Widths, StagePatternsScaleTheirStage) {
  const workloads::Workload base = workloads::zoo::make("resnet50");
  const std::map<std::string, int> w = pattern_widths(base, {WidthPattern::Kind::stages, 1, {1, 1.5, 2, 0.5}});
  EXPECT_EQ(w.at("layer1.0.conv_a"), 64);
  EXPECT_EQ(w.at("layer2.1.conv_b"), 192);   // 128 x 1.5
  EXPECT_EQ(w.at("layer3.5.conv_c"), 2048);  // 1024 x 2
  EXPECT_EQ(w.at("layer4.2.conv_a"), 256);   // 512 x 0.5
  EXPECT_NO_THROW(workloads::analyze(apply_pattern(base, {WidthPattern::Kind::stages, 1, {1, 1.5, 2, 0.5}})));
}

TEST(Widths, BadPatternsNameTheProblem) {
  const workloads::Workload r20 = workloads::zoo::make("resnet20");
  EXPECT_NE(error_of([&] { pattern_widths(r20, {WidthPattern::Kind::uniform, 0.02, {}}); })
                .find("leaves resnet20 layer stage1.block0.conv_a with 0 channels"),
            std::string::npos);
  EXPECT_NE(error_of([&] { pattern_widths(r20, {WidthPattern::Kind::stages, 1, {1, 2}}); }).find("has 3 stages"),
            std::string::npos);
  EXPECT_NE(error_of([&] { pattern_widths(workloads::zoo::make("vgg16"), {WidthPattern::Kind::stages, 1, {1}}); })
                .find("vgg16 has no stages"),
            std::string::npos);
}

TEST(Plan, GridEnumeratesEveryCombinationWithUniqueKeys) {
  GridSpec spec;
  spec.workloads = {"resnet20"};
  spec.arrays = {{8, 8}, {16, 32}};
  spec.dataflows = {"ws", "os"};
  spec.sets = {{"buffers.ifmap.capacity_kib", {"32", "64", "128"}}};
  spec.widths = {0.5, 1.0};
  const Plan plan = make_plan(spec);
  EXPECT_EQ(plan.points.size(), 2u * 2 * 2 * 3);
  EXPECT_EQ(plan.configs.size(), 2u * 2 * 3);
  EXPECT_EQ(plan.points.front().key, "resnet20|x0.5|8x8|ws|buffers.ifmap.capacity_kib=32|");
  EXPECT_EQ(plan.points.back().key, "resnet20|x1|16x32|os|buffers.ifmap.capacity_kib=128|");
  EXPECT_EQ(plan.configs.back().config.cols, 32);
  EXPECT_EQ(plan.configs.back().config.ifmap.capacity_bytes, 128 * 1024);
  EXPECT_EQ(make_plan(spec).hash, plan.hash);
  spec.sets[0].values.pop_back();
  EXPECT_NE(make_plan(spec).hash, plan.hash);
}

TEST(Plan, SpecJsonRoundTrips) {
  GridSpec spec;
  spec.workloads = {"resnet20", "vgg16"};
  spec.energy = "accelergy45";
  spec.arrays = {{8, 8}, {16, 64}};
  spec.dataflows = {"os"};
  spec.sets = {{"dram.bytes_per_cycle", {"4", "8"}}, {"energy.area.pe_um2", {"124.9"}}};
  spec.widths = {0.5, 1.25};
  spec.stage_widths = {{1, 1.5, 2}};
  spec.networks = {{"resnet20", "runs/a/derived.yaml"}};
  spec.search.enabled = true;
  spec.search.methods = {"nce", "tas"};
  spec.search.targets = {0.5, 1};
  spec.search.train_limit = 64;
  EXPECT_EQ(grid_spec_from_json(to_json(spec), "test"), spec);
  EXPECT_THROW(grid_spec_from_json(nlohmann::json::array(), "test"), core::InputError);
  EXPECT_THROW(grid_spec_from_json({{"arrays", {"8by8"}}}, "test"), core::InputError);
}

TEST(Plan, BadSpecsAreInputErrors) {
  GridSpec empty;
  EXPECT_NE(error_of([&] { make_plan(empty); }).find("empty grid"), std::string::npos);
  GridSpec bad_key;
  bad_key.workloads = {"resnet20"};
  bad_key.sets = {{"buffers.ifmap.capacity_kb", {"32"}}};
  EXPECT_NE(error_of([&] { make_plan(bad_key); }).find("unknown field 'buffers.ifmap.capacity_kb'"), std::string::npos);
  GridSpec twice;
  twice.workloads = {"resnet20"};
  twice.arrays = {{8, 8}, {8, 8}};
  EXPECT_NE(error_of([&] { make_plan(twice); }).find("lists '8x8' twice"), std::string::npos);
  GridSpec search;
  search.workloads = {"resnet20"};
  search.search.enabled = true;
  search.widths = {1.0};
  EXPECT_NE(error_of([&] { make_plan(search); }).find("--search chooses the channel widths"), std::string::npos);
}

TEST(Constraint, ParsesAndChecks) {
  const Constraint c = parse_constraint("area_mm2<=0.5");
  PointRecord r;
  r.metrics["area_mm2"] = 0.5;
  EXPECT_TRUE(c.holds(r));
  r.metrics["area_mm2"] = 0.51;
  EXPECT_FALSE(c.holds(r));
  EXPECT_EQ(parse_constraint("energy > 3e6").metric, "energy_pj");
  EXPECT_NE(error_of([] { parse_constraint("speed<=1"); }).find("names no metric 'speed'"), std::string::npos);
  EXPECT_NE(error_of([] { parse_constraint("<=1"); }).find("expected METRIC OP NUMBER"), std::string::npos);
  EXPECT_NE(error_of([] { parse_constraint("cycles<=lots"); }).find("not a number"), std::string::npos);
}

}  // namespace
}  // namespace nce::explore
