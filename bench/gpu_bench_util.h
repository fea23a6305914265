// Shared pieces of the GPU benchmarks: CUDA-event timing for Google Benchmark's manual time,
// and the device-to-device copy ceiling that every kernel quotes its bandwidth against.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>

#include "host/device/cuda_resources.h"

namespace grl::bench {

// Times fn() on `stream` with CUDA events once per benchmark iteration (manual time).
// Call state.SetBytesProcessed / SetItemsProcessed after the loop as usual.
inline void time_with_events(benchmark::State& state, cudaStream_t stream,
                             const std::function<void()>& fn) {
  Event start, stop;
  fn();  // warm-up: module load, first-touch, cache state
  GRL_CUDA_CHECK(cudaStreamSynchronize(stream));
  for (auto _ : state) {
    start.record(stream);
    fn();
    stop.record(stream);
    stop.synchronize();
    state.SetIterationTime(stop.elapsed_ms_since(start) / 1e3);
  }
}

// Bytes per second of a large device-to-device cudaMemcpy (bytes read + bytes written),
// measured once per process (median of 15 copies of 1 GiB).
double copy_ceiling_bytes_per_second();

// Adds the counters every memory-bound kernel benchmark reports: achieved bandwidth and its
// fraction of the copy ceiling measured in this same run.
void report_bandwidth(benchmark::State& state, double bytes_per_iteration);

}  // namespace grl::bench
