// Minimal fork-join parallelism for host code: split [0, n) into contiguous chunks, one per
// worker thread. Results must not depend on the number of threads; callers key any
// randomness by item, never by chunk.
#pragma once
#include <algorithm>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace grl {

// Number of worker threads: set_num_threads(n) if called with n > 0 (the CLI's --threads),
// else GRL_THREADS if set, else the hardware concurrency.
int num_threads();
void set_num_threads(int n);

// The most workers any parallel region used since the last call (at least 1): what a run's
// summary reports as the threads that really worked (a serial phase leaves it at 1).
int take_peak_workers();
void note_workers(int workers);

// Calls fn(begin, end, worker) on disjoint chunks covering [0, n); rethrows the first exception.
template <class Fn>
void parallel_chunks(int64_t n, Fn&& fn, int64_t min_chunk = 4096) {
  int workers =
      static_cast<int>(std::min<int64_t>(num_threads(), std::max<int64_t>(1, n / min_chunk)));
  note_workers(workers);
  if (workers <= 1) {
    if (n > 0) fn(int64_t{0}, n, 0);
    return;
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(workers);
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      int64_t b = n * w / workers, e = n * (w + 1) / workers;
      try {
        fn(b, e, w);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Calls fn(i) for every i in [0, n).
template <class Fn>
void parallel_for(int64_t n, Fn&& fn, int64_t min_chunk = 4096) {
  parallel_chunks(
      n,
      [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i) fn(i);
      },
      min_chunk);
}

}  // namespace grl
