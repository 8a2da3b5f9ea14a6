#include "nce/infer/outputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "nce/core/atomic_file.hpp"

namespace nce::infer {
namespace {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) {
    if (ch == '"') quoted += '"';
    quoted += ch;
  }
  return quoted + "\"";
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const std::size_t at = std::min(sorted.size() - 1, std::size_t(std::ceil(q * double(sorted.size()))) - (q > 0 ? 1 : 0));
  return sorted[at];
}

std::string precision_text(const IntegerNetwork& network, std::size_t node) {
  const int w = network.weighted_index(node);
  if (w < 0) return "-";
  const WeightedLayer& layer = network.layers()[std::size_t(w)];
  return fmt::format("W{}A{}{}", layer.weight_bits, layer.act_bits, layer.reads_image ? " (8-bit pixels)" : "");
}

struct LayerAgreement {
  int images_with_code_differences = 0;
  std::int64_t code_differences = 0;
  int max_code_difference = 0;
  int first_differing = 0;  // images whose first differing layer is this one
  int conv_checked = 0;
  int conv_beyond_tolerance = 0;
  double max_conv_error_units = 0.0;
};

std::vector<LayerAgreement> layer_agreement(const InferenceResult& result, const IntegerNetwork& network) {
  std::vector<LayerAgreement> out(network.layers().size());
  for (const ImageComparison& image : result.images) {
    for (std::size_t l = 0; l < image.layers.size(); ++l) {
      const LayerComparison& c = image.layers[l];
      LayerAgreement& a = out[l];
      a.images_with_code_differences += c.code_differences > 0 ? 1 : 0;
      a.code_differences += c.code_differences;
      a.max_code_difference = std::max(a.max_code_difference, c.max_code_difference);
      if (c.conv_checked) {
        ++a.conv_checked;
        a.conv_beyond_tolerance += c.conv_within_tolerance ? 0 : 1;
        a.max_conv_error_units = std::max(a.max_conv_error_units, c.conv_error_units);
      }
    }
    if (image.first_code_layer >= 0) ++out[std::size_t(image.first_code_layer)].first_differing;
  }
  return out;
}

double images_per_second(const InferenceResult& r, double seconds) { return seconds > 0 ? double(r.count()) / seconds : 0.0; }

}  // namespace

ErrorDistribution logit_error_distribution(const InferenceResult& result) {
  std::vector<double> all;
  for (const ImageComparison& image : result.images) all.insert(all.end(), image.logit_errors.begin(), image.logit_errors.end());
  ErrorDistribution d;
  if (all.empty()) return d;
  std::sort(all.begin(), all.end());
  double sum = 0.0;
  for (double v : all) sum += v;
  d.max = all.back();
  d.mean = sum / double(all.size());
  d.p50 = percentile(all, 0.50);
  d.p90 = percentile(all, 0.90);
  d.p99 = percentile(all, 0.99);
  d.p999 = percentile(all, 0.999);
  return d;
}

