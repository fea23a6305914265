// GPU fused gather + segmented mean/max aggregation (kernels/aggregate.h), forward and backward,
// CUDA-event timing, sizes far beyond L2.
//   BM_Aggregate*/V/D      500,000 destinations x 10 neighbours x D from a 2,000,000-row table:
//                          bytes = neighbour rows read (dst*10*D*4) + output written (dst*D*4)
//                          + ids (dst*10*4) [+ arg-max slots dst*D for max]; backward: gradient
//                          rows read per edge + source rows written + (src, edge) keys sorted.
#include "bench/gpu_bench_util.h"
#include "kernels/aggregate.h"

namespace grl::bench {
namespace {

void aggregate_forward_bench(benchmark::State& state, AggregateKind kind, KernelVariant v) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  MatrixView<const float> src{a.table.data(), a.table_rows, a.dim, a.dim};
  MatrixView<float> out{a.out.data(), a.dst, a.dim, a.dim};
  time_with_events(state, s, [&] {
    launch_aggregate_forward(kind, src, nullptr, a.block, out, a.arg.data(), v, s);
  });
  double bytes = a.dst * a.fanout * a.dim * 4.0 + a.dst * a.dim * 4.0 + a.dst * a.fanout * 4.0;
  if (kind == AggregateKind::kMax) bytes += a.dst * a.dim;
  report_bandwidth(state, bytes);
  state.SetItemsProcessed(a.dst * a.fanout * state.iterations());
}
void BM_AggregateMeanForward(benchmark::State& state, KernelVariant v) {
  aggregate_forward_bench(state, AggregateKind::kMean, v);
}
void BM_AggregateMaxForward(benchmark::State& state, KernelVariant v) {
  aggregate_forward_bench(state, AggregateKind::kMax, v);
}
BENCHMARK_CAPTURE(BM_AggregateMeanForward, simple, KernelVariant::kSimple)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMeanForward, tuned, KernelVariant::kTuned)
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->Arg(512)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMaxForward, simple, KernelVariant::kSimple)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AggregateMaxForward, tuned, KernelVariant::kTuned)
    ->Arg(128)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void aggregate_backward_bench(benchmark::State& state, AggregateKind kind) {
  GRL_BENCH_NEED_GPU(state);
  AggData& a = agg_data(state.range(0));
  Stream s;
  // Max needs arg-max slots: run the forward once.
  launch_aggregate_forward(
      kind, MatrixView<const float>{a.table.data(), a.table_rows, a.dim, a.dim}, nullptr, a.block,
      MatrixView<float>{a.out.data(), a.dst, a.dim, a.dim}, a.arg.data(), KernelVariant::kTuned, s);
  MatrixView<const float> g{a.grad_out.data(), a.dst, a.dim, a.dim};
  MatrixView<float> gs{a.grad_src.data(), a.table_rows, a.dim, a.dim};
  time_with_events(state, s, [&] {
    launch_aggregate_backward(kind, a.block, g, a.arg.data(), gs, a.scratch.data(), a.scratch_bytes,
                              s);
  });
  // Gradient rows read once per edge, every source row written, keys and values sorted.
  double bytes =
      a.dst * a.fanout * a.dim * 4.0 + a.table_rows * a.dim * 4.0 + a.dst * a.fanout * 16.0;
  if (kind == AggregateKind::kMax) bytes += a.dst * a.fanout * a.dim;
  report_bandwidth(state, bytes);
  state.SetItemsProcessed(a.dst * a.fanout * state.iterations());
}
void BM_AggregateMeanBackward(benchmark::State& state) {
  aggregate_backward_bench(state, AggregateKind::kMean);
}
void BM_AggregateMaxBackward(benchmark::State& state) {
  aggregate_backward_bench(state, AggregateKind::kMax);
}
BENCHMARK(BM_AggregateMeanBackward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AggregateMaxBackward)->Arg(128)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
