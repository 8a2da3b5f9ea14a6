#pragma once
// Our workload file format (YAML; JSON is accepted since YAML is its superset) and SCALE-Sim
// topology CSVs. The format is documented in workloads/FORMAT.md.
#include <filesystem>
#include <string>

#include "nce/workloads/workload.hpp"

namespace nce::workloads {

std::string workload_to_yaml(const Workload& workload);
Workload workload_from_yaml(const std::string& text, const std::string& source_name);

void write_workload_file(const Workload& workload, const std::filesystem::path& path);
// Reads .yaml/.yml/.json as our format, .csv as a SCALE-Sim topology (conv or GEMM form,
// told apart by the header) and .onnx as an ONNX model (onnx_import.hpp). Throws InputError
// naming file, line and field (or node).
Workload read_workload_file(const std::filesystem::path& path);

// SCALE-Sim conv topology: "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width,
// Channels, Num Filter, Strides," with padding folded into the IFMAP size. GEMM topology:
// "Layer, M, N, K" with M output rows, N output columns (filters), K the reduction.
Workload scalesim_from_csv(const std::string& text, const std::string& source_name);
// Writes the conv form; padding is folded into the IFMAP size as SCALE-Sim expects.
std::string scalesim_to_csv(const Workload& workload);

// A zoo name, or a path to a workload file.
Workload load_workload(const std::string& name_or_path);

}  // namespace nce::workloads
