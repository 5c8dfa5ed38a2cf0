// When asynchronous jobs on the pool (block pipelines, the backward's row grouping) start workers.
//
// A worker that loses its core in the middle of a job makes the calling thread wait for it. Such stalls
// also happen on an idle machine. On the 2-core test VM, a spinning thread lost its core for more than
// 0.1 ms about 15 times a second, for up to 2 ms, and about one 2-thread call in four had a stall. So one
// stall changes nothing for the next job. Jobs that stall one after another suggest that other work keeps
// the cores busy, and then workers cost more than they bring. So from the second stalled job in a row,
// jobs start no workers for 1 ms, doubling with every further stalled job up to 16 ms.
#pragma once

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#endif

namespace wasm_embedding {

// How long the calling thread waits for a worker before it counts the worker as stalled. A pipeline block
// of 128 KiB took 15 to 25 microseconds to fill on the test VM, so a worker that takes far longer has lost
// its core.
constexpr double kWorkerPatienceMs = 0.2;

inline double worker_clock_ms() {
#ifdef __EMSCRIPTEN__
  return emscripten_get_now();
#else
  return 0;
#endif
}

// Backoff state of one kind of job, used from the calling thread only.
class WorkerBackoff {
 public:
  // Returns whether a job starting now may start workers.
  bool allows_workers() const { return worker_clock_ms() >= resume_at_ms_; }

  // Records the end of a job that started workers.
  void record_job(bool stalled) {
    if (!stalled) {
      stalled_jobs_in_a_row_ = 0;
      return;
    }
    stalled_jobs_in_a_row_ += 1;
    resume_at_ms_ = worker_clock_ms() + backoff_ms(stalled_jobs_in_a_row_);
  }

 private:
  static constexpr double kFirstBackoffMs = 1;
  static constexpr double kMaxBackoffMs = 16;

  static double backoff_ms(int stalled_jobs) {
    if (stalled_jobs < 2) return 0;
    double backoff = kFirstBackoffMs;
    for (int job = 2; job < stalled_jobs && backoff < kMaxBackoffMs; ++job) backoff *= 2;
    return backoff < kMaxBackoffMs ? backoff : kMaxBackoffMs;
  }

  int stalled_jobs_in_a_row_ = 0;
  double resume_at_ms_ = 0;
};

}  // namespace wasm_embedding
