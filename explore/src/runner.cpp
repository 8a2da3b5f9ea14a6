#include "nce/explore/runner.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>
#include <ostream>
#include <regex>
#include <set>
#include <thread>

#include "execution.hpp"
#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"
#include "nce/explore/validate.hpp"
#include "nce/workloads/workload_file.hpp"

namespace nce::explore {
namespace {

int default_threads(int threads) {
  if (threads > 0) return threads;
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  return std::max(1, cores / ranks_on_this_node());
}

// A value with the largest of `units` (each 1000x the previous) that keeps it at least 1.
std::string shown(const PointRecord& r, const std::string& metric, std::initializer_list<const char*> units) {
  if (!r.has(metric)) return "-";
  double value = r.metric(metric);
  const char* unit = *units.begin();
  for (auto it = units.begin() + 1; it != units.end() && value >= 1000; ++it) {
    value /= 1000;
    unit = *it;
  }
  return fmt::format("{:.4g} {}", value, unit);
}

// The width patterns' networks as workload files (PlannedNetwork::file), for nce simulate,
// nce train and --networks; rewritten only when their text changed.
void write_network_files(const Plan& plan, const std::filesystem::path& out) {
  for (const PlannedNetwork& n : plan.networks) {
    if (n.file.empty() || !std::filesystem::path(n.file).is_relative()) continue;
    const std::filesystem::path path = out / n.file;
    const std::string text = workloads::workload_to_yaml(n.network);
    if (std::filesystem::exists(path)) {
      std::ifstream in(path);
      const std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (old == text) continue;
    }
    std::filesystem::create_directories(path.parent_path());
    core::write_file_atomically(path, text);
  }
}

}  // namespace

Shard parse_shard(const std::string& text) {
  static const std::regex pattern(R"((\d{1,9})/(\d{1,9}))");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) throw core::InputError(fmt::format("--shard '{}': expected i/N, e.g. 0/4", text));
  const Shard shard{std::stoul(match[1]), std::stoul(match[2])};
  if (shard.count < 1 || shard.index >= shard.count) {
    throw core::InputError(fmt::format("--shard {}: needs 0 <= i < N", text));
  }
  return shard;
}

std::string findings_text(const std::vector<PointRecord>& records, const Findings& findings,
                          const OutputOptions& options, const std::filesystem::path& out) {
  std::string text;
  for (const Front& f : findings.fronts) {
    text += fmt::format("front {} of {}: {} of its points\n", fmt::format("{}", fmt::join(f.objectives, " x ")), f.workload,
                        f.members.size());
  }
  std::vector<std::string> constraints;
  for (const Constraint& c : options.constraints) constraints.push_back(c.text);
  for (const BestPoint& b : findings.best) {
    const std::string under = constraints.empty() ? "" : fmt::format(" under {}", fmt::join(constraints, ", "));
    if (!b.record) {
      text += fmt::format("best {} by {}{}: no point meets the constraints\n", b.workload, b.metric, under);
      continue;
    }
    const PointRecord& r = records[*b.record];
    text += fmt::format("best {} by {}{}: #{} {}: {} cycles, {}, {}, {}{}\n", b.workload, b.metric, under, r.index,
                        describe(r), r.has("cycles") ? fmt::format("{:.0f}", r.metric("cycles")) : "-",
                        shown(r, "latency_us", {"us", "ms", "s"}), shown(r, "energy_pj", {"pJ", "nJ", "uJ", "mJ", "J"}),
                        shown(r, "area_mm2", {"mm2"}),
                        r.has("accuracy") ? fmt::format(", accuracy {:.4f}", r.metric("accuracy")) : "");
  }
  text += fmt::format("outputs: {0}/points.csv, {0}/points.json, {0}/pareto.csv, {0}/report.html, {0}/points.jsonl\n",
                      out.string());
  return text;
}

