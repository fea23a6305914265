// GraphSAGE's dense part on the GPU (kernels/dense.h and cuBLAS), wall-clock to completion.
//   BM_DenseLayer/D[/tf32]  one hidden layer's dense part, forward and backward, through the
//                          CUDA backend (cuBLAS + the fused element-wise kernels), 131,072
//                          rows, D -> D with the [self | agg] concat (bench/workloads.h):
//                          items = rows; counter TFLOPs = the three GEMMs' FLOPs per second.
#include <chrono>

#include "bench/gpu_bench_util.h"
#include "bench/workloads.h"
#include "host/ops/backend.h"

namespace grl::bench {
namespace {

// ---- dense layer --------------------------------------------------------------------------------
void BM_DenseLayer(benchmark::State& state, bool tf32) {
  GRL_BENCH_NEED_GPU(state);
  BackendOptions bo;
  bo.tf32 = tf32;
  auto be = make_cuda_backend(bo);
  DenseLayerWork work(*be, 131072, state.range(0));
  uint64_t it = 0;
  work.step(*be, it++);
  be->synchronize();
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    work.step(*be, it++);
    be->synchronize();
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetItemsProcessed(work.rows * state.iterations());
  state.counters["TFLOPs"] =
      benchmark::Counter(work.flops() * state.iterations() / 1e12, benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_DenseLayer, fp32, false)
    ->Arg(128)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_DenseLayer, tf32, true)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
