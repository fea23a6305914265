// Device layer: error checks, RAII owners, streams and events, Philox equal on CPU and GPU.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "host/reference/random_ref.h"
#include "kernels/random.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

TEST(GpuDevice, ReportsItsProperties) {
  GRL_REQUIRE_GPU();
  const DeviceInfo& d = cuda_device_info();
  EXPECT_FALSE(d.name.empty());
  EXPECT_GT(d.sm_count, 0);
  EXPECT_GT(d.total_bytes, 0);
  std::printf("device: %s, %d SMs, cc %d.%d, %.1f GiB, L2 %.1f MiB\n", d.name.c_str(), d.sm_count,
              d.cc_major, d.cc_minor, d.total_bytes / 1073741824.0, d.l2_bytes / 1048576.0);
}

TEST(GpuDevice, FailingCallThrowsWithExpressionFileAndMessage) {
  GRL_REQUIRE_GPU();
  try {
    GRL_CUDA_CHECK(cudaSetDevice(12345));
    FAIL() << "no exception";
  } catch (const CudaError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("cudaSetDevice(12345)"), std::string::npos) << what;
    EXPECT_NE(what.find("device_test.cpp"), std::string::npos) << what;
    EXPECT_NE(what.find("cudaErrorInvalidDevice"), std::string::npos) << what;
  }
  // The error was cleared: the next check (and the context) are unaffected.
  GRL_CUDA_CHECK(cudaGetLastError());
  int device = -1;
  GRL_CUDA_CHECK(cudaGetDevice(&device));
  EXPECT_EQ(device, 0);
}

TEST(GpuDevice, OutOfMemoryIsAClearError) {
  GRL_REQUIRE_GPU();
  try {
    DeviceBuffer<float> huge(size_t{1} << 50, "a test buffer");
    FAIL() << "allocated 4 PiB";
  } catch (const CudaError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("out of GPU memory"), std::string::npos) << what;
    EXPECT_NE(what.find("a test buffer"), std::string::npos) << what;
    EXPECT_NE(what.find("free"), std::string::npos) << what;
  }
  DeviceBuffer<float> ok(1024);  // the device still works afterwards
  EXPECT_NE(ok.data(), nullptr);
}

TEST(GpuDevice, EmptyLaunchIsANoOp) {
  GRL_REQUIRE_GPU();
  Stream s;
  DeviceBuffer<uint32_t> out(16);
  // A launch with an empty span is a no-op and must not fail.
  EXPECT_NO_THROW(launch_philox_fill(Span<uint32_t>{out.data(), 0}, 1, RandomPurpose::kTest, s));
  s.synchronize();
}

TEST(GpuDevice, BuffersMoveAndCopyRoundTrip) {
  GRL_REQUIRE_GPU();
  Stream s;
  std::vector<int> host(1000);
  std::iota(host.begin(), host.end(), -17);
  DeviceBuffer<int> a(host.size());
  a.copy_from_host(host.data(), host.size(), s);
  DeviceBuffer<int> b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  PinnedBuffer<int> pinned(host.size());
  std::memset(pinned.data(), 0, host.size() * sizeof(int));
  b.copy_to_host(pinned.data(), host.size(), s);
  s.synchronize();
  for (size_t i = 0; i < host.size(); ++i) ASSERT_EQ(pinned[i], host[i]) << i;
  DeviceBuffer<int> empty(0);
  EXPECT_EQ(empty.data(), nullptr);
}

TEST(GpuDevice, EventsOrderStreamsAndTime) {
  GRL_REQUIRE_GPU();
  Stream producer, consumer;
  Event start, done;
  const size_t n = size_t{1} << 24;
  DeviceBuffer<uint32_t> buf(n);
  start.record(producer);
  launch_philox_fill(buf.span(), 5, RandomPurpose::kTest, producer);
  done.record(producer);
  consumer.wait(done);  // the copy below must see the fill
  PinnedBuffer<uint32_t> tail(4);
  buf.copy_to_host(tail.data(), 4, consumer, n - 4);
  consumer.synchronize();
  std::vector<uint32_t> expect(n);
  ref::philox_fill(Span<uint32_t>{expect.data(), static_cast<int64_t>(n)}, 5, RandomPurpose::kTest);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(tail[k], expect[n - 4 + k]);
  EXPECT_GT(done.elapsed_ms_since(start), 0.0f);
}

TEST(GpuPhilox, BitIdenticalToCpu) {
  GRL_REQUIRE_GPU();
  Stream s;
  for (int64_t n : {1, 3, 4, 5, 1023, 1 << 20}) {
    for (uint64_t seed : {0ull, 1ull, 0xDEADBEEFCAFEull}) {
      DeviceBuffer<uint32_t> d(n);
      test::poison(d);
      launch_philox_fill(d.span(), seed, RandomPurpose::kNeighborSample, s);
      s.synchronize();
      std::vector<uint32_t> got = test::to_host(d), want(n);
      ref::philox_fill(Span<uint32_t>{want.data(), n}, seed, RandomPurpose::kNeighborSample);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(got[i], want[i]) << "n=" << n << " seed=" << seed << " i=" << i;
    }
  }
}

TEST(GpuPhilox, UniformFloatsBitIdenticalToCpu) {
  GRL_REQUIRE_GPU();
  Stream s;
  const int64_t n = 100003;
  DeviceBuffer<float> d(n);
  test::poison(d);
  launch_uniform_fill(d.span(), -0.25f, 0.75f, 9, RandomPurpose::kInit, s);
  s.synchronize();
  std::vector<float> got = test::to_host(d), want(n);
  ref::uniform_fill(Span<float>{want.data(), n}, -0.25f, 0.75f, 9, RandomPurpose::kInit);
  for (int64_t i = 0; i < n; ++i) {
    uint32_t a, b;
    std::memcpy(&a, &got[i], 4);
    std::memcpy(&b, &want[i], 4);
    ASSERT_EQ(a, b) << "i=" << i << " gpu " << got[i] << " cpu " << want[i];
  }
}

}  // namespace
}  // namespace grl
