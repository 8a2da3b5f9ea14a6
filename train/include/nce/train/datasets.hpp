#pragma once
// Image classification data: Fashion-MNIST (IDX, gzip) and CIFAR-10 (binary batches), held as
// 8-bit pixels and turned into normalised float batches with optional augmentation.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "nce/workloads/workload.hpp"

#include "nce/train/random.hpp"
#include "nce/train/tensor.hpp"

namespace nce::train {

struct Dataset {
  int channels = 0;
  int height = 0;
  int width = 0;
  int classes = 10;
  std::vector<std::uint8_t> pixels;  // N x C x H x W
  std::vector<std::int32_t> labels;
  int size() const { return int(labels.size()); }
  void truncate(int count);  // keeps the first `count` examples (tiny budgets, CI)
};

// Readers. Every failure (missing, unreadable, corrupt, truncated, inconsistent) throws
// nce::core::InputError with one line naming the file.
Dataset read_idx(const std::filesystem::path& images, const std::filesystem::path& labels);  // gzip or raw
Dataset read_cifar10(const std::vector<std::filesystem::path>& batches);

struct DatasetSplits {
  Dataset train;
  Dataset test;
};
// "fashion-mnist" (default directory: Debian's /usr/share/datasets/fashion-mnist) or
// "cifar10" (directory holding data_batch_{1..5}.bin and test_batch.bin). Empty dir = default.
DatasetSplits load_dataset(const std::string& name, const std::filesystem::path& dir);
std::filesystem::path default_dataset_dir(const std::string& name);

// A model can train on a dataset when its input shape is the images' and its last layer outputs
// one score per class; InputError naming both otherwise.
void check_model_fits(const workloads::Workload& workload, const Dataset& data, const std::string& dataset_name);

// Per-channel normalisation x' = (x/255 - mean) / std.
struct Normalization {
  std::vector<float> mean;
  std::vector<float> std;
};
Normalization dataset_normalization(const std::string& name);  // the datasets' published statistics

// Random crop after zero padding (in normalised space the pad is 0, the mean colour) and
// horizontal flip, the standard CIFAR recipe (He et al. 2016, section 4.2).
struct Augmentation {
  bool enabled = true;
  int padding = 4;
  bool flip = true;
};

// The training set split into two equal disjoint halves, D_weight and D_arch (docs/NCE.md section
// 5), by a seeded permutation: the same seed gives the same split.
struct TrainArchSplit {
  std::vector<std::int32_t> weight;
  std::vector<std::int32_t> arch;
};
TrainArchSplit split_train_arch(int count, std::uint64_t seed);

// Fills `images`/`labels` with examples order[begin .. begin+count) of `data`. With `rng`,
// applies `augmentation`.
void make_batch(const Dataset& data, const std::vector<std::int32_t>& order, std::size_t begin, int count,
                const Normalization& norm, const Augmentation& augmentation, Rng* rng, Tensor& images,
                std::vector<std::int32_t>& labels);

std::vector<std::int32_t> iota_order(int count);
std::vector<std::int32_t> shuffled_order(int count, std::uint64_t seed);

}  // namespace nce::train
