// GPU Philox fills (kernels/random.h), CUDA-event timing: the generator's own throughput, and
// what filling a buffer with reproducible random data costs.
//   BM_PhiloxFill/MiB   raw 32-bit words: bytes = the words written (one Philox4x32-10 call
//                       per 16 bytes); items = words
//   BM_UniformFill/MiB  floats uniform in [lo, hi): the same bytes and items
#include <cstdint>

#include "bench/gpu_bench_util.h"
#include "kernels/random.h"

namespace grl::bench {
namespace {

void BM_PhiloxFill(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  const int64_t words = (state.range(0) << 20) / 4;
  DeviceBuffer<uint32_t> out(static_cast<size_t>(words), "random benchmark");
  Stream s;
  time_with_events(state, s, [&] { launch_philox_fill(out.span(), 1, RandomPurpose::kTest, s); });
  report_bandwidth(state, words * 4.0);
  state.SetItemsProcessed(words * state.iterations());
}
BENCHMARK(BM_PhiloxFill)->Arg(1024)->UseManualTime()->Unit(benchmark::kMicrosecond);

void BM_UniformFill(benchmark::State& state) {
  GRL_BENCH_NEED_GPU(state);
  const int64_t n = (state.range(0) << 20) / 4;
  DeviceBuffer<float> out(static_cast<size_t>(n), "random benchmark");
  Stream s;
  time_with_events(
      state, s, [&] { launch_uniform_fill(out.span(), -1.0f, 1.0f, 2, RandomPurpose::kTest, s); });
  report_bandwidth(state, n * 4.0);
  state.SetItemsProcessed(n * state.iterations());
}
BENCHMARK(BM_UniformFill)->Arg(1024)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
