// A persistent thread pool: workers wait briefly (spinning), then sleep on a
// condition variable between jobs; the calling thread takes part in every job.
// One job runs at a time (calls are serialised), which matches tfjs's
// synchronous kernel calls.
//
// On a machine with as many busy threads as cores (2 vCPUs shared with other
// processes) a sleeping worker can take a scheduler slice (milliseconds) to
// wake. A job therefore never waits for a worker that has not started on it:
// tasks are taken from a shared counter, the caller takes them too, and once
// the caller finds none left it closes the job and waits only for the workers
// that joined (each finishing the task it holds). A worker that wakes after
// the close skips that job. So a late worker costs at most the tasks it would
// have done, run by the caller instead, never an idle wait for its wake-up.
//
// Waking a sleeping worker is a system call on the caller's path, and on a
// loaded 2-vCPU machine the worker often gets no core before a job of some
// tens of microseconds is over (measured: exp over 16-64k floats took 15%
// longer with the pool than on one thread). So a caller marks small jobs
// (`wake = false`): they use workers that are still spinning after the
// previous job (no system call), and run on the calling thread alone when all
// workers sleep.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bijective {

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads) { start(threads); }
  ~ThreadPool() { stop(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** Total threads doing work in a job, the caller included. */
  size_t size() const { return workers_.size() + 1; }

  void resize(size_t threads) {
    std::lock_guard<std::mutex> job(run_mutex_);
    stop();
    start(threads);
  }

  /**
   * Calls fn(i) for i in [0, n), spread over the pool; returns when all are done.
   * With `wake` false (a small job) sleeping workers are left asleep: the job
   * runs on the caller, joined only by workers that are still spinning.
   */
  void run(size_t n, const std::function<void(size_t)>& fn, bool wake = true) {
    if (n == 0) return;
    std::lock_guard<std::mutex> job(run_mutex_);
    if (workers_.empty() || n == 1) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    bool asleep = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!wake && sleepers_ == workers_.size()) {
        lock.unlock();
        ++inline_jobs_;
        for (size_t i = 0; i < n; ++i) fn(i);
        return;
      }
      task_ = &fn;
      count_ = n;
      next_.store(0);
      joined_ = 0;
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
      asleep = sleepers_ > 0;
    }
    // Spinning workers see the new generation without a system call.
    if (asleep) wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    // Every task is taken: no late worker may join, and only those that did are waited for.
    open_ = false;
    done_.wait(lock, [this] { return joined_ == 0; });
    task_ = nullptr;
  }

  /** Jobs run on the caller alone because they were small and every worker slept (for tests). */
  uint64_t inline_jobs() const { return inline_jobs_.load(); }

 private:
  /** How long an idle worker spins on the job counter before it sleeps. */
  static constexpr std::chrono::microseconds SPIN{100};

  void drain() {
    for (size_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) (*task_)(i);
  }

  /** Spin for up to SPIN for a job after `seen`; true when one was published. */
  bool spin_for(uint64_t seen) const {
    const auto until = std::chrono::steady_clock::now() + SPIN;
    do {
      for (int i = 0; i < 64; ++i)
        if (generation_.load(std::memory_order_acquire) != seen || stopping_flag_.load()) return true;
      std::this_thread::yield();
    } while (std::chrono::steady_clock::now() < until);
    return false;
  }

  void start(size_t threads) {
    stopping_ = false;
    stopping_flag_.store(false);
    const size_t extra = threads > 1 ? threads - 1 : 0;
    // A new worker must not mistake jobs finished before it started for new ones.
    const uint64_t current = generation_.load();
    for (size_t t = 0; t < extra; ++t) {
      workers_.emplace_back([this, current] {
        uint64_t seen = current;
        for (;;) {
          spin_for(seen);
          std::unique_lock<std::mutex> lock(mutex_);
          ++sleepers_;
          wake_.wait(lock, [&] { return stopping_ || generation_.load() != seen; });
          --sleepers_;
          if (stopping_) return;
          seen = generation_.load();
          if (!open_) continue;  // woke after the job closed: its tasks are done
          ++joined_;
          lock.unlock();
          drain();
          lock.lock();
          if (--joined_ == 0 && !open_) done_.notify_one();
        }
      });
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      stopping_flag_.store(true);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(size_t)>* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  /** Workers inside the current job's drain (guarded by mutex_). */
  size_t joined_ = 0;
  /** Workers blocked on wake_ (guarded by mutex_): notify only when one sleeps. */
  size_t sleepers_ = 0;
  /** The current job still accepts workers (guarded by mutex_). */
  bool open_ = false;
  std::atomic<uint64_t> generation_{0};
  bool stopping_ = false;
  std::atomic<bool> stopping_flag_{false};
  std::atomic<uint64_t> inline_jobs_{0};
};

/** The process-wide pool (created on first use with one thread per core). */
ThreadPool& pool();

}  // namespace bijective
