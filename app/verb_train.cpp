// nce train: quantized training of a zoo model or workload file on Fashion-MNIST or CIFAR-10.
#include <fmt/format.h>
#include <omp.h>

#include <iostream>

#include "cli.hpp"
#include "flag_ranges.hpp"
#include "recipe_options.hpp"
#include "nce/train/memory_estimate.hpp"
#include "nce/train/network.hpp"
#include "nce/train/trainer.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::app {
namespace {

// A CIFAR zoo name trained on Fashion-MNIST means its 1x28x28 variant.
workloads::Workload resolve_model(const std::string& model, const std::string& dataset) {
  if (dataset == "fashion-mnist" && workloads::zoo::contains(model + "-fmnist")) return workloads::zoo::make(model + "-fmnist");
  return workloads::load_workload(model);
}

}  // namespace

int run_train(const std::vector<std::string>& args) {
  std::string model;
  std::string dataset;
  std::string data_dir;
  std::string out;
  int bits = 0;
  int threads = 0;
  int train_limit = -1;
  int test_limit = -1;
  bool no_augment = false;
  train::TrainConfig config;
  RecipeOptions recipe;
  po::options_description options;
  options.add_options()("model", po::value(&model)->required(), "zoo model name or workload file")(
      "dataset", po::value(&dataset)->default_value("fashion-mnist"), "fashion-mnist or cifar10")(
      "data-dir", po::value(&data_dir), "dataset directory (default: Debian's fashion-mnist; data/cifar-10-batches-bin)")(
      "bits", po::value(&bits),
      "bit width of the W2A2 layers (2, 3, 4, 8; 32 = everything in float); default: the workload's precisions")(
      "epochs", ranged(&config.epochs, "--epochs", at_least(1))->default_value(1), "training epochs")(
      "batch", ranged(&config.batch, "--batch", at_least(2))->default_value(128), "batch size")(
      "lr", ranged(&config.lr, "--lr", positive())->default_value(0.1), "initial learning rate (cosine schedule to 0)")(
      "momentum", ranged(&config.momentum, "--momentum", from_to_below(0, 1))->default_value(0.9), "SGD momentum")(
      "weight-decay", ranged(&config.weight_decay, "--weight-decay", non_negative())->default_value(4e-4), "L2 weight decay")(
      "seed", po::value(&config.seed)->default_value(1), "seed of initialisation, shuffling and augmentation")(
      "train-limit", ranged(&train_limit, "--train-limit", at_least(2)), "use only the first N training images")(
      "test-limit", ranged(&test_limit, "--test-limit", at_least(1)), "use only the first N test images")(
      "no-augment", po::bool_switch(&no_augment), "no random crop / flip")(
      "threads", ranged(&threads, "--threads", between(1, 1024)), "threads (default: all cores)")(
      "out", po::value(&out)->required(), "run directory: metrics.jsonl, checkpoint.bin, summary.json")(
      "resume", po::bool_switch(&config.resume), "continue from RUN/checkpoint.bin");
  recipe.add_to(options);
  po::variables_map values;
  if (!parse("usage: nce train --model NAME|FILE [--dataset fashion-mnist|cifar10] [--bits B] --epochs N --out RUN/ "
             "[--resume]",
             options, {}, args, values)) {
    return kExitOk;
  }
  if (values.count("bits") && !(bits == 32 || (bits >= 2 && bits <= 16))) {
    throw UsageError(fmt::format("--bits must be 2..16 or 32, got {}", bits));
  }
  const train::QuantRecipe quant_recipe = recipe.resolve();
  if (threads > 0) omp_set_num_threads(threads);

  workloads::Workload workload = resolve_model(model, dataset);
  const bool quantize = !(values.count("bits") && bits == 32);
  if (values.count("bits") && quantize) {
    for (workloads::Layer& layer : workload.layers) {
      if (layer.has_weights() && layer.precision == workloads::Precision{2, 2}) layer.precision = {bits, bits};
    }
  }
  train::check_training_memory(workload, config.batch, "training");
  train::DatasetSplits data = train::load_dataset(dataset, data_dir);
  train::check_model_fits(workload, data.train, dataset);
  data.train.truncate(train_limit);
  data.test.truncate(test_limit);

  config.dataset = dataset;
  config.out = out;
  config.augmentation.enabled = !no_augment;
  config.progress = &std::cerr;
  config.description = quantize ? (values.count("bits") ? fmt::format("W{}A{} body", bits, bits) : "workload precisions")
                                : "W32A32";
  train::Network network(workload, config.seed, quantize, quant_recipe);
  config.banner = fmt::format("training {} ({}) on {}: {} train / {} test images, {} epochs, batch {}, {} threads",
                              workload.name, config.description, dataset, data.train.size(), data.test.size(),
                              config.epochs, config.batch, omp_get_max_threads());
  const train::TrainResult result = train::train(network, data, config);
  std::cout << fmt::format("test accuracy {:.2f}% ({} images); results in {}/summary.json\n",
                           100.0 * result.test_accuracy, data.test.size(), out);
  return kExitOk;
}

}  // namespace nce::app
