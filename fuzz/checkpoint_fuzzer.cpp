// Checkpoints (core/include/nce/core/checkpoint.hpp): the container's reader under every kind
// that nce writes, then a training checkpoint restored into a small network and optimizer,
// which checks every blob's name, type and size against the network.
#include <cstdlib>

#include "fuzz_support.hpp"
#include "nce/core/checkpoint.hpp"
#include "nce/train/network.hpp"
#include "nce/train/optimizers.hpp"
#include "nce/train/trainer.hpp"
#include "nce/workloads/workload_file.hpp"

namespace {

// Two convs and a classifier: small enough to restore thousands of times a second.
const char* kNet = R"(format: nce-workload/1
name: fuzz-net
input: {channels: 1, height: 8, width: 8}
layers:
  - {name: conv1, type: conv, out_channels: 4, kernel: 3, stride: 1, padding: 1, weight_bits: 8, act_bits: 8, batch_norm: true, relu: true}
  - {name: conv2, type: conv, out_channels: 4, kernel: 3, stride: 2, padding: 1, weight_bits: 2, act_bits: 2, batch_norm: true, relu: true}
  - {name: pool, type: pool, pool: global_avg}
  - {name: fc, type: fc, out_channels: 10, weight_bits: 8, act_bits: 8}
)";

const nce::workloads::Workload& workload() {
  static const nce::workloads::Workload w = nce::workloads::workload_from_yaml(kNet, "fuzz-net.yaml");
  return w;
}

}  // namespace

// With NCE_FUZZ_SEED_DIR set (bench/fuzz.sh), writes a valid checkpoint of the network there: the
// seed from which the fuzzer reaches the restore code past the checksum.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace nce;
  if (const char* dir = std::getenv("NCE_FUZZ_SEED_DIR")) {
    train::Network network(workload(), 1);
    train::Sgd optimizer(network.parameters(), 0.9, 4e-4);
    train::save_checkpoint(std::filesystem::path(dir) / "valid-train.bin", 2, train::RunIdentity{1, 2, 100}, network,
                           optimizer);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  const std::string_view bytes = fuzz::as_text(data, size);
  for (const char* kind : {"train", "search", "ebs", "explore"}) {
    fuzz::accept_or_refuse([&] {
      const core::CheckpointReader reader(bytes, "fuzz.bin", kind, 1);
      for (const std::string& name : reader.names()) {
        fuzz::accept_or_refuse([&] { (void)reader.floats(name); });
        fuzz::accept_or_refuse([&] { (void)reader.integers(name); });
        fuzz::accept_or_refuse([&] { (void)reader.text(name); });
      }
    });
  }
  train::Network network(workload(), 1);
  train::Sgd optimizer(network.parameters(), 0.9, 4e-4);
  const auto file = fuzz::write_scratch("checkpoint.bin", bytes);
  return fuzz::accept_or_refuse([&] { (void)train::load_checkpoint(file, train::RunIdentity{1, 2, 100}, network, optimizer); });
}
