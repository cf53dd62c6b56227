// A persistent thread pool: workers sleep on a condition variable between
// jobs; the calling thread takes part in every job. One job runs at a time
// (calls are serialised), which matches tfjs's synchronous kernel calls.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
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

  /** Calls fn(i) for i in [0, n), spread over the pool; returns when all are done. */
  void run(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    std::lock_guard<std::mutex> job(run_mutex_);
    if (workers_.empty() || n == 1) {
      for (size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &fn;
      count_ = n;
      next_.store(0);
      active_ = workers_.size();
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
    task_ = nullptr;
  }

 private:
  void drain() {
    for (size_t i = next_.fetch_add(1); i < count_; i = next_.fetch_add(1)) (*task_)(i);
  }

  void start(size_t threads) {
    stopping_ = false;
    const size_t extra = threads > 1 ? threads - 1 : 0;
    // A new worker must not mistake jobs finished before it started for new ones.
    const uint64_t current = generation_;
    for (size_t t = 0; t < extra; ++t) {
      workers_.emplace_back([this, current] {
        uint64_t seen = current;
        for (;;) {
          {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) return;
            seen = generation_;
          }
          drain();
          std::lock_guard<std::mutex> lock(mutex_);
          if (--active_ == 0) done_.notify_one();
        }
      });
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
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
  size_t active_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

/** The process-wide pool (created on first use with one thread per core). */
ThreadPool& pool();

}  // namespace bijective
