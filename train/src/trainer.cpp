#include "nce/train/trainer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "nce/core/atomic_file.hpp"
#include "nce/core/checkpoint.hpp"
#include "nce/core/input_error.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Format version of the "train" checkpoint kind (core/include/nce/core/checkpoint.hpp).
constexpr std::uint32_t kCheckpointVersion = 1;
// Seed streams: each epoch's shuffle and augmentation draw from their own derived seeds.
constexpr std::uint64_t kShuffleStream = 1;
constexpr std::uint64_t kAugmentStream = 2;

void write_text_atomically(const fs::path& file, const std::string& text) { core::write_file_atomically(file, text); }

std::string metrics_line(const EpochMetrics& m) {
  const nlohmann::json line = {{"epoch", m.epoch},
                               {"lr", m.lr},
                               {"train_loss", m.train_loss},
                               {"train_accuracy", m.train_accuracy},
                               {"test_loss", m.test_loss},
                               {"test_accuracy", m.test_accuracy},
                               {"images_per_second", m.images_per_second},
                               {"seconds", m.seconds}};
  return line.dump();
}

// Keeps the metrics of epochs <= `epoch` (a resumed run rewrites what came after its checkpoint).
void trim_metrics(const fs::path& file, int epoch) {
  std::ifstream in(file);
  std::string kept;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (!parsed.is_discarded() && parsed.value("epoch", 0) <= epoch) kept += line + "\n";
  }
  write_text_atomically(file, kept);
}

}  // namespace

Evaluation evaluate(Network& network, const Dataset& data, const Normalization& norm, int batch) {
  Evaluation result;
  if (data.size() == 0) return result;
  const std::vector<std::int32_t> order = iota_order(data.size());
  Tensor images;
  Tensor dlogits;
  std::vector<std::int32_t> labels;
  double loss = 0.0;
  int correct = 0;
  for (int begin = 0; begin < data.size(); begin += batch) {
    const int count = std::min(batch, data.size() - begin);
    make_batch(data, order, std::size_t(begin), count, norm, Augmentation{}, nullptr, images, labels);
    const LossResult r = softmax_cross_entropy(network.forward(images, false), labels, dlogits);
    loss += r.loss * count;
    correct += r.correct;
  }
  result.loss = loss / data.size();
  result.accuracy = double(correct) / data.size();
  return result;
}

void save_checkpoint(const fs::path& file, int epoch, const RunIdentity& run, Network& network, Sgd& optimizer) {
  core::CheckpointWriter out("train", kCheckpointVersion);
  out.add_integer("epoch", epoch);
  out.add_integer("seed", std::int64_t(run.seed));
  out.add_integer("batch", std::int64_t(run.batch));
  out.add_integer("train_examples", std::int64_t(run.train_examples));
  for (Parameter* p : network.parameters()) out.add("param:" + p->name, p->value);
  for (const Buffer& b : network.buffers()) out.add("buffer:" + b.name, *b.values);
  std::size_t i = 0;
  for (std::vector<float>* state : optimizer.state()) out.add(fmt::format("sgd:{}", i++), *state);
  out.write(file);
}

int load_checkpoint(const fs::path& file, const RunIdentity& run, Network& network, Sgd& optimizer) {
  if (!fs::exists(file)) throw core::InputError(file.string() + ": no checkpoint to resume from");
  const core::CheckpointReader in(file, "train", kCheckpointVersion);
  const auto check = [&](const char* what, std::uint64_t now) {
    const std::uint64_t stored = std::uint64_t(in.integer(what));
    if (stored != now) {
      throw core::InputError(
          fmt::format("{}: checkpoint was written with {} {}, this run has {}", file.string(), what, stored, now));
    }
  };
  check("seed", run.seed);
  check("batch", run.batch);
  check("train_examples", run.train_examples);
  for (Parameter* p : network.parameters()) in.read_into("param:" + p->name, p->value);
  for (const Buffer& b : network.buffers()) in.read_into("buffer:" + b.name, *b.values);
  std::size_t i = 0;
  for (std::vector<float>* state : optimizer.state()) in.read_into(fmt::format("sgd:{}", i++), *state);
  return int(in.integer("epoch"));
}

