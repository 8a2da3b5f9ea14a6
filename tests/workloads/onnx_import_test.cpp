// ONNX import: the checked-in fixtures (tests/workloads/onnx/, exported by export_fixtures.py
// with PyTorch) import with the zoo's totals, and every refusal is one line naming the node.
// Small graphs built here with ONNX's own protobuf classes reach the error paths.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>

#include "nce/core/input_error.hpp"
#include "nce/workloads/onnx_import.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::workloads {
namespace {

const std::filesystem::path kFixtures = std::filesystem::path(NCE_SOURCE_DIR) / "tests/workloads/onnx";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const core::InputError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(OnnxImport, ResNet20EqualsTheZooModel) {
  const Workload imported = import_onnx(kFixtures / "resnet20.onnx");
  // Layer for layer: names (PyTorch module paths), wiring, shapes, BN/ReLU/bias flags, precision.
  EXPECT_EQ(imported, zoo::make("resnet20"));
  const WorkloadTotals sum = totals(analyze(imported));
  EXPECT_EQ(sum.macs, 40'813'184);
  EXPECT_EQ(sum.params, 272'474);
}

TEST(OnnxImport, LoadWorkloadReadsOnnxFiles) {
  EXPECT_EQ(load_workload((kFixtures / "resnet20.onnx").string()), zoo::make("resnet20"));
}

// MobileNetV2-style: stem, a residual inverted block (expand 16 -> 96, depthwise 3x3, linear
// project 96 -> 16, add), a stride-2 block to 24 channels, global pooling, Reshape, Gemm.
// MACs: stem 27*16*1024 = 442,368; block0 (16*96 + 9*96 + 96*16)*1024 = 4,030,464; block1
// 16*96*1024 + 9*96*256 + 96*24*256 = 2,383,872; fc 240: 6,856,944, PyTorch's count too.
TEST(OnnxImport, MobileNetV2BlockKeepsDepthwiseGroupsAndFoldsBnAndClip) {
  const Workload w = import_onnx(kFixtures / "mbv2_block.onnx");
  const WorkloadTotals sum = totals(analyze(w));
  EXPECT_EQ(sum.macs, 6'856'944);  // export_fixtures.py --counts mbv2_block
  EXPECT_EQ(sum.params, 10'202);
  ASSERT_EQ(w.layers.size(), 10u);
  EXPECT_EQ(w.input, (TensorShape{3, 32, 32}));

  const Layer& dw = w.layer("block0.dw");
  EXPECT_EQ(dw.groups, 96);
  EXPECT_EQ(dw.out_channels, 96);
  EXPECT_EQ(dw.kernel_h, 3);
  EXPECT_EQ(dw.padding, 1);
  EXPECT_TRUE(dw.batch_norm);
  EXPECT_TRUE(dw.relu);  // ReLU6 exports as Relu + Clip(0, 6)
  EXPECT_EQ(w.layer("block1.dw").stride, 2);
  EXPECT_FALSE(w.layer("block0.project").relu);  // linear bottleneck
  EXPECT_TRUE(w.layer("block0.project").batch_norm);
  const Layer& add = w.layer("block0.add");
  EXPECT_EQ(add.type, LayerType::add);
  EXPECT_EQ(add.inputs, (std::vector<std::string>{"block0.project", "stem"}));
  EXPECT_FALSE(add.relu);
  const Layer& fc = w.layer("fc");
  EXPECT_EQ(fc.type, LayerType::fc);
  EXPECT_EQ(fc.inputs, (std::vector<std::string>{"pool"}));  // through the Reshape
  EXPECT_TRUE(fc.bias);
  EXPECT_EQ(w.layer("pool").pool, PoolType::global_avg);
  // Default precision: stem and classifier W8A8, the rest W2A2; depthwise convs and the
  // expansions feeding them are not searchable.
  EXPECT_EQ(w.layer("stem").precision, (Precision{8, 8}));
  EXPECT_EQ(fc.precision, (Precision{8, 8}));
  EXPECT_EQ(dw.precision, (Precision{2, 2}));
  EXPECT_FALSE(dw.searchable);
  EXPECT_FALSE(w.layer("block0.expand").searchable);
  EXPECT_TRUE(w.layer("block0.project").searchable);
}

TEST(OnnxImport, UnsupportedOpIsOneLineNamingNodeAndOp) {
  const std::string error = error_of([] { import_onnx(kFixtures / "unsupported_op.onnx"); });
  EXPECT_NE(error.find("unsupported_op.onnx: node '/gate/Sigmoid' (op Sigmoid) is not supported (nce imports Conv,"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

// ---------------------------------------------------------------- hand-built graphs

class Graph {
 public:
  Graph() {
    model_.set_ir_version(8);
    model_.add_opset_import()->set_version(13);
    onnx::ValueInfoProto* input = model_.mutable_graph()->add_input();
    input->set_name("x");
    auto* shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    input->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    for (int d : {1, 4, 8, 8}) shape->add_dim()->set_dim_value(d);
  }
  void initializer(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> values = {}) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    std::int64_t count = 1;
    for (std::int64_t d : dims) {
      t->add_dims(d);
      count *= d;
    }
    for (std::int64_t i = 0; i < count; ++i) t->add_float_data(i < std::int64_t(values.size()) ? values[std::size_t(i)] : 0.f);
  }
  void int_initializer(const std::string& name, std::vector<std::int64_t> values) {
    onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    t->add_dims(std::int64_t(values.size()));
    for (std::int64_t v : values) t->add_int64_data(v);
  }
  onnx::NodeProto& node(const std::string& op, const std::string& name, std::vector<std::string> inputs, const std::string& output) {
    onnx::NodeProto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return *n;
  }
  static void ints(onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> values) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (std::int64_t v : values) a->add_ints(v);
  }
  // conv "c" 4 -> 4 channels, 3x3, optional pads.
  onnx::NodeProto& conv(const std::string& input, const std::string& output, std::vector<std::int64_t> pads = {1, 1, 1, 1}) {
    initializer(output + ".weight", {4, 4, 3, 3});
    onnx::NodeProto& n = node("Conv", "/" + output + "/Conv", {input, output + ".weight"}, output);
    ints(n, "pads", std::move(pads));
    return n;
  }
  Workload import() const { return onnx_to_workload(model_.SerializeAsString(), "g.onnx", "g"); }

 private:
  onnx::ModelProto model_;
};

TEST(OnnxImport, HandBuiltGraphImports) {
  Graph g;
  g.conv("x", "c1");
  g.node("Relu", "/c1/Relu", {"c1"}, "r1");
  g.conv("r1", "c2");
  g.node("Add", "/join/Add", {"c2", "r1"}, "a");
  Graph::ints(g.node("MaxPool", "/pool/MaxPool", {"a"}, "p"), "kernel_shape", {2, 2});
  g.node("Flatten", "/Flatten", {"p"}, "f");
  g.initializer("fc.weight", {4 * 7 * 7, 10});
  g.node("MatMul", "/fc/MatMul", {"f", "fc.weight"}, "m");
  g.initializer("fc.bias", {10});
  g.node("Add", "/fc/Add", {"m", "fc.bias"}, "y");
  const Workload w = g.import();
  ASSERT_EQ(w.layers.size(), 5u);
  EXPECT_EQ(w.layer("join").inputs, (std::vector<std::string>{"c2", "c1"}));
  EXPECT_TRUE(w.layer("c1").relu);
  EXPECT_EQ(w.layer("pool").kernel_h, 2);
  EXPECT_EQ(w.layer("pool").stride, 1);
  EXPECT_TRUE(w.layer("fc").bias);  // MatMul + Add of a constant
  EXPECT_EQ(analyze(w).back().gemm, (GemmDims{4 * 7 * 7, 10, 1, 1}));
}

TEST(OnnxImport, RefusalsAreOneLineNamingTheNode) {
  struct Case {
    const char* expected;
    std::function<void(Graph&)> build;
  };
  const std::vector<Case> cases = {
      {"node '/c1/Conv' (op Conv): pads [0, 0, 1, 1]: nce layers pad all four sides equally",
       [](Graph& g) { g.conv("x", "c1", {0, 0, 1, 1}); }},
      {"node '/c1/Conv' (op Conv): strides [1, 2]: nce layers have one stride for both axes",
       [](Graph& g) { Graph::ints(g.conv("x", "c1"), "strides", {1, 2}); }},
      {"node '/bn' (op BatchNormalization): BatchNormalization after a ReLU or another BatchNormalization cannot be folded",
       [](Graph& g) {
         g.conv("x", "c1");
         g.node("Relu", "/r", {"c1"}, "r");
         for (const char* p : {"g", "b", "m", "v"}) g.initializer(p, {4});
         g.node("BatchNormalization", "/bn", {"r", "g", "b", "m", "v"}, "y");
       }},
      {"node '/c' (op Clip): a Clip imports as a ReLU only with min = 0",
       [](Graph& g) {
         g.conv("x", "c1");
         g.initializer("lo", {}, {-1.f});
         g.node("Clip", "/c", {"c1", "lo"}, "y");
       }},
      {"node '/r' (op Reshape): reshapes to [1, 16, 16]",
       [](Graph& g) {
         g.conv("x", "c1");
         g.int_initializer("shape", {1, 16, 16});
         g.node("Reshape", "/r", {"c1", "shape"}, "y");
       }},
      {"node '/c2/Conv' (op Conv): its input comes from a Flatten/Reshape",
       [](Graph& g) {
         g.conv("x", "c1");
         g.node("Flatten", "/f", {"c1"}, "f");
         g.conv("f", "c2");
       }},
      {"node '/r' (op Relu): the output of 'c1' is also used before the ReLU",
       [](Graph& g) {
         g.conv("x", "c1");
         g.node("Relu", "/r", {"c1"}, "r");
         g.node("Add", "/a", {"c1", "r"}, "y");
       }},
      {"node '/s' (op Softmax) is not supported", [](Graph& g) { g.node("Softmax", "/s", {"x"}, "y"); }},
  };
  for (const Case& c : cases) {
    Graph g;
    c.build(g);
    const std::string error = error_of([&] { g.import(); });
    EXPECT_NE(error.find(std::string("g.onnx: ") + c.expected), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
  EXPECT_NE(error_of([] { onnx_to_workload("not a protobuf", "junk.onnx", "junk"); }).find("junk.onnx: not an ONNX model"),
            std::string::npos);
  EXPECT_NE(error_of([] { import_onnx("/nonexistent.onnx"); }).find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace nce::workloads
