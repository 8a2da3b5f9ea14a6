// nce infer: a trained network's integer inference on the simulated array (and its RTL), compared
// with the engine's fake-quant forward; accuracy, cost per inference, speed (docs/INFER.md).
#include <fmt/format.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "flag_ranges.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/cost_models/dataflow.hpp"
#include "nce/infer/inference.hpp"
#include "nce/infer/integer_network.hpp"
#include "nce/infer/outputs.hpp"
#include "nce/infer/trained_run.hpp"
#include "nce/reports/simulation_report.hpp"
#include "nce/rtl/array_model.hpp"
#include "nce/sim/simulator.hpp"
#include "nce/train/datasets.hpp"

namespace nce::app {
namespace {

// "all" or a positive count; 0 for "all".
int parse_images(const std::string& text) {
  if (text == "all") return 0;
  std::size_t used = 0;
  int count = 0;
  try {
    count = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || count < 1) {
    throw UsageError(fmt::format("--images must be a positive number of test images or 'all', got '{}'", text));
  }
  return count;
}

}  // namespace

int run_infer(const std::vector<std::string>& args) {
  std::string run_dir;
  std::string model;
  std::string dataset;
  std::string data_dir;
  std::string pe_model = "behavioral";
  std::string images_text = "100";
  std::string out;
  std::uint64_t seed = 1;
  int batch = 64;
  int threads = 0;
  bool check_reference = false;
  AcceleratorOptions accelerator;
  po::options_description options;
  options.add_options()("run", po::value(&run_dir)->required(), "run directory of nce train (RUN/: model.yaml, checkpoint.bin, summary.json)")(
      "model", po::value(&model), "zoo name or workload file standing in for RUN/model.yaml (runs written before it existed)")(
      "dataset", po::value(&dataset), "fashion-mnist or cifar10 (default: the run's; another is refused)")(
      "data-dir", po::value(&data_dir), "dataset directory (default: Debian's fashion-mnist; data/cifar-10-batches-bin)");
  accelerator.add_to(options);
  options.add_options()("pe-model", po::value(&pe_model)->default_value("behavioral"),
                        "behavioral or rtl (the verilated array: ws dataflow, verilated sizes; also reruns behavioural "
                        "and compares every int32 sum)")(
      "images", po::value(&images_text)->default_value("100"), "test images to run: a seeded sample of N, or 'all'")(
      "seed", po::value(&seed)->default_value(1), "seed of the sample")(
      "batch", ranged(&batch, "--batch", at_least(1))->default_value(64), "images per engine forward")(
      "check-reference", po::bool_switch(&check_reference),
      "also compute every layer's sums with the integer reference model and count differences")(
      "threads", ranged(&threads, "--threads", between(1, 1024)), "engine threads (default: all cores; the array model runs on one)")(
      "out", po::value(&out)->required(), "output directory: summary.json, layers.csv, images.csv, report.md, cost/");
  po::positional_options_description positionals;
  positionals.add("run", 1);
  po::variables_map values;
  if (!parse("usage: nce infer RUN/ [--config FILE] [--array RxC] [--dataflow ws|os|is] [--pe-model behavioral|rtl] "
             "[--images N|all] [--seed S] [--dataset NAME] --out DIR",
             options, positionals, args, values)) {
    return kExitOk;
  }

  // Every check before any work.
  const int requested = parse_images(images_text);
  if (batch < 1) throw UsageError(fmt::format("--batch must be at least 1, got {}", batch));
  sim::SimulationOptions sim_options;
  sim_options.pe_model = sim::pe_model_from_string(pe_model);
  const cost_models::AcceleratorConfig config = accelerator.resolve();
  if (sim_options.pe_model == sim::PeModel::rtl) {
    const cost_models::Dataflow& dataflow = cost_models::dataflow_of(config);
    if (!dataflow.has_rtl()) {
      throw core::InputError(fmt::format("--pe-model rtl: rtl/mac_array.sv implements no {} dataflow; use --dataflow ws",
                                         dataflow.name()));
    }
    const auto sizes = rtl::verilated_array_sizes();
    if (std::find(sizes.begin(), sizes.end(), std::pair{config.rows, config.cols}) == sizes.end()) {
      throw core::InputError(fmt::format("--pe-model rtl: no verilated {}x{} array in this build (built: {})", config.rows,
                                         config.cols, rtl::verilated_array_sizes_text()));
    }
  }
  const infer::TrainedRun run = infer::read_trained_run(run_dir, model);
  if (!dataset.empty() && dataset != run.dataset) {
    throw core::InputError(fmt::format("{} was trained on {}; --dataset {} differs", run_dir, run.dataset, dataset));
  }
  const train::Normalization normalization = train::dataset_normalization(run.dataset);
  const train::DatasetSplits data = train::load_dataset(run.dataset, data_dir);
  train::check_model_fits(run.workload, data.test, run.dataset);
  const int count = requested == 0 ? data.test.size() : requested;
  if (count > data.test.size()) {
    throw UsageError(fmt::format("--images {}: the {} test set has {} images", count, run.dataset, data.test.size()));
  }
  core::prepare_output_directory(out);
  const core::DirectoryLock lock(out);  // a second run on this --out is refused, not interleaved
  if (threads > 0) omp_set_num_threads(threads);

  const std::unique_ptr<train::Network> network = infer::load_network(run);
  infer::IntegerNetwork integer(*network, config, normalization);  // maps every layer: a misfit is reported here

  infer::InferenceOptions job;
  job.images = count;
  job.seed = seed;
  job.batch = batch;
  job.pipeline.pe_model = sim_options.pe_model;
  job.pipeline.check_reference = check_reference;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  job.progress = [terminal](int done, int total) {
    if (terminal) std::cerr << fmt::format("\rimage {}/{}", done, total) << (done == total ? "\n" : "") << std::flush;
  };
  std::cerr << fmt::format("nce infer: {} ({}), {} of {} {} test images, {}x{} {}, {} PE model\n", run.workload.name,
                           run.model_source, count, data.test.size(), run.dataset, config.rows, config.cols,
                           config.dataflow, sim::to_string(sim_options.pe_model));
  const infer::InferenceResult result = infer::run_inference(*network, integer, data.test, normalization, job);

  infer::ReportContext context;
  context.run_dir = run_dir;
  context.model_source = run.model_source;
  context.dataset = run.dataset;
  context.config_source = accelerator.source();
  context.config = config;
  context.pe_model = std::string(sim::to_string(sim_options.pe_model));
  context.seed = seed;
  context.engine_full_test_accuracy = run.test_accuracy;
  context.engine_full_test_examples = run.test_examples;
  infer::write_inference_outputs(out, result, integer, context);
  // The cost of one inference as nce simulate reports it (layers.csv, summary.json, report.html, ...).
  reports::SimulationReport cost;
  cost.stats = result.cost;
  cost.config = config;
  cost.pe_model = context.pe_model;
  cost.source = context.config_source;
  for (std::size_t i = 0; i < integer.workload().layers.size(); ++i) {
    const int w = integer.weighted_index(i);
    cost.precisions.push_back(w < 0 ? "-"
                                    : fmt::format("W{}A{}", integer.layers()[std::size_t(w)].weight_bits,
                                                  integer.layers()[std::size_t(w)].act_bits));
  }
  reports::write_simulation_report(std::filesystem::path(out) / "cost", cost);

  std::cout << infer::console_summary(result, integer, context);
  std::cout << fmt::format("results: {}/summary.json, layers.csv, images.csv, report.md; cost report {}/cost/report.html\n",
                           out, out);
  if (!result.passed()) {
    std::cerr << "nce infer: " << (result.rtl.ran && !result.rtl.identical() ? "the RTL array differs from the behavioural model"
                                                                            : "top-1 agreement below the threshold")
              << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace nce::app
