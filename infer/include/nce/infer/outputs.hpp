#pragma once
// What `nce infer --out DIR` writes (docs/INFER.md section 6), each file atomically:
// summary.json, layers.csv (cost and agreement per layer), images.csv (one row per image) and
// report.md; plus the console summary the verb prints.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "nce/cost_models/accelerator_config.hpp"
#include "nce/infer/inference.hpp"
#include "nce/infer/integer_network.hpp"

namespace nce::infer {

struct ReportContext {
  std::string run_dir;
  std::string model_source;
  std::string dataset;
  std::string config_source;
  cost_models::AcceleratorConfig config;
  std::string pe_model = "behavioral";
  std::uint64_t seed = 1;
  std::optional<double> engine_full_test_accuracy;  // the run's summary.json
  int engine_full_test_examples = 0;
};

struct ErrorDistribution {
  double max = 0.0;
  double mean = 0.0;
  double p50 = 0.0;
  double p90 = 0.0;
  double p99 = 0.0;
  double p999 = 0.0;
};
ErrorDistribution logit_error_distribution(const InferenceResult& result);  // over every logit of every image

nlohmann::json summary_json(const InferenceResult& result, const IntegerNetwork& network, const ReportContext& context);
std::string layers_csv(const InferenceResult& result, const IntegerNetwork& network, const ReportContext& context);
std::string images_csv(const InferenceResult& result, const IntegerNetwork& network);
std::string report_markdown(const InferenceResult& result, const IntegerNetwork& network, const ReportContext& context);
void write_inference_outputs(const std::filesystem::path& dir, const InferenceResult& result,
                             const IntegerNetwork& network, const ReportContext& context);
// The lines `nce infer` prints: agreement, errors, accuracy, cost, speed, the RTL comparison.
std::string console_summary(const InferenceResult& result, const IntegerNetwork& network, const ReportContext& context);

}  // namespace nce::infer