nlohmann::json summary_json(const InferenceResult& r, const IntegerNetwork& network, const ReportContext& context) {
  const cost_models::AcceleratorConfig& config = context.config;
  const cost_models::LayerStats& total = r.cost.total;
  const ErrorDistribution errors = logit_error_distribution(r);
  nlohmann::json disagreements = nlohmann::json::array();
  std::int64_t code_differences = 0;
  int images_with_codes = 0;
  int max_code_difference = 0;
  int conv_beyond = 0;
  double max_conv_error = 0.0;
  for (const ImageComparison& image : r.images) {
    std::int64_t codes = 0;
    for (const LayerComparison& c : image.layers) {
      codes += c.code_differences;
      max_code_difference = std::max(max_code_difference, int(c.max_code_difference));
      if (c.conv_checked) max_conv_error = std::max(max_conv_error, c.conv_error_units);
    }
    code_differences += codes;
    images_with_codes += codes > 0 ? 1 : 0;
    conv_beyond += image.first_conv_layer >= 0 ? 1 : 0;
    if (!image.agree) {
      disagreements.push_back({{"index", image.index},
                               {"label", image.label},
                               {"engine_top1", image.engine_top1},
                               {"array_top1", image.array_top1},
                               {"max_logit_error", image.max_logit_error},
                               {"engine_margin", image.engine_margin},
                               {"cause", image.cause}});
    }
  }
  std::int64_t largest_sum = 0;
  for (const WeightedLayer& layer : network.layers()) largest_sum = std::max(largest_sum, layer.max_abs_sum);
  const double seconds_per_image = r.count() > 0 ? r.total_seconds / double(r.count()) : 0.0;
  nlohmann::json rtl = nullptr;
  if (r.rtl.ran) {
    rtl = {{"images", r.rtl.images},
           {"array_runs", r.rtl.layer_runs},
           {"sums_compared", r.rtl.sums_compared},
           {"sum_differences", r.rtl.sum_differences},
           {"statistics_differences", r.rtl.stats_differences},
           {"logit_differences", r.rtl.logit_differences},
           {"identical", r.rtl.identical()},
           {"first_difference", r.rtl.first_difference},
           {"behavioral_seconds", r.behavioral_seconds}};
  }
  return {
      {"run", context.run_dir},
      {"model", context.model_source},
      {"workload", network.workload().name},
      {"dataset", context.dataset},
      {"pe_model", context.pe_model},
      {"array", fmt::format("{}x{}", config.rows, config.cols)},
      {"dataflow", config.dataflow},
      {"config", context.config_source},
      {"clock_mhz", config.clock_mhz},
      {"images", r.count()},
      {"seed", context.seed},
      {"test_set_size", r.test_set_size},
      {"indices", r.indices},
      {"agreement",
       {{"top1_agreeing", r.agreeing},
        {"top1_agreement", r.agreement()},
        {"threshold", kAgreementThreshold},
        {"met", r.agreement() >= kAgreementThreshold},
        {"disagreements", disagreements}}},
      {"logit_error", {{"max", errors.max}, {"mean", errors.mean}, {"p50", errors.p50}, {"p90", errors.p90}, {"p99", errors.p99},
                       {"p999", errors.p999}}},
      {"codes",
       {{"images_with_differences", images_with_codes},
        {"differences", code_differences},
        {"max_difference", max_code_difference}}},
      {"conv_outputs", {{"images_beyond_rounding_bound", conv_beyond}, {"max_error_code_steps", max_conv_error}}},
      {"accuracy",
       {{"array", r.count() ? double(r.array_correct) / r.count() : 0.0},
        {"engine", r.count() ? double(r.engine_correct) / r.count() : 0.0},
        {"array_correct", r.array_correct},
        {"engine_correct", r.engine_correct},
        {"engine_full_test_set", context.engine_full_test_accuracy ? nlohmann::json(*context.engine_full_test_accuracy) : nlohmann::json()},
        {"engine_full_test_set_images", context.engine_full_test_examples}}},
      {"cost_per_image",
       {{"cycles", total.cycles},
        {"latency_us", double(total.cycles) / config.clock_mhz},
        {"energy_pj", total.energy.total()},
        {"utilization", total.utilization(config.pes())},
        {"macs", total.macs},
        {"array_macs", total.array_macs},
        {"compute_cycles", total.compute_cycles},
        {"stall_cycles", total.stall_cycles()},
        {"dram_read_bytes", total.dram_read_bytes},
        {"dram_write_bytes", total.dram_write_bytes},
        {"data_independent", r.cost_differing_images == 0},
        {"images_with_other_statistics", r.cost_differing_images}}},
      {"post_processing", {{"cycles", "excluded"}, {"elements_per_image", [&] {
                             std::int64_t n = 0;
                             for (std::int64_t e : r.ppu_elements) n += e;
                             return n;
                           }()}}},
      {"accumulator", {{"largest_worst_case_sum", largest_sum},
                       {"bits_needed", int(std::ceil(std::log2(double(largest_sum) + 1.0))) + 1},
                       {"output_buffer_bits", 32},
                       {"array_accumulator_bits", config.accumulator_bits}}},
      {"speed",
       {{"images_per_second", images_per_second(r, r.pipeline_seconds)},
        {"engine_images_per_second", images_per_second(r, r.engine_seconds)},
        {"simulated_cycles_per_second", r.pipeline_seconds > 0 ? double(total.cycles) * r.count() / r.pipeline_seconds : 0.0},
        {"pipeline_seconds", r.pipeline_seconds},
        {"engine_seconds", r.engine_seconds},
        {"total_seconds", r.total_seconds},
        {"full_test_set_seconds_estimate", seconds_per_image * r.test_set_size}}},
      {"rtl_vs_behavioral", rtl},
      {"reference_model_differences", r.reference_differences >= 0 ? nlohmann::json(r.reference_differences) : nlohmann::json()},
      {"passed", r.passed()}};
}

