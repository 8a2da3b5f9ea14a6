// nce verify-rtl: random GEMM tiles through the verilated mac_array, checked against the
// integer reference model.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <iostream>
#include <random>
#include <regex>

#include "accelerator_options.hpp"
#include "cli.hpp"
#include "flag_ranges.hpp"
#include "nce/rtl/array_driver.hpp"
#include "nce/rtl/random_tiles.hpp"
#include "nce/core/input_error.hpp"

namespace nce::app {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int run_verify_rtl(const std::vector<std::string>& args) {
  std::string array_text;
  long long tiles = 0;
  long long seed = 0;
  std::string trace_path;
  std::string format;
  po::options_description options("verify-rtl");
  options.add_options()
      ("array", po::value(&array_text)->default_value("16x16"), "array size ROWSxCOLS (a verilated size)")
      ("tiles", ranged(&tiles, "--tiles", between(1, 1e9))->default_value(1000), "random GEMM tiles to check")
      ("seed", po::value(&seed)->default_value(1), "random seed (same seed, same tiles)")
      ("trace", po::value(&trace_path),
       "write a waveform of the whole run, VCD or FST by the file's extension (GTKWave opens both); "
       "runs the traced model, which is slower")
      ("format", po::value(&format)->default_value("table"), "table or json");
  po::variables_map values;
  const std::string usage =
      "usage: nce verify-rtl [--array RxC] [--tiles N] [--seed S] [--trace FILE.vcd|FILE.fst] [--format table|json]\n"
      "Streams random 2-bit GEMM tiles through the verilated mac_array (rtl/mac_array.sv) and compares\n"
      "every output with the integer reference model; exit 1 on any mismatch.";
  if (!parse(usage, options, {}, args, values)) return kExitOk;

  const ArraySize size = parse_array(array_text);
  if (seed < 0) throw UsageError(fmt::format("--seed {}: must not be negative", seed));
  if (format != "table" && format != "json") throw UsageError(fmt::format("--format '{}': expected table or json", format));
  rtl::Waveform waveform = rtl::Waveform::none;
  if (!trace_path.empty()) {
    if (!ends_with(trace_path, ".vcd") && !ends_with(trace_path, ".fst")) {
      throw UsageError(fmt::format("--trace '{}': name the file *.vcd or *.fst (the format follows the extension)",
                                   trace_path));
    }
    waveform = rtl::waveform_for_path(trace_path);
  }

  // Without --trace the fast model (no tracing code) runs; with it, the model of that format.
  rtl::ArrayDriver driver(rtl::make_verilated_array(size.rows, size.cols, waveform));
  if (!trace_path.empty()) driver.model().open_trace(trace_path);

  std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
  std::uint64_t macs = 0;
  std::uint64_t outputs = 0;
  std::uint64_t mismatches = 0;
  std::chrono::duration<double> rtl_time{0};
  // Process CPU time beside wall time: other jobs on a shared machine stretch the wall clock
  // but not the CPU seconds the simulation itself used.
  double rtl_cpu_seconds = 0;
  // Batches bound memory; within a batch the tiles stream back to back.
  constexpr long long kBatch = 256;
  for (long long done = 0; done < tiles; done += kBatch) {
    std::vector<rtl::GemmTile> batch;
    for (long long i = 0; i < std::min(kBatch, tiles - done); ++i) {
      batch.push_back(rtl::random_tile(rng, size.rows, size.cols, 2 * size.rows));
    }
    const auto begin = std::chrono::steady_clock::now();
    const std::clock_t cpu_begin = std::clock();
    const std::vector<std::vector<std::int32_t>> results = driver.run(batch);
    rtl_cpu_seconds += double(std::clock() - cpu_begin) / CLOCKS_PER_SEC;
    rtl_time += std::chrono::steady_clock::now() - begin;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const rtl::GemmTile& tile = batch[i];
      const std::vector<std::int32_t> expected = rtl::reference_outputs(tile);
      const std::size_t bad = rtl::count_mismatches(expected, results[i]);
      if (bad > 0 && mismatches == 0) {
        for (std::size_t e = 0; e < expected.size(); ++e) {
          if (expected[e] == results[i][e]) continue;
          std::cerr << fmt::format("nce verify-rtl: first mismatch in tile {} ({}x{}x{}), output column {}, "
                                   "position {}: RTL {} vs reference {}\n",
                                   done + static_cast<long long>(i), tile.k, tile.m, tile.n, e / std::size_t(tile.n),
                                   e % std::size_t(tile.n), results[i][e], expected[e]);
          break;
        }
      }
      mismatches += bad;
      macs += std::uint64_t(tile.k) * std::uint64_t(tile.m) * std::uint64_t(tile.n);
      outputs += expected.size();
    }
  }
  driver.model().close_trace();

  const double seconds = rtl_time.count();
  const double cycles_per_second = seconds > 0 ? double(driver.cycles()) / seconds : 0.0;
  const double cycles_per_cpu_second = rtl_cpu_seconds > 0 ? double(driver.cycles()) / rtl_cpu_seconds : 0.0;
  if (format == "json") {
    const nlohmann::json report = {{"array", fmt::format("{}x{}", size.rows, size.cols)},
                                   {"seed", seed},
                                   {"tiles", tiles},
                                   {"macs_checked", macs},
                                   {"outputs_checked", outputs},
                                   {"mismatches", mismatches},
                                   {"rtl_cycles", driver.cycles()},
                                   {"rtl_seconds", seconds},
                                   {"rtl_cycles_per_second", cycles_per_second},
                                   {"rtl_cpu_seconds", rtl_cpu_seconds},
                                   {"rtl_cycles_per_cpu_second", cycles_per_cpu_second}};
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << fmt::format("array:            {}x{} (verilated mac_array, {}-bit accumulator)\n", size.rows,
                             size.cols, driver.model().acc_width())
              << fmt::format("seed:             {}\n", seed) << fmt::format("tiles:            {}\n", tiles)
              << fmt::format("MACs checked:     {}\n", macs) << fmt::format("outputs checked:  {}\n", outputs)
              << fmt::format("mismatches:       {}\n", mismatches)
              << fmt::format("RTL cycles:       {}\n", driver.cycles())
              << fmt::format("RTL cycles/s:     {:.0f} ({:.3f} s wall in the simulator and its driver; "
                             "{:.0f} per CPU second)\n",
                             cycles_per_second, seconds, cycles_per_cpu_second);
    if (!trace_path.empty()) {
      std::cout << fmt::format("trace:            {} ({}; cycles/s above are the traced model's)\n", trace_path,
                               rtl::to_string(waveform));
    }
  }
  return mismatches == 0 ? kExitOk : kExitFailure;
}

}  // namespace nce::app
