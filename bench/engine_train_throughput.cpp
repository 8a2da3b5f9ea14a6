// Training throughput of the engine: img/s of full SGD steps (forward, backward, update) on
// random data, batch 128, for a zoo model at a given precision. Printed as one JSON line so
// bench/run_train_throughput.sh can set it beside PyTorch's figure. With NET = supernet the
// step is a search weight step instead: the TAS supernet (search/supernet.hpp) over TAS's
// width candidates of every searchable layer, two candidates sampled and mixed per layer
// (Gumbel mode), so the two figures give the cost of a supernet step against a plain one.
#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "nce/search/supernet.hpp"
#include "nce/train/network.hpp"
#include "nce/train/optimizers.hpp"
#include "nce/workloads/zoo.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: nce_bench_train MODEL BITS [BATCH] [STEPS] [WARMUP] [plain|supernet]\n"
                 "  e.g. nce_bench_train resnet20 2 128 10 2   (BITS 32 = float)\n";
    return 2;
  }
  const std::string model = argv[1];
  const int bits = std::atoi(argv[2]);
  const int batch = argc > 3 ? std::atoi(argv[3]) : 128;
  const int steps = argc > 4 ? std::atoi(argv[4]) : 10;
  const int warmup = argc > 5 ? std::atoi(argv[5]) : 2;
  const std::string net_kind = argc > 6 ? argv[6] : "plain";
  if (net_kind != "plain" && net_kind != "supernet") {
    std::cerr << "nce_bench_train: NET must be plain or supernet, got '" << net_kind << "'\n";
    return 2;
  }
  using namespace nce;
  workloads::Workload workload = workloads::zoo::make(model);
  const bool quantize = bits < train::kFullPrecisionBits;
  if (quantize) {
    for (workloads::Layer& layer : workload.layers) {
      if (layer.has_weights() && layer.precision == workloads::Precision{2, 2}) layer.precision = {bits, bits};
    }
  }
  train::Rng rng(2);
  train::Tensor images(batch, workload.input.channels, workload.input.height, workload.input.width);
  for (float& v : images.data) v = float(rng.normal());
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (auto& l : labels) l = std::int32_t(rng.below(10));
  train::Tensor dlogits;
  double seconds = 0.0;
  auto timed = [&](auto&& one_step) {
    for (int step = 0; step < warmup + steps; ++step) {
      const auto start = std::chrono::steady_clock::now();
      one_step();
      if (step >= warmup) seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  };
  if (net_kind == "plain") {
    train::Network net(workload, 1, quantize);
    train::Sgd sgd(net.parameters(), 0.9, 4e-4);
    timed([&] {
      net.zero_grad();
      train::softmax_cross_entropy(net.forward(images, true), labels, dlogits);
      net.backward(dlogits);
      sgd.step(0.01);
      net.after_step();
    });
  } else {
    std::map<std::string, std::vector<int>> candidates;
    for (const workloads::Layer& layer : workload.layers) {
      if (layer.searchable) candidates[layer.name] = search::tas_candidates(layer.out_channels);
    }
    search::Supernet net(workload, candidates, 1, quantize ? bits : train::kFullPrecisionBits);
    train::Sgd sgd(net.weight_parameters(), 0.9, 4e-4);
    train::Rng sampler(3);
    timed([&] {
      net.zero_grad();
      train::softmax_cross_entropy(net.forward(images, true, search::SampleMode::gumbel, 5.0, &sampler), labels, dlogits);
      net.backward(dlogits);
      sgd.step(0.01);
      net.after_step();
    });
  }
  std::cout << fmt::format(R"({{"engine": "nce", "model": "{}", "net": "{}", "bits": {}, "batch": {}, "steps": {}, "threads": {}, "images_per_second": {:.1f}}})",
                           model, net_kind, bits, batch, steps, omp_get_max_threads(), double(batch) * steps / seconds)
            << "\n";
  return 0;
}
