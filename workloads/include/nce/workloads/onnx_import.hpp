#pragma once
// ONNX models as workloads (README.md, "Networks in, tables out"). The importer reads the graph's structure and tensor
// shapes (never the weight values) and rebuilds it as our layer graph:
//   Conv (any groups, so depthwise too), Gemm and MatMul with a constant weight (fc),
//   BatchNormalization right after a conv/fc (folded: batch_norm on that layer),
//   Relu and Clip(min 0) (relu on the producing layer), MaxPool, AveragePool, GlobalAveragePool,
//   Add of two activations (an add layer) or of a constant after a conv/fc (its bias),
//   Flatten and Reshape to [batch, features] right before a Gemm/MatMul, and the no-ops
//   Identity, Dropout and Constant.
// Any other op is refused with one line naming the node and the op. Precisions follow
// apply_default_precision (ONNX files carry float weights).
#include <filesystem>
#include <string>
#include <vector>

#include "nce/workloads/workload.hpp"

namespace nce::workloads {

// Reads `path` (a binary ONNX ModelProto); the workload is named after the file's stem.
// Throws InputError naming the file (and the node) on any problem.
Workload import_onnx(const std::filesystem::path& path);

// The same from a serialized ModelProto; `source_name` prefixes every error.
Workload onnx_to_workload(const std::string& bytes, const std::string& source_name, const std::string& workload_name);

// The op types the importer accepts, in the order README.md ("Networks in, tables out") lists them.
const std::vector<std::string>& onnx_supported_ops();

}  // namespace nce::workloads
