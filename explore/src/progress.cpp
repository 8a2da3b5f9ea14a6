#include "nce/explore/progress.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ostream>

namespace nce::explore {

std::string duration_text(double seconds) {
  if (seconds < 10) return fmt::format("{:.2f} s", seconds);
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const auto s = static_cast<long>(std::lround(seconds));
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

Progress::Progress(std::size_t total, std::size_t skipped, std::ostream* out, double interval_s)
    : total_(total), skipped_(skipped), out_(out), interval_s_(interval_s), start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::done(std::size_t points) { done_ += points; }

void Progress::rank_status(int rank, std::string status) { ranks_[rank] = std::move(status); }

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::print(bool force) {
  if (!out_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && std::chrono::duration<double>(now - last_print_).count() < interval_s_) return;
  if (force && printed_ && std::chrono::duration<double>(now - last_print_).count() < 1e-3) return;
  last_print_ = now;
  printed_ = true;
  const std::size_t finished = skipped_ + done_;
  const double elapsed = elapsed_s();
  const std::size_t left = total_ > finished ? total_ - finished : 0;
  std::string eta = "-";
  if (left == 0) {
    eta = "0 s";
  } else if (done_ > 0) {
    eta = duration_text(elapsed / double(done_) * double(left));
  }
  std::string line = fmt::format("explore: {}/{} points ({:.1f}%), {} elapsed, ETA {}", finished, total_,
                                 total_ ? 100.0 * double(finished) / double(total_) : 100.0, duration_text(elapsed), eta);
  if (skipped_ > 0) line += fmt::format(" ({} finished before)", skipped_);
  *out_ << line << "\n";
  for (const auto& [rank, status] : ranks_) *out_ << fmt::format("  rank {}: {}\n", rank, status);
  out_->flush();
}

}  // namespace nce::explore
