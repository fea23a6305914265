// Shared pieces of the GPU benchmarks (the copy ceiling, the aggregation fixture, the walk
// graphs), defined once for every bench/*_bench_cuda.cpp (gpu_bench_util.h).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "bench/gpu_bench_util.h"
#include "host/core/parallel.h"
#include "host/graph/alias_table.h"
#include "host/io/loaders.h"
#include "kernels/aggregate.h"
#include "kernels/common/philox.h"
#include "kernels/random.h"

namespace grl::bench {

double copy_ceiling_bytes_per_second() {
  static const double value = [] {
    const size_t bytes = size_t{1} << 30;
    DeviceBuffer<char> src(bytes, "copy benchmark"), dst(bytes, "copy benchmark");
    Stream s;
    launch_philox_fill(
        Span<uint32_t>{reinterpret_cast<uint32_t*>(src.data()), static_cast<int64_t>(bytes / 4)}, 1,
        RandomPurpose::kTest, s);
    Event a, b;
    std::vector<double> rates;
    for (int i = 0; i < 17; ++i) {
      a.record(s);
      GRL_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, s));
      b.record(s);
      b.synchronize();
      if (i >= 2) rates.push_back(2.0 * bytes / (b.elapsed_ms_since(a) / 1e3));
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
  }();
  return value;
}

void report_bandwidth(benchmark::State& state, double bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<int64_t>(bytes_per_iteration * state.iterations()));
  const double ceiling = copy_ceiling_bytes_per_second();
  state.counters["GBps"] =
      benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["copy_GBps"] = ceiling / 1e9;
  // Filled in as a ratio of rates: (bytes / iteration time) / ceiling.
  state.counters["frac_of_copy"] = benchmark::Counter(
      bytes_per_iteration / ceiling, benchmark::Counter::kIsIterationInvariantRate);
}

AggData& agg_data(int64_t dim) {
  static std::unique_ptr<AggData> d;
  if (d && d->dim == dim) return *d;
  d.reset();
  d = std::make_unique<AggData>();
  AggData& a = *d;
  a.dim = dim;
  Stream s;
  a.table.allocate(a.table_rows * dim, "bench table");
  launch_uniform_fill(a.table.span(), -1.0f, 1.0f, 3, RandomPurpose::kTest, s);
  std::vector<int32_t> nbr(a.dst * a.fanout), cnt(a.dst, static_cast<int32_t>(a.fanout)),
      rows(a.dst);
  std::mt19937_64 rng(5);
  for (auto& v : nbr) v = static_cast<int32_t>(rng() % a.table_rows);
  for (auto& v : rows) v = static_cast<int32_t>(rng() % a.table_rows);
  a.nbr.allocate(nbr.size());
  a.cnt.allocate(cnt.size());
  a.rows.allocate(rows.size());
  a.nbr.copy_from_host(nbr.data(), nbr.size(), s);
  a.cnt.copy_from_host(cnt.data(), cnt.size(), s);
  a.rows.copy_from_host(rows.data(), rows.size(), s);
  a.out.allocate(a.dst * dim, "bench out");
  a.arg.allocate(a.dst * dim);
  a.grad_out.allocate(a.dst * dim);
  launch_uniform_fill(a.grad_out.span(), -1.0f, 1.0f, 4, RandomPurpose::kTest, s);
  a.grad_src.allocate(a.table_rows * dim, "bench grad");
  a.block.num_dst = static_cast<int32_t>(a.dst);
  a.block.num_src = static_cast<int32_t>(a.table_rows);
  a.block.num_segments = 1;
  a.block.seg[0] = BlockSegment{0, static_cast<int32_t>(a.dst), static_cast<int32_t>(a.fanout),
                                a.nbr.data(), a.cnt.data()};
  a.scratch_bytes = aggregate_backward_scratch_bytes(a.dst * a.fanout, a.table_rows);
  a.scratch.allocate(a.scratch_bytes, "bench scratch");
  s.synchronize();
  return a;
}

DeviceWeights::DeviceWeights(const Csr& c, cudaStream_t s)
    : weights(c.indices.size(), "edge weights"), alias(c.indices.size(), "edge alias tables") {
  std::vector<float> w(c.indices.size());
  parallel_for(static_cast<int64_t>(w.size()), [&](int64_t e) {
    const uint32_t x =
        philox(7, RandomPurpose::kTest, static_cast<uint32_t>(e), static_cast<uint32_t>(e >> 32), 0)
            .v[0];
    w[e] = 0.1f * std::pow(100.0f, random_unit(x));
  });
  Csr weighted = c;  // shares the topology
  weighted.weights = Array<float>(std::move(w));
  const Array<EdgeAlias> a = build_edge_alias(weighted);
  weights.copy_from_host(weighted.weights.data(), weighted.weights.size(), s);
  alias.copy_from_host(a.data(), a.size(), s);
  GRL_CUDA_CHECK(cudaStreamSynchronize(s));  // the host copies go out of scope
}

const DeviceWeights& device_weights(const Csr& c) {
  static std::map<const Csr*, std::unique_ptr<DeviceWeights>> kept;
  std::unique_ptr<DeviceWeights>& w = kept[&c];
  if (!w) {
    Stream s;
    w = std::make_unique<DeviceWeights>(c, s);
  }
  return *w;
}

const Graph& walk_graph() {
  static const Graph g = load_graph("synthetic:rmat?scale=23&edge_factor=12&seed=3");
  return g;
}

const Graph& academic_graph() {
  static const Graph g =
      load_graph("synthetic:academic?authors=500000&papers=1000000&venues=5000&areas=8&seed=3");
  return g;
}

}  // namespace grl::bench