std::string layers_csv(const InferenceResult& r, const IntegerNetwork& network, const ReportContext& context) {
  const std::vector<LayerAgreement> agreement = layer_agreement(r, network);
  std::ostringstream out;
  out << "layer,type,precision,array_runs,passes,macs,array_macs,cycles,latency_us,energy_pj,utilization,ppu_elements,"
         "worst_case_sum,images_with_code_differences,code_differences,max_code_difference,first_differing_images,"
         "conv_checked_images,conv_beyond_rounding_bound,max_conv_error_code_steps\n";
  for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
    const cost_models::LayerStats& s = r.cost.layers[i];
    const int w = network.weighted_index(i);
    std::string tail = ",,,,,,,";
    std::string runs = "0";
    std::string bound;
    if (w >= 0) {
      const LayerAgreement& a = agreement[std::size_t(w)];
      const WeightedLayer& layer = network.layers()[std::size_t(w)];
      runs = std::to_string(layer.passes.size());
      bound = std::to_string(layer.max_abs_sum);
      tail = fmt::format(",{},{},{},{},{},{},{:.6g}", a.images_with_code_differences, a.code_differences,
                         a.max_code_difference, a.first_differing, a.conv_checked, a.conv_beyond_tolerance,
                         a.max_conv_error_units);
    }
    out << fmt::format("{},{},{},{},{},{},{},{},{:.4f},{:.3f},{:.6f},{},{}", csv_field(s.layer), s.type,
                       csv_field(precision_text(network, i)), runs, s.passes, s.macs, s.array_macs, s.cycles,
                       double(s.cycles) / context.config.clock_mhz, s.energy.total(),
                       s.on_array ? s.utilization(context.config.pes()) : 0.0,
                       i < r.ppu_elements.size() ? r.ppu_elements[i] : 0, bound)
        << tail << "\n";
  }
  const cost_models::LayerStats& t = r.cost.total;
  out << fmt::format("total,-,-,,{},{},{},{},{:.4f},{:.3f},{:.6f},,,,,,,,,\n", t.passes, t.macs, t.array_macs, t.cycles,
                     double(t.cycles) / context.config.clock_mhz, t.energy.total(), t.utilization(context.config.pes()));
  return out.str();
}

std::string images_csv(const InferenceResult& r, const IntegerNetwork& network) {
  std::ostringstream out;
  out << "index,label,engine_top1,array_top1,agree,max_logit_error,engine_margin,code_differences,first_differing_layer,"
         "cause\n";
  for (const ImageComparison& image : r.images) {
    std::int64_t codes = 0;
    for (const LayerComparison& c : image.layers) codes += c.code_differences;
    const std::string first = image.first_conv_layer >= 0
                                  ? network.layers()[std::size_t(image.first_conv_layer)].name
                                  : (image.first_code_layer >= 0 ? network.layers()[std::size_t(image.first_code_layer)].name : "");
    out << fmt::format("{},{},{},{},{},{:.6g},{:.6g},{},{},{}\n", image.index, image.label, image.engine_top1,
                       image.array_top1, image.agree ? 1 : 0, image.max_logit_error, image.engine_margin, codes,
                       csv_field(first), csv_field(image.cause));
  }
  return out.str();
}