int run_exploration(const Plan& plan, const RunOptions& options) {
  MpiSession mpi;
  const int threads = default_threads(options.threads);
  omp_set_num_threads(threads);
  PointRunner runner(plan, options.out);

  if (mpi.rank() != 0) {  // a worker: wait for rank 0's word, then evaluate what it hands out
    if (!mpi.broadcast_go(false)) return 0;  // rank 0 reports why, and the job's status is its
    runner.prepare();
    work(mpi, plan, runner);
    return 0;
  }

  std::vector<const PlannedPoint*> pending;
  std::size_t in_shard = 0, skipped = 0;
  std::unique_ptr<RunDirectory> directory;
  try {
    runner.prepare();  // the dataset, before anything is written
    directory = std::make_unique<RunDirectory>(options.out, spec_header(plan), options.force, options.log);
    std::set<std::string> finished;
    for (const PointRecord& r : directory->finished()) finished.insert(r.key);
    for (const PlannedPoint& p : plan.points) {
      if (!options.shard.contains(p.index)) continue;
      ++in_shard;
      if (finished.contains(p.key)) {
        ++skipped;
      } else {
        pending.push_back(&p);
      }
    }
  } catch (...) {
    mpi.broadcast_go(false);
    mpi.finalize();  // every rank stops cleanly; the error goes up to be reported
    throw;
  }
  mpi.broadcast_go(true);

  std::ostream* log = options.log;
  if (log) {
    *log << fmt::format("explore: {} points{}, {} finished before, {} to evaluate{}\n", in_shard,
                        options.shard.count > 1 ? fmt::format(" in shard {}/{}", options.shard.index, options.shard.count) : "",
                        skipped, pending.size(),
                        mpi.active() ? fmt::format(" on {} MPI ranks", mpi.size())
                                     : fmt::format(" on {} thread{}", threads, threads == 1 ? "" : "s"));
    if (mpi.active() && mpi.size() == 1) {
      *log << "explore: one MPI rank: nothing to distribute, running every point in this process\n";
    }
  }
  // The networks' files go out while the points are evaluated (each write is synced).
  std::future<void> networks = std::async(std::launch::async, [&] { write_network_files(plan, options.out); });
  Progress progress(in_shard, skipped, log, plan.searching() ? 10.0 : 2.0);
  if (mpi.size() > 1) {
    coordinate(mpi, pending, runner, *directory, progress, threads);
  } else {
    run_locally(pending, runner, *directory, progress, plan.searching() ? 1 : threads);
  }
  progress.print(true);
  networks.get();
  const double seconds = progress.elapsed_s();

  // Outputs from every finished point of this plan (earlier runs' included).
  std::set<std::string> keys;
  for (const PlannedPoint& p : plan.points) keys.insert(p.key);
  std::vector<PointRecord> records;
  for (const PointRecord& r : directory->finished()) {
    if (keys.contains(r.key)) records.push_back(r);
  }
  std::sort(records.begin(), records.end(), [](const PointRecord& a, const PointRecord& b) { return a.index < b.index; });
  const Findings findings = write_outputs(options.out, spec_header(plan), records, options.outputs);
  const std::size_t infeasible =
      std::size_t(std::count_if(records.begin(), records.end(), [](const PointRecord& r) { return !r.feasible; }));
  if (options.summary) {
    std::ostream& out = *options.summary;
    out << fmt::format("explore: {} points ({} evaluated now, {} finished before, {} infeasible) in {}", records.size(),
                       pending.size(), skipped, infeasible, duration_text(seconds));
    const Evaluator& evaluator = runner.evaluator();
    if (evaluator.layer_lookups() > 0) {
      out << fmt::format("; {} layer evaluations for {} layers ({:.1f}% from the cache)", evaluator.layer_evaluations(),
                         evaluator.layer_lookups(),
                         100.0 * double(evaluator.layer_lookups() - evaluator.layer_evaluations()) /
                             double(evaluator.layer_lookups()));
    }
    out << "\n" << findings_text(records, findings, options.outputs, options.out);
  }
  if (options.validate > 0) {
    std::ostream& out = options.summary ? *options.summary : *options.log;
    if (options.log) {
      *options.log << fmt::format("validate: re-simulating {} random points in SystemC, one at a time\n", options.validate)
                   << std::flush;
    }
    const ValidationResult v =
        validate_points(plan, options.out, records, options.validate, options.validate_seed, runner.evaluator(), out);
    out << fmt::format("validate: {} of {} points equal the SystemC model in every statistic ({} simulated cycles, {})\n",
                       v.checked - v.differing, v.checked, v.simulated_cycles, duration_text(v.seconds));
    if (v.differing > 0) return 1;
  }
  return 0;
}

void merge_explorations(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& out,
                        const OutputOptions& outputs, std::ostream* summary) {
  if (dirs.empty()) throw core::InputError("merge: give at least one run directory");
  std::vector<RunContents> contents;
  for (const std::filesystem::path& dir : dirs) {
    contents.push_back(read_run_directory(dir));
    if (contents.back().header.hash != contents.front().header.hash) {
      throw core::InputError(fmt::format("merge: {} holds spec {}, but {} holds spec {}", dir.string(),
                                         contents.back().header.hash, dirs.front().string(), contents.front().header.hash));
    }
  }
  const SpecHeader& header = contents.front().header;
  core::prepare_output_directory(out);
  if (std::filesystem::exists(out / "spec.json")) {
    const RunContents existing = read_run_directory(out);
    if (existing.header.hash != header.hash) {
      throw core::InputError(fmt::format("merge: --out {} holds spec {}, the directories spec {}", out.string(),
                                         existing.header.hash, header.hash));
    }
  }
  std::vector<PointRecord> records;
  std::set<std::string> keys;
  std::size_t duplicates = 0;
  for (const RunContents& c : contents) {
    for (const PointRecord& r : c.records) {
      if (keys.insert(r.key).second) {
        records.push_back(r);
      } else {
        ++duplicates;
      }
    }
  }
  std::sort(records.begin(), records.end(), [](const PointRecord& a, const PointRecord& b) { return a.index < b.index; });
  std::string lines;
  for (const PointRecord& r : records) lines += to_json(r).dump() + "\n";
  write_spec_file(out, header);
  core::write_file_atomically(out / "points.jsonl", lines);
  for (const std::filesystem::path& dir : dirs) {  // the width patterns' network files
    if (!std::filesystem::is_directory(dir / "networks") || std::filesystem::equivalent(dir, out)) continue;
    std::filesystem::create_directories(out / "networks");
    std::filesystem::copy(dir / "networks", out / "networks", std::filesystem::copy_options::skip_existing);
  }
  const Findings findings = write_outputs(out, header, records, outputs);
  if (summary) {
    *summary << fmt::format("merge: {} directories, {} of the grid's {} points{}{}\n", dirs.size(), records.size(),
                            header.points, duplicates ? fmt::format(" ({} duplicates ignored)", duplicates) : "",
                            records.size() < header.points
                                ? fmt::format("; {} missing (unfinished shards)", header.points - records.size())
                                : "");
    *summary << findings_text(records, findings, outputs, out);
  }
}

}  // namespace nce::explore
