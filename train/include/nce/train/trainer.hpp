#pragma once
// The training loop of `nce train`: SGD with momentum, weight decay and a per-step cosine LR,
// per-epoch metrics, atomic per-epoch checkpoints and bit-identical resume.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "nce/train/datasets.hpp"
#include "nce/train/network.hpp"
#include "nce/train/optimizers.hpp"

namespace nce::train {

struct TrainConfig {
  std::string dataset = "fashion-mnist";  // selects the normalisation
  int epochs = 1;
  int batch = 128;
  // CIFAR ResNet recipe of He et al. 2016 (lr 0.1, momentum 0.9) with docs/NCE.md section 5's
  // weight decay 4e-4 and cosine schedule.
  double lr = 0.1;
  double momentum = 0.9;
  double weight_decay = 4e-4;
  std::uint64_t seed = 1;
  Augmentation augmentation;
  // Run directory: model.yaml (the workload trained, precisions as trained), metrics.jsonl,
  // checkpoint.bin, summary.json.
  std::filesystem::path out;
  bool resume = false;
  int stop_after_epoch = -1;  // >= 0: return after this many epochs (simulates an interruption)
  std::ostream* progress = nullptr;  // progress bar target (a terminal), or none
  std::string description;           // recorded in summary.json
  // Printed to `progress` once the run is known to start: after the checks and, with --resume,
  // after the checkpoint loaded (so a refused run prints its one error line and nothing else).
  std::string banner;
};

struct EpochMetrics {
  int epoch = 0;  // 1-based
  double lr = 0.0;
  double train_loss = 0.0;
  double train_accuracy = 0.0;
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  double images_per_second = 0.0;
  double seconds = 0.0;
};

struct TrainResult {
  std::vector<EpochMetrics> epochs;  // this invocation's epochs
  bool finished = false;             // all configured epochs done (summary.json written)
  double test_accuracy = 0.0;
};

struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;
};
Evaluation evaluate(Network& network, const Dataset& data, const Normalization& norm, int batch);

TrainResult train(Network& network, const DatasetSplits& data, const TrainConfig& config);

// What a resumed run must share with the run that wrote the checkpoint for the data order
// (and so the weights) to continue bit-identically. The epoch count may change (it reshapes
// the cosine schedule, so such a run is no longer identical to an uninterrupted one).
struct RunIdentity {
  std::uint64_t seed = 0;
  std::uint64_t batch = 0;
  std::uint64_t train_examples = 0;
};

// Checkpoint: every parameter, BN statistic and optimizer buffer by name, plus the epoch and
// the run identity. Written to a temporary file and renamed, so a crash leaves the previous
// checkpoint intact. Loading throws InputError naming the file on any mismatch.
void save_checkpoint(const std::filesystem::path& file, int epoch, const RunIdentity& run, Network& network,
                     Sgd& optimizer);
int load_checkpoint(const std::filesystem::path& file, const RunIdentity& run, Network& network,
                    Sgd& optimizer);  // returns the epoch

}  // namespace nce::train
