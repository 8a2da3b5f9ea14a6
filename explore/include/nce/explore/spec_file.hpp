#pragma once
// Grid specs in a YAML file (nce explore --spec FILE; docs/EXPLORE.md section 1). The file holds
// the command line's flags as keys (with - or _), so both go through one parser:
//   workload: [resnet20, resnet50]        -> --workload resnet20,resnet50
//   array: [8x8, 16x16]                   -> --array 8x8,16x16
//   set: {buffers.ifmap.capacity_kib: [32, 64]}  -> --set buffers.ifmap.capacity_kib=32,64
//   stage_widths: [[1, 1.5, 2], [1, 1, 1]] -> --stage-widths 1,1.5,2 --stage-widths 1,1,1
//   search: true                          -> --search
//   widths: "0.5:2.0:0.25"                -> --widths 0.5:2.0:0.25
// A scalar is one value, a list of scalars one comma-separated value, a list of lists one flag
// per inner list, `set` a map of keys to values or lists, true/false a switch.
#include <filesystem>
#include <string>
#include <vector>

namespace nce::explore {

// The flags of `file` as command-line arguments ("--array", "8x8,16x16", ...). InputError
// naming the file and key on a malformed file.
std::vector<std::string> spec_file_arguments(const std::filesystem::path& file);

}  // namespace nce::explore
