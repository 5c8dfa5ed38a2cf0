// Chooses, call by call, whether a job runs with a pool worker or on the calling thread alone, from the
// measured time per byte of recent jobs of each kind.
//
// Whether a worker helps depends on the machine. Adding 262144 float32 gradient rows of 64 columns into
// 1000 accumulator rows, a worker made the streaming backward 20% faster on a 2-core Zen 4 VM (10.4 to
// 8.3 ms). On a 2-core Xeon VM the same call was 10% slower with the worker and its ring of 16 slots than
// on the calling thread alone with one slot. There 1,000,000 rows of 3 columns took 3.3 ms with the worker
// and 2.2 ms without. So jobs measure both ways and keep the faster.
// Every kExploreEvery-th job of a kind takes the other way, so both estimates follow the machine's load.
// The results have the same bits either way; only the time differs.
// NOTE: the estimates are per kind of job (whole or split chunks), not per shape. A process that alternates
// shapes whose best ways differ gets the way that is faster per byte over the mix.
#pragma once

#include <cstddef>

namespace wasm_embedding {

class WorkerChoice {
 public:
  // Jobs of different kinds get separate estimates.
  static constexpr int kKinds = 2;
  static constexpr unsigned kExploreEvery = 8;

  // Returns whether the next job of `kind` should start a worker. The first job of a kind tries the worker,
  // the second the calling thread alone.
  bool prefers_worker(int kind) {
    Estimates& estimates = kinds_[kind];
    const unsigned job = estimates.jobs++;
    if (estimates.ms_per_byte[kWorker] == 0) return true;
    if (estimates.ms_per_byte[kAlone] == 0) return false;
    const bool worker_is_faster = estimates.ms_per_byte[kWorker] <= estimates.ms_per_byte[kAlone];
    const bool explore = job % kExploreEvery == kExploreEvery - 1;
    return explore ? !worker_is_faster : worker_is_faster;
  }

  // Records a finished job of `kind` that moved `bytes` in `ms`, with or without a worker.
  void record(int kind, bool with_worker, double ms, size_t bytes) {
    if (bytes == 0) return;
    double& estimate = kinds_[kind].ms_per_byte[with_worker ? kWorker : kAlone];
    // Browsers round performance.now(), so a short job can measure 0 ms.
    double sample = (ms > kMinMs ? ms : kMinMs) / static_cast<double>(bytes);
    if (estimate == 0) {
      estimate = sample;
      return;
    }
    // A job that lost its core for a while counts as at most twice the estimate, so one stall does not
    // decide the next jobs.
    if (sample > 2 * estimate) sample = 2 * estimate;
    estimate += kWeight * (sample - estimate);
  }

 private:
  static constexpr int kAlone = 0;
  static constexpr int kWorker = 1;
  static constexpr double kWeight = 0.25;
  static constexpr double kMinMs = 0.001;

  struct Estimates {
    // 0 until the first job of that way is recorded.
    double ms_per_byte[2] = {0, 0};
    unsigned jobs = 0;
  };

  Estimates kinds_[kKinds];
};

}  // namespace wasm_embedding
