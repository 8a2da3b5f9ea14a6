#include "nce/infer/trained_run.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "nce/core/input_error.hpp"
#include "nce/train/optimizers.hpp"
#include "nce/workloads/workload_file.hpp"
#include "nce/workloads/zoo.hpp"

namespace nce::infer {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw core::InputError(fmt::format("{}: cannot open", file.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw core::InputError(fmt::format("{}: not valid JSON ({})", file.string(), error.what()));
  }
}

// "alpha-init=fixed alpha-grad=clipped weight-scale=mean" (train::to_string(QuantRecipe)).
train::QuantRecipe parse_recipe(const std::string& text, const fs::path& file) {
  train::QuantRecipe recipe;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    const std::string key = word.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
    if (key == "alpha-init") {
      recipe.alpha_init = train::alpha_init_from_string(value);
    } else if (key == "alpha-grad") {
      recipe.alpha_gradient = train::alpha_gradient_from_string(value);
    } else if (key == "weight-scale") {
      recipe.weight_scale = train::weight_scale_from_string(value);
    } else {
      throw core::InputError(fmt::format("{}: unknown quant_recipe entry '{}'", file.string(), word));
    }
  }
  return recipe;
}

template <typename T>
T field(const nlohmann::json& json, const char* key, const fs::path& file) {
  if (!json.contains(key)) throw core::InputError(fmt::format("{}: no \"{}\"", file.string(), key));
  try {
    return json.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw core::InputError(fmt::format("{}: \"{}\" has the wrong type", file.string(), key));
  }
}

// A zoo name or workload file standing in for model.yaml, at the precisions `nce train --bits B`
// gave it (the run's description "WbAb body"), as app/verb_train.cpp builds it.
workloads::Workload resolve_override(const std::string& model, const std::string& dataset, const std::string& description) {
  workloads::Workload workload = dataset == "fashion-mnist" && workloads::zoo::contains(model + "-fmnist")
                                     ? workloads::zoo::make(model + "-fmnist")
                                     : workloads::load_workload(model);
  static const std::regex body(R"(^W(\d+)A(\d+) body$)");
  std::smatch match;
  if (std::regex_match(description, match, body) && match[1].str() == match[2].str()) {
    const int bits = std::stoi(match[1].str());
    for (workloads::Layer& layer : workload.layers) {
      if (layer.has_weights() && layer.precision == workloads::Precision{2, 2}) layer.precision = {bits, bits};
    }
  }
  return workload;
}

}  // namespace

TrainedRun read_trained_run(const fs::path& dir, const std::string& model_override) {
  TrainedRun run;
  run.dir = dir;
  const std::string name = dir.string();
  if (!fs::exists(dir)) throw core::InputError(fmt::format("{}: no such run directory", name));
  if (!fs::is_directory(dir)) throw core::InputError(fmt::format("{}: not a directory (expected an nce train run)", name));
  const fs::path checkpoint = dir / "checkpoint.bin";
  const fs::path model = dir / "model.yaml";
  const fs::path summary_file = dir / "summary.json";
  if (fs::exists(dir / "search.jsonl") || (fs::exists(dir / "derived.yaml") && !fs::exists(model))) {
    throw core::InputError(fmt::format(
        "{} is a search run: train its derived network first (nce train --model {}/derived.yaml --out RUN2/), "
        "then run nce infer RUN2/",
        name, name));
  }
  if (!fs::exists(checkpoint)) {
    throw core::InputError(fmt::format("{}: not found (not an nce train run directory)", checkpoint.string()));
  }
  if (!fs::exists(summary_file)) {
    throw core::InputError(fmt::format("{}: not found (the training has not finished; nce train writes it after the last "
                                       "epoch)",
                                       summary_file.string()));
  }
  const nlohmann::json summary = read_json(summary_file);
  run.dataset = field<std::string>(summary, "dataset", summary_file);
  const std::string description = summary.value("description", std::string());
  const bool quantized = summary.contains("quantized") ? summary.at("quantized").get<bool>() : description != "W32A32";
  if (!quantized) {
    throw core::InputError(fmt::format("{} is a W32A32 (float) run: it has no integer codes to run on the array", name));
  }
  if (summary.contains("quant_recipe")) {
    run.recipe = parse_recipe(field<std::string>(summary, "quant_recipe", summary_file), summary_file);
  }
  run.identity.seed = field<std::uint64_t>(summary, "seed", summary_file);
  run.identity.batch = field<std::uint64_t>(summary, "batch", summary_file);
  run.identity.train_examples = field<std::uint64_t>(summary, "train_examples", summary_file);
  run.epochs = summary.value("epochs", 0);
  run.test_examples = summary.value("test_examples", 0);
  if (summary.contains("test_accuracy")) run.test_accuracy = summary.at("test_accuracy").get<double>();

  if (!model_override.empty()) {
    run.workload = resolve_override(model_override, run.dataset, description);
    run.model_source = model_override;
  } else {
    if (!fs::exists(model)) {
      throw core::InputError(fmt::format("{}: not found (runs before nce train wrote it: name the workload with --model "
                                         "NAME|FILE)",
                                         model.string()));
    }
    run.workload = workloads::load_workload(model.string());
    run.model_source = model.string();
  }
  (void)workloads::analyze(run.workload);
  return run;
}

std::unique_ptr<train::Network> load_network(const TrainedRun& run) {
  std::unique_ptr<train::Network> network;
  try {
    network = std::make_unique<train::Network>(run.workload, run.identity.seed, true, run.recipe);
  } catch (const std::invalid_argument& error) {
    throw core::InputError(fmt::format("{}: {}", run.model_source, error.what()));
  }
  // The optimizer only receives the momentum buffers the checkpoint carries; inference ignores them.
  train::Sgd optimizer(network->parameters(), 0.9, 0.0);
  (void)train::load_checkpoint(run.dir / "checkpoint.bin", run.identity, *network, optimizer);
  return network;
}

}  // namespace nce::infer
