#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "execution.hpp"

namespace nce::explore {

void run_locally(const std::vector<const PlannedPoint*>& pending, PointRunner& runner, RunDirectory& directory,
                 Progress& progress, int threads) {
  const std::size_t workers = std::min<std::size_t>(pending.size(), std::size_t(std::max(threads, 1)));
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::condition_variable ready_cv;
  std::vector<PointRecord> ready;
  std::exception_ptr failure;
  std::size_t running = workers;
  auto worker = [&] {
    try {
      for (std::size_t i = next++; i < pending.size(); i = next++) {
        PointRecord record = runner.run(*pending[i], 0);
        std::lock_guard lock(mutex);
        ready.push_back(std::move(record));
        ready_cv.notify_one();
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      next = pending.size();
    }
    std::lock_guard lock(mutex);
    --running;
    ready_cv.notify_one();
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(worker);
  // The calling thread evaluates too when it is the only worker (search points: their OpenMP
  // threads then belong to the main thread); otherwise it commits finished points.
  if (workers <= 1) {
    // Points finished within 0.1 s go out in one durable write (a kill loses at most that).
    std::vector<PointRecord> batch;
    auto last_write = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < pending.size(); ++i) {
      batch.push_back(runner.run(*pending[i], 0));
      const auto now = std::chrono::steady_clock::now();
      if (i + 1 < pending.size() && now - last_write < std::chrono::milliseconds(100)) continue;
      directory.append(batch);
      progress.done(batch.size());
      progress.print();
      batch.clear();
      last_write = now;
    }
    return;
  }
  pool.emplace_back(worker);
  std::vector<PointRecord> batch;
  while (true) {
    {
      std::unique_lock lock(mutex);
      ready_cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return !ready.empty() || running == 0; });
      batch.swap(ready);
      if (batch.empty() && running == 0) break;
    }
    directory.append(batch);  // one fsync for every point finished meanwhile
    progress.done(batch.size());
    progress.print();
    batch.clear();
  }
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace nce::explore
