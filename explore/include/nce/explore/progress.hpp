#pragma once
// Progress of an exploration on a log stream (stderr): points done / total, elapsed time, an
// ETA from this run's rate, and under MPI what each rank is doing. One line at most every
// `interval_s` seconds, plus the last one. Not thread-safe: one thread reports.
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>

namespace nce::explore {

class Progress {
 public:
  // `total` points in this run's share of the grid, `skipped` of them already finished.
  Progress(std::size_t total, std::size_t skipped, std::ostream* out, double interval_s = 2.0);
  void done(std::size_t points = 1);
  void rank_status(int rank, std::string status);  // "resnet20|... (12 s)", "idle"
  void print(bool force = false);
  double elapsed_s() const;
  std::size_t evaluated() const { return done_; }

 private:
  std::size_t total_;
  std::size_t skipped_;
  std::size_t done_ = 0;
  std::ostream* out_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  bool printed_ = false;
  std::map<int, std::string> ranks_;
};

// "3 h 02 min", "4 min 05 s", "12.3 s".
std::string duration_text(double seconds);

}  // namespace nce::explore
