#pragma once
// How much memory training a workload needs, estimated before anything is allocated, so that a
// workload that cannot fit is refused with the number instead of being killed by the kernel
// half-way through its first batch.
#include <cstdint>
#include <string>

#include "nce/workloads/workload.hpp"

namespace nce::train {

struct MemoryEstimate {
  std::uint64_t activations = 0;  // bytes the forward pass keeps for the backward pass, one batch
  std::uint64_t weights = 0;      // bytes of parameters, gradients, momentum and packed copies
  std::uint64_t total() const { return activations + weights; }
};

// The engine keeps about six float copies of every layer's output per image for the backward
// pass (input of the quantizer, conv output, normalised, affine, activation, gradient buffer);
// measured: ResNet20 on 1x28x28, 5.1 MB per image of batch against 0.88 MB of layer outputs, a
// factor of 5.8. Weights: value, gradient, momentum and the packed quantized copy, four floats
// each. `copies` scales the activations (a supernet keeps more: section 2 of docs/NCE.md).
MemoryEstimate estimate_training_memory(const workloads::Workload& workload, int batch, double copies = 6.0);

// The machine's physical memory in bytes (sysconf), or 0 when unknown.
std::uint64_t physical_memory_bytes();

// Throws InputError, with the estimate and the machine's memory in the message, when training
// `workload` at `batch` would need more memory than the machine has. `what` names the job
// ("training", "the search").
void check_training_memory(const workloads::Workload& workload, int batch, const std::string& what,
                           double copies = 6.0);

}  // namespace nce::train