std::string console_summary(const InferenceResult& r, const IntegerNetwork& network, const ReportContext& context) {
  const cost_models::AcceleratorConfig& config = context.config;
  const cost_models::LayerStats& t = r.cost.total;
  const ErrorDistribution e = logit_error_distribution(r);
  const int n = r.count();
  std::ostringstream out;
  out << fmt::format("{} ({}) on {} {} test image{} (seed {}), {}x{} {}, {} PE model\n", network.workload().name,
                     context.run_dir, n, context.dataset, n == 1 ? "" : "s", context.seed, config.rows, config.cols,
                     config.dataflow, context.pe_model);
  out << fmt::format("top-1 agreement with the engine's fake-quant forward: {}/{} ({:.2f}%; threshold {:.1f}%: {})\n",
                     r.agreeing, n, 100.0 * r.agreement(), 100.0 * kAgreementThreshold,
                     r.agreement() >= kAgreementThreshold ? "met" : "MISSED");
  for (const ImageComparison& image : r.images) {
    if (!image.agree) {
      out << fmt::format("  disagreement: image {} (label {}): engine {}, array {}: {}\n", image.index, image.label,
                         image.engine_top1, image.array_top1, image.cause);
    }
  }
  out << fmt::format("logit error |array - engine| over {} logits: max {:.3g}, mean {:.3g}, p50 {:.3g}, p99 {:.3g}\n",
                     n * int(r.images.empty() ? 0 : r.images.front().logit_errors.size()), e.max, e.mean, e.p50, e.p99);
  std::int64_t codes = 0;
  int images_with_codes = 0;
  int max_difference = 0;
  int conv_beyond = 0;
  for (const ImageComparison& image : r.images) {
    std::int64_t here = 0;
    for (const LayerComparison& c : image.layers) {
      here += c.code_differences;
      max_difference = std::max(max_difference, int(c.max_code_difference));
    }
    codes += here;
    images_with_codes += here > 0 ? 1 : 0;
    conv_beyond += image.first_conv_layer >= 0 ? 1 : 0;
  }
  out << fmt::format("activation codes differing from the engine's: {} in {} image{} (max |difference| {}); conv outputs "
                     "beyond the float-rounding bound: {} image{}\n",
                     codes, images_with_codes, images_with_codes == 1 ? "" : "s", max_difference, conv_beyond,
                     conv_beyond == 1 ? "" : "s");
  out << fmt::format("accuracy on the array {:.2f}%, engine {:.2f}% (the same {} images)", 100.0 * r.array_correct / std::max(n, 1),
                     100.0 * r.engine_correct / std::max(n, 1), n);
  if (context.engine_full_test_accuracy) {
    out << fmt::format("; engine on {} test images when trained: {:.2f}%", context.engine_full_test_examples,
                       100.0 * *context.engine_full_test_accuracy);
  }
  out << "\n";
  out << fmt::format("cost per image: {} cycles ({:.1f} us at {} MHz), {:.3f} uJ, utilization {:.3f}; post-processing "
                     "unit cycles excluded{}\n",
                     t.cycles, double(t.cycles) / config.clock_mhz, config.clock_mhz, t.energy.total() / 1e6,
                     t.utilization(config.pes()), r.cost_differing_images == 0 ? "; identical for every image" : "");
  const double per_image = n > 0 ? r.total_seconds / n : 0.0;
  out << fmt::format("speed: {:.2f} images/s through the {} array model ({:.2f} M simulated cycles/s), engine {:.0f} "
                     "images/s; {:.1f} s in all; the full test set ({} images) would take about {:.0f} s\n",
                     images_per_second(r, r.pipeline_seconds), context.pe_model,
                     r.pipeline_seconds > 0 ? double(t.cycles) * n / r.pipeline_seconds / 1e6 : 0.0,
                     images_per_second(r, r.engine_seconds), r.total_seconds, r.test_set_size, per_image * r.test_set_size);
  if (r.rtl.ran) {
    out << fmt::format("RTL vs behavioural model: compared every layer's int32 sums of every image ({} images, {} array "
                       "runs, {} sums), every LayerStats field of each run and the logits bit for bit: {}\n",
                       r.rtl.images, r.rtl.layer_runs, r.rtl.sums_compared,
                       r.rtl.identical() ? "identical" : fmt::format("DIFFERENT ({} sums, {} statistics, {} logits; first: {})",
                                                                     r.rtl.sum_differences, r.rtl.stats_differences,
                                                                     r.rtl.logit_differences, r.rtl.first_difference));
  }
  if (r.reference_differences >= 0) {
    out << fmt::format("integer reference model (workloads::ref) on the same codes: {} differing sums\n",
                       r.reference_differences);
  }
  return out.str();
}

