#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::workloads {
namespace {

class ZooRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooRoundTrip, YamlRoundTripsExactly) {
  const Workload original = zoo::make(GetParam());
  const std::string text = workload_to_yaml(original);
  const Workload back = workload_from_yaml(text, "roundtrip.yaml");
  EXPECT_EQ(back, original);
  EXPECT_EQ(workload_to_yaml(back), text);
}

INSTANTIATE_TEST_SUITE_P(AllModels, ZooRoundTrip, ::testing::ValuesIn(zoo::names()), [](const auto& case_info) {
  std::string name = case_info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

TEST(WorkloadFile, ChangedChannelsAndOddFieldsRoundTrip) {
  Workload w = zoo::make("resnet20");
  w.set_out_channels("stage3.block1.conv_a", 76);
  w.layer("stage3.block1.conv_a").groups = 4;
  w.layer("fc").precision = {4, 3};
  EXPECT_EQ(workload_from_yaml(workload_to_yaml(w), "x.yaml"), w);

  // A non-square kernel on a layer that reads an explicit input tensor.
  Layer strip;
  strip.name = "strip";
  strip.out_channels = 5;
  strip.kernel_h = 3;
  strip.kernel_w = 1;
  strip.input_shape = TensorShape{2, 9, 4};
  Workload odd{"odd", {2, 9, 4}, {strip}};
  EXPECT_EQ(workload_from_yaml(workload_to_yaml(odd), "odd.yaml"), odd);
}

TEST(WorkloadFile, WritesAndReadsFilesAtomically) {
  const auto dir = std::filesystem::temp_directory_path() / "nce_workload_file_test";
  std::filesystem::create_directories(dir);
  const Workload w = zoo::make("vgg16-fmnist");
  write_workload_file(w, dir / "vgg.yaml");
  EXPECT_FALSE(std::filesystem::exists(dir / "vgg.yaml.partial"));
  EXPECT_EQ(read_workload_file(dir / "vgg.yaml"), w);
  EXPECT_EQ(load_workload((dir / "vgg.yaml").string()), w);
  std::filesystem::remove_all(dir);
}

std::string error_of(const std::string& yaml) {
  try {
    workload_from_yaml(yaml, "bad.yaml");
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(WorkloadFile, MalformedYamlNamesFileLineAndField) {
  const std::string head = "format: nce-workload/1\nname: t\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n";
  EXPECT_EQ(error_of(head + "  - {name: c, type: conv, out_channels: -4, kernel: 3}\n"),
            "bad.yaml:5: field 'out_channels': must be at least 1, got -4");
  EXPECT_EQ(error_of(head + "  - {name: c, type: conv, out_channels: many, kernel: 3}\n"),
            "bad.yaml:5: field 'out_channels': expected an integer, got 'many'");
  EXPECT_EQ(error_of(head + "  - {name: c, type: conv, out_channels: 4}\n"), "bad.yaml:5: field 'kernel': missing");
  EXPECT_EQ(error_of(head + "  - {name: c, type: conv, out_channels: 4, kernel: 3, colour: red}\n"),
            "bad.yaml:5: field 'colour': not a field of a conv layer");
  EXPECT_EQ(error_of(head + "  - {name: c, type: deconv}\n"),
            "bad.yaml:5: field 'type': unknown layer type 'deconv' (expected conv, fc, pool or add)");
  EXPECT_EQ(error_of(head + "  - {name: c, type: conv, out_channels: 4, kernel: 9}\n"),
            "bad.yaml: layer 'c': kernel: 9 is larger than the padded input (8 + 2*0)");
  EXPECT_EQ(error_of(""), "bad.yaml: empty workload file");
  EXPECT_EQ(error_of("format: something-else\n"), "bad.yaml:1: field 'format': expected 'nce-workload/1', got 'something-else'");
  EXPECT_NE(error_of("layers: [ {name: c\n").find("bad.yaml:"), std::string::npos);
}

TEST(WorkloadFile, MissingFileAndUnknownNameAreInputErrors) {
  EXPECT_THROW(read_workload_file("/nonexistent/net.yaml"), core::InputError);
  EXPECT_THROW(load_workload("no-such-model"), core::InputError);
}

}  // namespace
}  // namespace nce::workloads
