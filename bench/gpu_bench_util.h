// Shared pieces of the GPU benchmarks: CUDA-event timing for Google Benchmark's manual time,
// the device-to-device copy ceiling that every kernel quotes its bandwidth against, and the
// inputs several families' benchmarks share (the aggregation fixture, the walk graphs).
#pragma once
#include <benchmark/benchmark.h>

#include <functional>

#include "host/device/cuda_resources.h"
#include "host/device/device_info.h"
#include "host/graph/graph.h"
#include "kernels/common/block.h"

namespace grl::bench {

// First line of every GPU benchmark: skips (with an error Google Benchmark reports) without one.
#define GRL_BENCH_NEED_GPU(state)            \
  if (!::grl::cuda_available()) {            \
    (state).SkipWithError("no CUDA device"); \
    return;                                  \
  }

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

// The aggregation fixture (BM_Aggregate*, BM_Gather*, BM_Lstm*): a block of 500,000
// destinations x 10 neighbours drawn uniformly from a 2,000,000-row table of `dim` columns,
// with its output, gradients and backward scratch; built once per dim and kept.
struct AggData {
  int64_t dst = 500000, fanout = 10, table_rows = 2000000, dim = 0;
  DeviceBuffer<float> table, out, grad_out, grad_src;
  DeviceBuffer<int32_t> nbr, cnt, rows;
  DeviceBuffer<uint8_t> arg;
  DeviceBuffer<char> scratch;
  size_t scratch_bytes = 0;
  BlockView block;
};
AggData& agg_data(int64_t dim);

// A CSR graph copied to the device.
struct DeviceCsr {
  DeviceBuffer<EdgeIndex> off;
  DeviceBuffer<NodeId> idx;
  CsrView view;
  DeviceCsr(const Csr& c, cudaStream_t s)
      : off(c.offsets.size(), "bench graph"), idx(c.indices.size(), "bench graph") {
    off.copy_from_host(c.offsets.data(), c.offsets.size(), s);
    idx.copy_from_host(c.indices.data(), c.indices.size(), s);
    view = CsrView{off.data(), idx.data(), nullptr, c.num_rows(), c.num_edges()};
  }
};

// Edge weights for the weighted benchmarks, in device memory: log-uniform over [0.1, 10) per
// CSR entry (fixed by the entry's index), and each row's alias table built from them
// (host/graph/alias_table.h) as the trainers build it. attach() makes a view draw by weight.
struct DeviceWeights {
  DeviceBuffer<float> weights;
  DeviceBuffer<EdgeAlias> alias;
  DeviceWeights(const Csr& c, cudaStream_t s);
  void attach(CsrView& v) const {
    v.weights = weights.data();
    v.alias = alias.data();
  }
};
// c's DeviceWeights, built on first use and kept (Google Benchmark calls a benchmark several
// times while it sizes the iteration count).
const DeviceWeights& device_weights(const Csr& c);

// The walk benchmarks' graphs (and the SGNS benchmarks' walks): an R-MAT graph of 8.4M nodes
// and ~98M undirected edges (scale 23, edge factor 12; keep in step with tools/gpu-check), and
// an academic graph of 500k authors, 1M papers and 5k venues. Generated once per process.
const Graph& walk_graph();
const Graph& academic_graph();

}  // namespace grl::bench
