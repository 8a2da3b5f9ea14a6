#include <fmt/format.h>
#include <omp.h>

#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "execution.hpp"

namespace nce::explore {
namespace {

constexpr int kTagResult = 1;

using Clock = std::chrono::steady_clock;

// The points still to hand out, shared by the coordinator (for the other ranks) and rank 0's
// own worker thread.
struct Queue {
  std::mutex mutex;
  std::deque<const PlannedPoint*> points;
  std::vector<PointRecord> finished_here;  // by rank 0's worker, not yet appended
  std::exception_ptr failure;
  bool worker_done = false;

  const PlannedPoint* take() {
    std::lock_guard lock(mutex);
    if (points.empty()) return nullptr;
    const PlannedPoint* p = points.front();
    points.pop_front();
    return p;
  }
};

}  // namespace

void coordinate(const MpiSession& mpi, const std::vector<const PlannedPoint*>& pending, PointRunner& runner,
                RunDirectory& directory, Progress& progress, int threads) {
  Queue queue;
  queue.points.assign(pending.begin(), pending.end());
  struct Assignment {
    std::string key;
    Clock::time_point since;
  };
  std::map<int, Assignment> running;  // rank -> its point
  std::mutex running_mutex;

  // Rank 0 evaluates too, on a thread of its own; this thread keeps answering the other ranks.
  std::thread worker([&] {
    omp_set_num_threads(threads);
    try {
      while (const PlannedPoint* point = queue.take()) {
        {
          std::lock_guard lock(running_mutex);
          running[0] = {point->key, Clock::now()};
        }
        PointRecord record = runner.run(*point, 0);
        std::lock_guard lock(queue.mutex);
        queue.finished_here.push_back(std::move(record));
      }
    } catch (...) {
      std::lock_guard lock(queue.mutex);
      queue.failure = std::current_exception();
      queue.points.clear();
    }
    std::lock_guard lock(running_mutex);
    running.erase(0);
    std::lock_guard done(queue.mutex);
    queue.worker_done = true;
  });

  int workers = mpi.size() - 1;
  for (int rank = 1; rank < mpi.size(); ++rank) progress.rank_status(rank, "starting");
  bool local_done = false;
  while (workers > 0 || !local_done) {
    std::vector<PointRecord> here;
    {
      std::lock_guard lock(queue.mutex);
      here.swap(queue.finished_here);
      local_done = queue.worker_done;
    }
    if (!here.empty()) {
      directory.append(here);
      progress.done(here.size());
    }
    std::string text;
    int from = 0;
    if (workers == 0 || !mpi.poll_text(kTagResult, text, from)) {
      // Nothing from the other ranks: leave the cores to the workers, keep the progress current.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard lock(running_mutex);
      for (int rank = 0; rank < mpi.size(); ++rank) {
        const auto it = running.find(rank);
        if (it == running.end()) {
          if (rank == 0) progress.rank_status(0, local_done ? "done" : "idle");
          continue;
        }
        progress.rank_status(rank, fmt::format("{} ({:.0f} s)", it->second.key,
                                               std::chrono::duration<double>(Clock::now() - it->second.since).count()));
      }
      progress.print();
      continue;
    }
    if (!text.empty()) {
      directory.append({record_from_json(nlohmann::json::parse(text), fmt::format("rank {}", from))});
      progress.done();
      std::lock_guard lock(running_mutex);
      running.erase(from);
    }
    if (const PlannedPoint* point = queue.take()) {
      mpi.send_index(from, static_cast<long long>(point->index));
      std::lock_guard lock(running_mutex);
      running[from] = {point->key, Clock::now()};
    } else {
      mpi.send_index(from, -1);
      progress.rank_status(from, "done");
      --workers;
    }
    progress.print();
  }
  worker.join();
  if (queue.failure) std::rethrow_exception(queue.failure);
}

void work(const MpiSession& mpi, const Plan& plan, PointRunner& runner) {
  mpi.send_text(0, kTagResult, "");
  while (true) {
    const long long index = mpi.receive_index(0);
    if (index < 0) return;
    const PointRecord record = runner.run(plan.points.at(std::size_t(index)), mpi.rank());
    mpi.send_text(0, kTagResult, to_json(record).dump());
  }
}

}  // namespace nce::explore