TrainResult train(Network& network, const DatasetSplits& data, const TrainConfig& config) {
  if (config.batch < 2) throw core::InputError("batch size must be at least 2 (batch norm needs a batch)");
  if (config.epochs < 1) throw core::InputError("epochs must be at least 1");
  if (data.train.size() < 2) throw core::InputError("the training set needs at least 2 examples");
  const Normalization norm = dataset_normalization(config.dataset);
  Sgd optimizer(network.parameters(), config.momentum, config.weight_decay);
  core::prepare_output_directory(config.out);
  const core::DirectoryLock lock(config.out);  // a second run on this --out is refused, not raced
  const fs::path checkpoint = config.out / "checkpoint.bin";
  const fs::path metrics = config.out / "metrics.jsonl";
  const RunIdentity run{config.seed, std::uint64_t(config.batch), std::uint64_t(data.train.size())};
  int start_epoch = 0;
  if (config.resume) {
    start_epoch = load_checkpoint(checkpoint, run, network, optimizer);
    trim_metrics(metrics, start_epoch);
  } else {
    write_text_atomically(metrics, "");
    workloads::write_workload_file(network.workload(), config.out / "model.yaml");
  }
  if (config.progress != nullptr && !config.banner.empty()) *config.progress << config.banner << "\n" << std::flush;

  // Batches of at least 2 (BN); a last partial batch of 1 is dropped.
  const int train_size = data.train.size();
  if (!config.resume && network.recipe().alpha_init == QuantRecipe::AlphaInit::calibrated) {
    // The first batch of epoch 0, without augmentation (its random draws stay the epoch's).
    Tensor images;
    std::vector<std::int32_t> labels;
    const std::vector<std::int32_t> order = shuffled_order(train_size, derive_seed(config.seed, kShuffleStream, 0));
    make_batch(data.train, order, 0, std::min(config.batch, train_size), norm, Augmentation{}, nullptr, images, labels);
    network.calibrate(images);
  }
  const int steps_per_epoch = train_size / config.batch + (train_size % config.batch >= 2 ? 1 : 0);
  const std::int64_t total_steps = std::int64_t(steps_per_epoch) * config.epochs;
  TrainResult result;
  Tensor images;
  Tensor dlogits;
  std::vector<std::int32_t> labels;
  for (int epoch = start_epoch; epoch < config.epochs; ++epoch) {
    if (config.stop_after_epoch >= 0 && epoch >= config.stop_after_epoch) return result;
    const auto started = Clock::now();
    auto last_print = started;
    const std::vector<std::int32_t> order =
        shuffled_order(train_size, derive_seed(config.seed, kShuffleStream, std::uint64_t(epoch)));
    Rng augment_rng(derive_seed(config.seed, kAugmentStream, std::uint64_t(epoch)));
    double loss_sum = 0.0;
    int correct = 0;
    int seen = 0;
    double lr = config.lr;
    for (int step = 0; step < steps_per_epoch; ++step) {
      const int begin = step * config.batch;
      const int count = std::min(config.batch, train_size - begin);
      make_batch(data.train, order, std::size_t(begin), count, norm, config.augmentation, &augment_rng, images, labels);
      network.zero_grad();
      const LossResult r = softmax_cross_entropy(network.forward(images, true), labels, dlogits);
      network.backward(dlogits);
      lr = cosine_lr(config.lr, std::int64_t(epoch) * steps_per_epoch + step, total_steps);
      optimizer.step(lr);
      network.after_step();
      loss_sum += r.loss * count;
      correct += r.correct;
      seen += count;
      const auto now = Clock::now();
      if (config.progress && (now - last_print > std::chrono::milliseconds(250) || step + 1 == steps_per_epoch)) {
        last_print = now;
        const double seconds = std::chrono::duration<double>(now - started).count();
        const int width = 20;
        const int filled = int(double(width) * (step + 1) / steps_per_epoch);
        *config.progress << fmt::format("\repoch {}/{} [{}{}] batch {}/{} loss {:.4f} acc {:.2f}% {:.0f} img/s ", epoch + 1,
                                        config.epochs, std::string(std::size_t(filled), '#'),
                                        std::string(std::size_t(width - filled), '.'), step + 1, steps_per_epoch,
                                        loss_sum / seen, 100.0 * correct / seen, seen / seconds)
                         << std::flush;
      }
    }
    const double train_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const Evaluation test = evaluate(network, data.test, norm, config.batch);
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.lr = lr;
    m.train_loss = loss_sum / seen;
    m.train_accuracy = double(correct) / seen;
    m.test_loss = test.loss;
    m.test_accuracy = test.accuracy;
    m.images_per_second = seen / train_seconds;
    m.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (config.progress) {
      *config.progress << fmt::format("| test loss {:.4f} acc {:.2f}%\n", m.test_loss, 100.0 * m.test_accuracy) << std::flush;
    }
    core::append_line_durably(metrics, metrics_line(m));
    save_checkpoint(checkpoint, epoch + 1, run, network, optimizer);
    result.epochs.push_back(m);
    result.test_accuracy = m.test_accuracy;
  }
  const Evaluation final_test = evaluate(network, data.test, norm, config.batch);
  result.test_accuracy = final_test.accuracy;
  result.finished = true;
  const nlohmann::json summary = {{"model", network.workload().name},
                                  {"dataset", config.dataset},
                                  {"description", config.description},
                                  {"quant_recipe", to_string(network.recipe())},
                                  {"quantized", network.quantized_network()},
                                  {"epochs", config.epochs},
                                  {"batch", config.batch},
                                  {"lr", config.lr},
                                  {"weight_decay", config.weight_decay},
                                  {"seed", config.seed},
                                  {"train_examples", data.train.size()},
                                  {"test_examples", data.test.size()},
                                  {"test_loss", final_test.loss},
                                  {"test_accuracy", final_test.accuracy}};
  write_text_atomically(config.out / "summary.json", summary.dump(2) + "\n");
  return result;
}

}  // namespace nce::train
