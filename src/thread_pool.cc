#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <vector>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten/emscripten.h>

#include <condition_variable>
#include <mutex>
#include <pthread.h>
#endif

namespace wasm_embedding {
namespace {

constexpr int kMaxThreads = 64;

// One published job: chunk i covers [bounds[i], bounds[i + 1]).
struct Job {
  RangeFunction body = nullptr;
  WorkerFunction worker_body = nullptr;
  void* context = nullptr;
  size_t bounds[kMaxThreads + 1] = {};
  int chunk_count = 0;
};

void run_inline(size_t count, RangeFunction body, void* context) {
  if (count > 0) body(context, 0, count);
}

}  // namespace

#ifdef __EMSCRIPTEN_PTHREADS__

namespace {

struct Pool {
  std::vector<pthread_t> workers;
  Job job;
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<uint32_t> generation{0};
  std::atomic<int> pending{0};
  // Workers that have begun running worker_main.
  std::atomic<int> running{0};
  // Generation when the workers were created. A worker starts from it, not from the value it reads once
  // running: a worker scheduled late would otherwise miss the first job and never acknowledge it.
  uint32_t start_generation = 0;
  bool stopping = false;
  // Set from start_on_workers to wait_for_workers. Parallel loops called meanwhile, by the workers' body or
  // by the caller, run inline on their own thread instead of republishing the job the workers are reading.
  std::atomic<bool> async_running{false};
};

Pool pool;

// Spin iterations before a worker sleeps: consecutive calls from JS arrive within microseconds, and a
// futex wake-up costs tens of microseconds.
constexpr int kSpinIterations = 20000;

void* worker_main(void* arg) {
  const int worker_index = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  uint32_t seen = pool.start_generation;
  pool.running.fetch_add(1, std::memory_order_acq_rel);

  for (;;) {
    // Wait for a new generation: spin first, then sleep on the condition variable.
    uint32_t current = seen;
    for (int spin = 0; spin < kSpinIterations; ++spin) {
      current = pool.generation.load(std::memory_order_acquire);
      if (current != seen) break;
    }
    if (current == seen) {
      std::unique_lock<std::mutex> lock(pool.mutex);
      pool.wake.wait(lock, [&] {
        return pool.stopping || pool.generation.load(std::memory_order_acquire) != seen;
      });
      if (pool.stopping) return nullptr;
      current = pool.generation.load(std::memory_order_acquire);
    }
    seen = current;

    // Chunk 0 belongs to the caller; worker k takes chunk k + 1 when the job has one. Every worker
    // acknowledges every job, so the caller never rewrites a job that a worker may still be reading.
    const int chunk = worker_index + 1;
    if (pool.job.worker_body != nullptr) {
      pool.job.worker_body(pool.job.context, worker_index);
    } else if (chunk < pool.job.chunk_count) {
      pool.job.body(pool.job.context, pool.job.bounds[chunk], pool.job.bounds[chunk + 1]);
    }
    pool.pending.fetch_sub(1, std::memory_order_acq_rel);
  }
}

// A new thread allocates its thread-local storage in wasm memory when it begins to run, after
// pthread_create has returned. Waiting for that keeps the heap in use unchanged once the pool has started
// (16 bytes per worker appeared about a millisecond after init otherwise). The wait is bounded, so a
// worker that cannot start only makes the count settle later.
constexpr double kWorkerStartWaitMs = 1000;

void wait_until_workers_run() {
  const int workers = static_cast<int>(pool.workers.size());
  const double deadline = emscripten_get_now() + kWorkerStartWaitMs;
  while (pool.running.load(std::memory_order_acquire) < workers && emscripten_get_now() < deadline) {
  }
}

// Publishes pool.job to every worker and wakes them.
void publish_job() {
  pool.pending.store(static_cast<int>(pool.workers.size()), std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  pool.wake.notify_all();
}

void wait_for_pending() {
  while (pool.pending.load(std::memory_order_acquire) != 0) {
  }
}

void run_job() {
  Job& job = pool.job;
  job.worker_body = nullptr;
  if (job.chunk_count <= 1) {
    job.body(job.context, job.bounds[0], job.bounds[1]);
    return;
  }

  // Wake the workers, run chunk 0 here and wait for the rest.
  publish_job();
  job.body(job.context, job.bounds[0], job.bounds[1]);
  wait_for_pending();
}

}  // namespace

int thread_pool_start(int requested_threads) {
  thread_pool_stop();
  const int target_workers = std::clamp(requested_threads, 1, kMaxThreads) - 1;
  pool.stopping = false;
  pool.start_generation = pool.generation.load(std::memory_order_acquire);

  for (int i = 0; i < target_workers; ++i) {
    pthread_t thread;
    // With PTHREAD_POOL_SIZE_STRICT=2, creation fails with EAGAIN when no pooled Web Worker is left;
    // the pool then runs with the workers it has.
    if (pthread_create(&thread, nullptr, worker_main, reinterpret_cast<void*>(static_cast<intptr_t>(i))) != 0) {
      break;
    }
    pool.workers.push_back(thread);
  }
  wait_until_workers_run();
  return thread_pool_size();
}

void thread_pool_stop() {
  if (pool.workers.empty()) return;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.stopping = true;
  }
  pool.wake.notify_all();
  for (pthread_t thread : pool.workers) pthread_join(thread, nullptr);
  pool.workers.clear();
  pool.running.store(0, std::memory_order_release);
  pool.stopping = false;
}

int thread_pool_size() { return static_cast<int>(pool.workers.size()) + 1; }

bool async_job_running() { return pool.async_running.load(std::memory_order_acquire); }

void parallel_for(size_t count, size_t min_chunk, size_t align, RangeFunction body, void* context) {
  if (async_job_running()) {
    run_inline(count, body, context);
    return;
  }
  align = std::max<size_t>(align, 1);
  min_chunk = std::max<size_t>(min_chunk, 1);
  const size_t max_chunks = std::max<size_t>(count / min_chunk, 1);
  const int chunks = static_cast<int>(std::min<size_t>(max_chunks, static_cast<size_t>(thread_pool_size())));
  if (chunks <= 1) {
    run_inline(count, body, context);
    return;
  }

  Job& job = pool.job;
  job.body = body;
  job.context = context;
  job.chunk_count = chunks;
  for (int i = 0; i <= chunks; ++i) {
    size_t bound = count * static_cast<size_t>(i) / static_cast<size_t>(chunks);
    bound = std::min(count, (bound + align - 1) / align * align);
    job.bounds[i] = i == chunks ? count : bound;
  }
  run_job();
}

void parallel_for_weighted(size_t count, const size_t* prefix_cost, size_t min_cost, RangeFunction body,
                           void* context) {
  if (async_job_running()) {
    run_inline(count, body, context);
    return;
  }
  const size_t total_cost = prefix_cost[count];
  min_cost = std::max<size_t>(min_cost, 1);
  const size_t max_chunks = std::max<size_t>(total_cost / min_cost, 1);
  const int chunks = static_cast<int>(std::min<size_t>(max_chunks, static_cast<size_t>(thread_pool_size())));
  if (chunks <= 1 || count <= 1) {
    run_inline(count, body, context);
    return;
  }

  // Split where the running cost first reaches i / chunks of the total.
  Job& job = pool.job;
  job.body = body;
  job.context = context;
  job.chunk_count = chunks;
  job.bounds[0] = 0;
  for (int i = 1; i < chunks; ++i) {
    const size_t target = total_cost / static_cast<size_t>(chunks) * static_cast<size_t>(i);
    const size_t* split = std::lower_bound(prefix_cost, prefix_cost + count + 1, target);
    job.bounds[i] = std::max(job.bounds[i - 1], static_cast<size_t>(split - prefix_cost));
  }
  job.bounds[chunks] = count;
  run_job();
}

int start_on_workers(WorkerFunction body, void* context) {
  if (pool.workers.empty() || async_job_running()) return 0;
  pool.async_running.store(true, std::memory_order_release);
  pool.job.worker_body = body;
  pool.job.context = context;
  pool.job.chunk_count = 0;
  publish_job();
  return static_cast<int>(pool.workers.size());
}

void wait_for_workers() {
  if (!async_job_running()) return;
  wait_for_pending();
  pool.async_running.store(false, std::memory_order_release);
}

#else  // no pthreads: everything runs on the calling thread

int thread_pool_start(int) { return 1; }
void thread_pool_stop() {}
int thread_pool_size() { return 1; }

void parallel_for(size_t count, size_t, size_t, RangeFunction body, void* context) {
  run_inline(count, body, context);
}

void parallel_for_weighted(size_t count, const size_t*, size_t, RangeFunction body, void* context) {
  run_inline(count, body, context);
}

int start_on_workers(WorkerFunction, void*) { return 0; }
void wait_for_workers() {}

#endif

}  // namespace wasm_embedding
