// nce: hardware/network co-design for 2-bit MAC arrays. Thin: parse, call libraries, print.
#include <fmt/format.h>

#include <array>
#include <iostream>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "nce/core/input_error.hpp"

namespace {

using nce::app::Verb;

constexpr std::array kVerbs = {
    Verb{"workload", "show, list or export networks (zoo models, workload files, SCALE-Sim CSVs)",
         nce::app::run_workload},
    Verb{"import", "an ONNX model (Conv incl. depthwise, Gemm/MatMul, BN, ReLU, pooling, Add) as a workload file",
         nce::app::run_import},
    Verb{"train", "train a quantized network (PACT activations, 2-bit weights) on Fashion-MNIST or CIFAR-10",
         nce::app::run_train},
    Verb{"simulate", "run a workload on the cycle-accurate SystemC accelerator model; per-layer report",
         nce::app::run_simulate},
    Verb{"cost-table", "per-layer cost tables over width candidates (analytical/simulated), validated against SystemC",
         nce::app::run_cost_table},
    Verb{"lut", "latency/energy lookup tables per layer geometry and precision (JSON, CSV) for other NAS frameworks",
         nce::app::run_lut},
    Verb{"search", "NCE/TAS channel search with the accelerator's latency/energy (or FLOPs/params) as the hardware loss",
         nce::app::run_search},
    Verb{"explore", "price a grid of networks x arrays/dataflows/buffers/widths: area, Pareto fronts, report; --search, MPI",
         nce::app::run_explore},
    Verb{"infer", "a trained network's integer inference on the simulated array (or its RTL): agreement, accuracy, cost", nce::app::run_infer},
    Verb{"verify-rtl", "run random GEMM tiles through the verilated MAC array against the reference model",
         nce::app::run_verify_rtl},
};

// An error is one line on stderr whatever it quotes: a newline or other control character from
// an input (a YAML scalar, a file name) is written as an escape.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

void print_usage(std::ostream& out) {
  out << "usage: nce <verb> [options]   (nce <verb> --help for a verb's options)\n\nverbs:\n";
  for (const Verb& verb : kVerbs) out << fmt::format("  {:<12} {}\n", verb.name, verb.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return nce::app::kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return nce::app::kExitOk;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Verb& verb : kVerbs) {
    if (name != verb.name) continue;
    try {
      return verb.run(args);
    } catch (const nce::app::UsageError& error) {
      std::cerr << "nce " << name << ": " << one_line(error.what()) << "\n";
    } catch (const nce::core::InputError& error) {
      std::cerr << "nce " << name << ": " << one_line(error.what()) << "\n";
    } catch (const std::exception& error) {
      std::cerr << "nce " << name << ": internal error: " << one_line(error.what()) << "\n";
      return nce::app::kExitFailure;
    }
    return nce::app::kExitUsage;
  }
  std::cerr << "nce: unknown verb '" << name << "' (nce --help lists them)\n";
  return nce::app::kExitUsage;
}
