// The ceilings every kernel is quoted against: device-to-device copy bandwidth (bytes read +
// bytes written per second) and pinned host-to-device copies.
#include <algorithm>
#include <vector>

#include "bench/gpu_bench_util.h"
#include "host/device/device_info.h"
#include "kernels/random.h"

namespace grl::bench {

namespace {

void BM_DeviceCopy(benchmark::State& state) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const size_t bytes = static_cast<size_t>(state.range(0)) << 20;
  DeviceBuffer<char> src(bytes, "copy benchmark"), dst(bytes, "copy benchmark");
  Stream s;
  launch_philox_fill(
      Span<uint32_t>{reinterpret_cast<uint32_t*>(src.data()), static_cast<int64_t>(bytes / 4)}, 2,
      RandomPurpose::kTest, s);
  time_with_events(state, s, [&] {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, s));
  });
  report_bandwidth(state, 2.0 * bytes);
}
BENCHMARK(BM_DeviceCopy)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

void BM_HostToDevicePinned(benchmark::State& state) {
  if (!cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const size_t bytes = static_cast<size_t>(state.range(0)) << 20;
  PinnedBuffer<char> src(bytes);
  std::fill(src.data(), src.data() + bytes, 1);
  DeviceBuffer<char> dst(bytes, "h2d benchmark");
  Stream s;
  time_with_events(state, s, [&] {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyHostToDevice, s));
  });
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["GBps"] =
      benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_HostToDevicePinned)->Arg(256)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace grl::bench
