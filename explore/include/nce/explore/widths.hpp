#pragma once
// Width patterns (docs/EXPLORE.md section 2): how a point's network follows from its workload.
//
//  - uniform m: every searchable layer (the W2A2 convs) gets round(m x its width) output
//    channels; a result below 1 channel is an InputError naming the layer.
//  - stages (m_1, ..., m_S): the searchable layers of stage s get round(m_s x width). A layer's
//    stage is N when its name starts with "stageN." (the zoo's CIFAR ResNets) or "layerN."
//    (the zoo's ImageNet ResNets, torchvision's names); stages must be numbered 1..S and the
//    pattern must have S multipliers. Layers outside stages (stem, classifier) and fixed-width
//    layers (the W8A8 shortcuts) keep their width. A workload without stages is an InputError.
// Residual adds whose inputs end up unequal become prefix joins (search::derive_workload with
// JoinMode::prefix: the narrower input is added into the first channels of the wider), so every
// widened network analyzes.
#include <map>
#include <string>
#include <vector>

#include "nce/workloads/workload.hpp"

namespace nce::explore {

struct WidthPattern {
  enum class Kind { uniform, stages };
  Kind kind = Kind::uniform;
  double multiplier = 1.0;     // uniform
  std::vector<double> stages;  // stages
  std::string label() const;   // "x1.25", "stages 1/1.5/2"
};

// N for a layer named "stageN...." or "layerN....", 0 otherwise.
int stage_of(const std::string& layer_name);
// The number of stages of a workload's searchable layers; 0 when none is in a stage.
// InputError naming the workload when its stages are not numbered 1..S.
int stage_count(const workloads::Workload& workload);

// The searchable layers' widths under `pattern`; InputError naming the layer for a width below
// one channel, and the workload for a stage pattern that does not fit it.
std::map<std::string, int> pattern_widths(const workloads::Workload& base, const WidthPattern& pattern);

// The network of `base` at `pattern`.
workloads::Workload apply_pattern(const workloads::Workload& base, const WidthPattern& pattern);

}  // namespace nce::explore
