// GPU full-neighbourhood aggregation (kernels/segment_reduce.h), CUDA-event timing: every row
// of a graph aggregates all its neighbours' 128-float rows (the layer pass of exact inference).
//   BM_SegmentReduce/<variant>/products  the products-sized SBM (2.45M rows, ~124M edge
//                                        entries; degrees spread, few rows above one chunk)
//   BM_SegmentReduce/<variant>/rmat      the walk benchmarks' R-MAT graph (8.4M rows, ~196M
//                                        entries; power-law degrees, hubs of 100k+ entries)
//   variant: simple (a thread per element, each row reduced whole) or tuned (a lane group per
//   row's first chunk, one per further hub chunk, then the fix-up)
// bytes = entries * 128 * 4 (neighbour rows) + rows * 128 * 4 (output) + entries * 4 (ids)
//         + rows * 12 (offsets, row id); items = edge entries.
#include <algorithm>
#include <vector>

#include "bench/gpu_bench_util.h"
#include "bench/workloads.h"
#include "host/pipeline/segment_plan.h"

namespace grl::bench {
namespace {

constexpr int64_t kDim = 128;

void BM_SegmentReduce(benchmark::State& state, KernelVariant variant, bool rmat) {
  GRL_BENCH_NEED_GPU(state);
  const Graph& g = rmat ? walk_graph() : products_graph();
  const Csr& c = g.csr;
  const int64_t n = c.num_rows();
  Stream s;
  DeviceCsr dc(c, s);
  std::vector<int32_t> rows(n);
  for (int64_t v = 0; v < n; ++v) rows[v] = static_cast<int32_t>(v);
  const SegmentPlanHost hp = segment_plan(c.offsets.data(), rows.data(), n);
  DeviceBuffer<int32_t> d_rows(n), d_hub(std::max<int64_t>(1, hp.num_hubs())),
      d_irow(std::max<int64_t>(1, hp.num_items())), d_ichunk(std::max<int64_t>(1, hp.num_items()));
  DeviceBuffer<int64_t> d_first(hp.hub_first.size());
  d_rows.copy_from_host(rows.data(), n, s);
  d_hub.copy_from_host(hp.hub_row.data(), hp.hub_row.size(), s);
  d_first.copy_from_host(hp.hub_first.data(), hp.hub_first.size(), s);
  d_irow.copy_from_host(hp.item_row.data(), hp.item_row.size(), s);
  d_ichunk.copy_from_host(hp.item_chunk.data(), hp.item_chunk.size(), s);
  DeviceBuffer<float> table(n * kDim, "bench table"), out(n * kDim, "bench output"),
      partials(std::max<int64_t>(1, hp.num_items()) * kDim, "bench partials");
  GRL_CUDA_CHECK(cudaMemsetAsync(table.data(), 0, n * kDim * sizeof(float), s));
  const SegmentPlan plan{hp.num_hubs(), hp.num_items(),  d_hub.data(),    d_first.data(),
                         d_irow.data(), d_ichunk.data(), partials.data(), kDim};
  time_with_events(state, s, [&] {
    launch_segment_reduce(
        AggregateKind::kMean, MatrixView<const float>{table.data(), n, kDim, kDim}, dc.view,
        d_rows.data(), n, plan, MatrixView<float>{out.data(), n, kDim, kDim}, variant, s);
  });
  const double e = static_cast<double>(c.num_edges());
  report_bandwidth(state, e * kDim * 4 + n * kDim * 4.0 + e * 4 + n * 12.0);
  state.SetItemsProcessed(static_cast<int64_t>(e) * state.iterations());
  int64_t max_deg = 0;
  for (int64_t v = 0; v < n; ++v) max_deg = std::max<int64_t>(max_deg, c.degree(v));
  state.counters["max_degree"] = static_cast<double>(max_deg);
  state.counters["hub_rows"] = static_cast<double>(hp.num_hubs());
}

BENCHMARK_CAPTURE(BM_SegmentReduce, simple / products, KernelVariant::kSimple, false)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SegmentReduce, tuned / products, KernelVariant::kTuned, false)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SegmentReduce, simple / rmat, KernelVariant::kSimple, true)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SegmentReduce, tuned / rmat, KernelVariant::kTuned, true)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace grl::bench
