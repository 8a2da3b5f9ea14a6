#pragma once
// Running an exploration (docs/EXPLORE.md sections 4 and 6) and merging shards.
//
// run_exploration: opens the run directory (run_directory.hpp: refuses another spec's points
// unless force), skips the points already finished there, evaluates the rest of this shard's
// points and appends each finished point durably, then writes the outputs (outputs.hpp) from
// every finished point and, with validate > 0, re-simulates that many in SystemC.
//  - Plain process: analytical points on a pool of `threads` threads (0: every core); search
//    points one after another, each training on `threads` OpenMP threads.
//  - Launched by mpirun: rank 0 hands out points one at a time to the ranks as they ask (points
//    differ in cost by orders of magnitude), itself included (a thread of its own evaluates),
//    appends the results, prints progress with an ETA and each rank's point, and writes the
//    outputs. Each rank trains on `threads` threads (0: the node's cores / its ranks on the
//    node). One rank: it runs every point itself and says so.
// Bad input throws core::InputError before anything is written (every rank of an MPI job sees
// the same plan; rank 0 alone opens the directory and tells the others whether to go on).
// Returns the exit code: 0, or 1 when validation found a difference.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "nce/explore/outputs.hpp"
#include "nce/explore/plan.hpp"

namespace nce::explore {

// --shard i/N: the points whose index is i modulo N (round robin, so every shard gets a share
// of every part of the grid).
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool contains(std::size_t point) const { return point % count == index; }
};
Shard parse_shard(const std::string& text);  // "i/N" with 0 <= i < N; InputError otherwise

struct RunOptions {
  std::filesystem::path out;
  bool force = false;
  int threads = 0;
  Shard shard;
  int validate = 0;
  std::uint64_t validate_seed = 1;
  OutputOptions outputs;
  std::ostream* log = nullptr;     // progress and notes (stderr)
  std::ostream* summary = nullptr; // the outcome (stdout)
};

int run_exploration(const Plan& plan, const RunOptions& options);

// nce explore merge: the records of several run directories of one spec (shards, or runs on
// other machines) into `out`: spec.json, points.jsonl (one line per point) and the outputs.
// InputError when a directory is not a run directory or holds another spec.
void merge_explorations(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& out,
                        const OutputOptions& outputs, std::ostream* summary);

// The outcome in a few lines: fronts, best points, output files.
std::string findings_text(const std::vector<PointRecord>& records, const Findings& findings,
                          const OutputOptions& options, const std::filesystem::path& out);

}  // namespace nce::explore
