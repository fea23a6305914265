// GPU neighbour sampling (kernels/sampling.h), CUDA-event timing (manual time).
//   BM_SampleProducts/V    items = sampled edges (neighbour slots filled), fanouts 15,10,5,
//                          batch 1024 on the products-sized graph, deduplication and relabelling
//                          included; rotates over 32 batches of random seeds. V = direct
//                          launches, or graph = the CUDA backend's captured graph (as trained).
//   BM_SampleProductsWeighted/direct|replace  the same with log-uniform edge weights, drawn in
//                          proportion to them without (successive sampling) or with replacement.
#include <chrono>
#include <random>

#include "bench/gpu_bench_util.h"
#include "bench/workloads.h"
#include "host/ops/backend.h"
#include "host/pipeline/sample_plan.h"
#include "kernels/sampling.h"

namespace grl::bench {
namespace {

// ---- sampling ---------------------------------------------------------------------------------
// direct: the launcher on a stream, timed with events. graph: the CUDA backend as the trainer
// uses it (seeds copied into its fixed buffer, the captured graph replayed), wall-clock time to
// completion.
void sample_products(benchmark::State& state, bool through_backend, bool weighted, bool replace) {
  GRL_BENCH_NEED_GPU(state);
  const Graph& g = products_graph();
  const int64_t batch = 1024;
  const SampleLayout L = make_sample_layout(batch, {15, 10, 5}, g.num_nodes());
  DeviceBuffer<EdgeIndex> off(g.csr.offsets.size(), "bench graph");
  DeviceBuffer<NodeId> idx(g.csr.indices.size(), "bench graph");
  Stream s;
  off.copy_from_host(g.csr.offsets.data(), g.csr.offsets.size(), s);
  idx.copy_from_host(g.csr.indices.data(), g.csr.indices.size(), s);
  const int kBatches = 32;
  std::vector<NodeId> seeds(batch * kBatches);
  std::mt19937_64 rng(1);
  for (auto& v : seeds) v = static_cast<NodeId>(rng() % g.num_nodes());
  DeviceBuffer<NodeId> d_seeds(seeds.size(), "seeds"), batch_seeds(batch, "seeds");
  d_seeds.copy_from_host(seeds.data(), seeds.size(), s);
  DeviceBuffer<NodeId> nodes(L.max_nodes, "nodes");
  DeviceBuffer<int32_t> hop(L.num_hops + 1), seed_local(batch), cnt(L.total_rows),
      nbr(L.total_slots);
  DeviceBuffer<char> scratch(sample_scratch_bytes(L), "sampling scratch");
  const SampleScratch sc = bind_sample_scratch(L, scratch.data());
  CsrView view{off.data(), idx.data(), nullptr, g.num_nodes(), g.csr.num_edges()};
  if (weighted) device_weights(g.csr).attach(view);
  const SampleParams params{1, 1, replace};
  SampleOutput out{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()};
  s.synchronize();
  int it = 0;
  if (!through_backend) {
    auto run = [&] {
      Span<const NodeId> sd{d_seeds.data() + (it++ % kBatches) * batch, batch};
      launch_sample_neighbors(view, sd, L, params, out, sc, s);
    };
    time_with_events(state, s, run);
  } else {
    auto be = make_cuda_backend();
    auto run = [&] {
      be->copy(batch_seeds.data(), d_seeds.data() + (it++ % kBatches) * batch,
               batch * sizeof(NodeId));
      be->sample_neighbors(view, Span<const NodeId>{batch_seeds.data(), batch}, L, params, out,
                           scratch.data());
    };
    run();
    be->synchronize();
    for (auto _ : state) {
      auto t0 = std::chrono::steady_clock::now();
      run();
      be->synchronize();
      state.SetIterationTime(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  // Count the edges of one batch (outside the timed region).
  launch_sample_neighbors(view, Span<const NodeId>{d_seeds.data(), batch}, L, params, out, sc, s);
  s.synchronize();
  std::vector<int32_t> h(L.num_hops + 1), c(L.total_rows);
  hop.copy_to_host(h.data(), h.size(), s);
  cnt.copy_to_host(c.data(), c.size(), s);
  s.synchronize();
  int64_t edges = 0;
  for (int k = 0; k < L.num_hops; ++k)
    for (int32_t r = 0; r < h[k] - (k ? h[k - 1] : 0); ++r) edges += c[L.row_offset[k] + r];
  state.SetItemsProcessed(edges * state.iterations());
  state.counters["edges_per_batch"] = static_cast<double>(edges);
  state.counters["nodes_per_batch"] = h[L.num_hops];
}
void BM_SampleProducts(benchmark::State& state, bool through_backend) {
  sample_products(state, through_backend, false, false);
}
// Weighted draws (kernels/weighted_draw.h), direct launches; replace: with replacement.
void BM_SampleProductsWeighted(benchmark::State& state, bool replace) {
  sample_products(state, false, true, replace);
}
BENCHMARK_CAPTURE(BM_SampleProducts, direct, false)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleProducts, graph, true)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleProductsWeighted, direct, false)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SampleProductsWeighted, replace, true)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
