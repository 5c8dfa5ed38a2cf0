// A persistent pool of worker threads, created once when the module starts.
//
// parallel_for splits [0, count) into contiguous chunks, runs one on the calling thread and the rest on the
// workers, and returns when all are done. Without pthreads (or when the pool could not start any worker)
// it runs everything on the calling thread. Calls must come from one thread at a time: the JS main thread.
#pragma once

#include <cstddef>

namespace wasm_embedding {

// Body of a parallel loop: processes items [begin, end).
using RangeFunction = void (*)(void* context, size_t begin, size_t end);

// Starts up to requested_threads - 1 workers (the caller is the remaining thread) and returns the number of
// threads now available, callers included. Calling it again resizes the pool.
int thread_pool_start(int requested_threads);

// Stops and joins every worker. Safe to call when no pool runs.
void thread_pool_stop();

// Number of threads parallel_for uses, the caller included (1 when no worker runs).
int thread_pool_size();

// Runs body over [0, count) in contiguous chunks of at least min_chunk items, on up to thread_pool_size()
// threads. Chunk boundaries are multiples of align (align >= 1).
void parallel_for(size_t count, size_t min_chunk, size_t align, RangeFunction body, void* context);

// Same, but chunks are balanced by a caller-supplied cost: the range is split where the prefix sum of
// per-item costs crosses equal shares. prefix_cost has count + 1 entries, non-decreasing, prefix_cost[0] = 0.
void parallel_for_weighted(size_t count, const size_t* prefix_cost, size_t min_cost, RangeFunction body,
                           void* context);

// Body run once by every worker of an asynchronous job, with the worker's index in [0, workers).
using WorkerFunction = void (*)(void* context, int worker);

// Starts body on every worker and returns at once, so the caller can work alongside. Returns the number of
// workers running it (0 without workers or while another asynchronous job runs: then nothing runs). Until
// wait_for_workers, parallel_for and parallel_for_weighted run inline on whichever thread calls them, so the
// body and the caller may use them.
int start_on_workers(WorkerFunction body, void* context);

// Returns when every worker has returned from the body given to the last start_on_workers.
void wait_for_workers();

}  // namespace wasm_embedding
