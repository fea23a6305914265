// GPU row gather (kernels/gather.h), CUDA-event timing.
//   BM_GatherRows/D        bytes = rows * D * 4 read + written + 4 per row index (the
//                          aggregation fixture's 500,000 rows from its 2,000,000-row table).
//   BM_GatherRowsHost/D    the same rows read from a pinned host table (zero-copy): bytes =
//                          rows * D * 4 read over the host link (compare BM_HostToDevicePinned).
#include "bench/gpu_bench_util.h"
#include "host/ops/backend.h"
#include "kernels/gather.h"

namespace grl::bench {
namespace {

void BM_GatherRows(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  time_with_events(state, s, [&] {
    launch_gather_rows(MatrixView<const float>{a.table.data(), a.table_rows, a.dim, a.dim},
                       a.rows.data(), MatrixView<float>{a.out.data(), a.dst, a.dim, a.dim}, nullptr,
                       s);
  });
  report_bandwidth(state, a.dst * a.dim * 8.0 + a.dst * 4.0);
  state.SetItemsProcessed(a.dst * state.iterations());
}
BENCHMARK(BM_GatherRows)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

// The same gather from a table in pinned, mapped host memory (features placed on the host):
// useful bytes = rows read over the host link; compare with BM_HostToDevicePinned.
void BM_GatherRowsHost(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  auto be = make_cuda_backend();
  const int64_t rows = 2000000, dim = a.dim;
  Buffer<float> table(*be, static_cast<size_t>(rows * dim), "host table", Residence::kHostMapped);
  for (int64_t i = 0; i < rows * dim; ++i) table.data()[i] = static_cast<float>(i % 1000) * 1e-3f;
  Stream s;
  time_with_events(state, s, [&] {
    launch_gather_rows(MatrixView<const float>{table.data(), rows, dim, dim}, a.rows.data(),
                       MatrixView<float>{a.out.data(), a.dst, dim, dim}, nullptr, s);
  });
  state.SetBytesProcessed(static_cast<int64_t>(a.dst * dim * 4) * state.iterations());
  state.SetItemsProcessed(a.dst * state.iterations());
}
BENCHMARK(BM_GatherRowsHost)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
