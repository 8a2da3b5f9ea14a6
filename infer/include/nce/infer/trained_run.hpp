#pragma once
// A run directory of `nce train` read back for inference (docs/INFER.md section 2): the workload
// as trained (RUN/model.yaml), the run's settings (RUN/summary.json) and the trained weights
// (RUN/checkpoint.bin, loaded with train::load_checkpoint).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "nce/train/network.hpp"
#include "nce/train/quantizers.hpp"
#include "nce/train/trainer.hpp"
#include "nce/workloads/workload.hpp"

namespace nce::infer {

struct TrainedRun {
  std::filesystem::path dir;
  workloads::Workload workload;
  std::string model_source;  // RUN/model.yaml, or the --model override
  std::string dataset;       // summary.json "dataset"
  train::QuantRecipe recipe; // summary.json "quant_recipe" (the defaults when absent: runs before the flags)
  train::RunIdentity identity;  // seed, batch, training-set size (what load_checkpoint checks)
  int epochs = 0;
  std::optional<double> test_accuracy;  // the engine's accuracy on its test set, as trained
  int test_examples = 0;
};

// Reads and checks RUN/ before any work. InputError (one line naming the file) for: a path that is
// not a directory; a search run (its derived network must be trained first); no checkpoint.bin;
// no model.yaml without `model_override`; no summary.json (an unfinished run); a W32A32 run (no
// integer codes). `model_override` (a zoo name or workload file) stands in for model.yaml in runs
// written before nce train wrote it; the precisions of a `--bits B` run follow its description.
TrainedRun read_trained_run(const std::filesystem::path& dir, const std::string& model_override = "");

// The trained network: built from the workload and recipe, weights, BN statistics and PACT clips
// loaded from the checkpoint (train::load_checkpoint; a checkpoint of another network is an
// InputError naming the file).
std::unique_ptr<train::Network> load_network(const TrainedRun& run);

}  // namespace nce::infer