std::string report_markdown(const InferenceResult& r, const IntegerNetwork& network, const ReportContext& context) {
  const std::vector<LayerAgreement> agreement = layer_agreement(r, network);
  std::ostringstream out;
  out << fmt::format("# nce infer: {}\n\n", network.workload().name);
  out << "```\n" << console_summary(r, network, context) << "```\n\n";
  out << "## Per layer (one image; cost identical for every image)\n\n";
  out << "| layer | type | precision | passes | cycles | latency us | energy pJ | utilization | images with code differences "
         "| max conv error (code steps) |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
    const cost_models::LayerStats& s = r.cost.layers[i];
    const int w = network.weighted_index(i);
    out << fmt::format("| {} | {} | {} | {} | {} | {:.2f} | {:.0f} | {:.3f} | {} | {} |\n", s.layer, s.type,
                       precision_text(network, i), s.passes, s.cycles, double(s.cycles) / context.config.clock_mhz,
                       s.energy.total(), s.on_array ? s.utilization(context.config.pes()) : 0.0,
                       w >= 0 ? std::to_string(agreement[std::size_t(w)].images_with_code_differences) : "-",
                       w >= 0 ? fmt::format("{:.3g}", agreement[std::size_t(w)].max_conv_error_units) : "-");
  }
  const cost_models::LayerStats& t = r.cost.total;
  out << fmt::format("| total | | | | {} | {:.2f} | {:.0f} | {:.3f} | | |\n\n", t.cycles,
                     double(t.cycles) / context.config.clock_mhz, t.energy.total(), t.utilization(context.config.pes()));
  out << "## Images where anything differs\n\n";
  int listed = 0;
  for (const ImageComparison& image : r.images) {
    if (image.cause.empty()) continue;
    out << fmt::format("- image {} (label {}, engine {}, array {}{}): {}\n", image.index, image.label, image.engine_top1,
                       image.array_top1, image.agree ? "" : ", TOP-1 DIFFERS", image.cause);
    ++listed;
  }
  if (listed == 0) out << "None: every activation code of every image equals the engine's.\n";
  return out.str();
}

void write_inference_outputs(const std::filesystem::path& dir, const InferenceResult& result,
                             const IntegerNetwork& network, const ReportContext& context) {
  core::write_file_atomically(dir / "summary.json", summary_json(result, network, context).dump(2) + "\n");
  core::write_file_atomically(dir / "layers.csv", layers_csv(result, network, context));
  core::write_file_atomically(dir / "images.csv", images_csv(result, network));
  core::write_file_atomically(dir / "report.md", report_markdown(result, network, context));
}

}  // namespace nce::infer
