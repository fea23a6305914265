// Helpers shared by the GPU tests (ctest label "gpu"). Every test starts with GRL_REQUIRE_GPU(),
// which skips with a message on machines without a usable CUDA device.
//
// The GPU tests are also compiled into grl_emu_tests with GRL_TEST_EMULATED (all but
// device_test.cpp): there make_gpu_backend gives the emulated backend (tests/emu/
// emulated_backend.h: the CUDA backend's own code over host stand-ins for the runtime, its
// kernels' own source run on the CPU), DeviceBuffer, PinnedBuffer and Stream below are host
// stand-ins, GRL_REQUIRE_GPU passes, and GRL_SKIP_EMULATED skips what
// cannot run there. So the tests touch device memory only through these helpers.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "host/device/cuda_resources.h"
#include "host/device/device_info.h"
#include "host/ops/backend.h"

#if defined(GRL_TEST_EMULATED)
#include "tests/emu/emulated_backend.h"
#define GRL_REQUIRE_GPU() \
  do {                    \
  } while (0)
#define GRL_SKIP_EMULATED(why) GTEST_SKIP() << "emulated backend: " << why
#else
#define GRL_REQUIRE_GPU()                                                     \
  do {                                                                        \
    if (!::grl::cuda_available())                                             \
      GTEST_SKIP() << "no CUDA device: " << ::grl::cuda_device_info().reason; \
  } while (0)
#define GRL_SKIP_EMULATED(why) \
  do {                         \
  } while (0)
#endif

namespace grl::test {

// h in a new buffer of backend b, and back.
template <class T>
Buffer<T> upload(Backend& b, const std::vector<T>& h) {
  Buffer<T> d(b, h.size(), "test");
  d.upload(h.data(), h.size());
  return d;
}

template <class T>
std::vector<T> download(const Buffer<T>& d) {
  std::vector<T> h(d.size());
  d.download(h.data(), h.size());
  return h;
}

// The backend under test: CUDA, or the emulated one in grl_emu_tests.
inline std::unique_ptr<Backend> make_gpu_backend(const BackendOptions& options = {}) {
#if defined(GRL_TEST_EMULATED)
  return make_emulated_backend(options);
#else
  return make_cuda_backend(options);
#endif
}

// Device memory, pinned host memory and streams as the tests use them: grl's own classes, or
// host stand-ins with the same interface in grl_emu_tests (the emulated kernels read host
// memory; everything runs at the launch, so a stream has nothing to wait for).
#if defined(GRL_TEST_EMULATED)
template <class T>
class HostStandIn {
 public:
  HostStandIn() = default;
  explicit HostStandIn(size_t count, const char* = nullptr) : count_(count) {
    if (count)  // aligned as cudaMalloc aligns
      p_.reset(static_cast<T*>(std::aligned_alloc(256, (count * sizeof(T) + 255) / 256 * 256)));
  }
  T* data() const { return p_.get(); }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  Span<T> span() const { return {p_.get(), static_cast<int64_t>(count_)}; }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> p_;
  size_t count_ = 0;
};
template <class T>
using DeviceBuffer = HostStandIn<T>;
template <class T>
using PinnedBuffer = HostStandIn<T>;
struct Stream {
  operator cudaStream_t() const { return nullptr; }
  void synchronize() const {}
};
inline void device_sync() {}
template <class T>
void fill_bytes(DeviceBuffer<T>& d, int byte) {
  if (d.size()) std::memset(static_cast<void*>(d.data()), byte, d.bytes());
}
template <class T>
DeviceBuffer<T> to_device(const std::vector<T>& host) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty()) std::memcpy(d.data(), host.data(), host.size() * sizeof(T));
  return d;
}
template <class T>
std::vector<T> to_host(const DeviceBuffer<T>& d, size_t count) {
  return std::vector<T>(d.data(), d.data() + count);
}
#else
template <class T>
using DeviceBuffer = ::grl::DeviceBuffer<T>;
template <class T>
using PinnedBuffer = ::grl::PinnedBuffer<T>;
using Stream = ::grl::Stream;
// The tests launch on non-blocking streams, which do not wait for the legacy stream that
// cudaMemcpy and cudaMemset use: so each of those is followed by a device synchronisation.
inline void device_sync() { GRL_CUDA_CHECK(cudaDeviceSynchronize()); }
template <class T>
void fill_bytes(DeviceBuffer<T>& d, int byte) {
  if (d.size()) GRL_CUDA_CHECK(cudaMemset(d.data(), byte, d.bytes()));
  device_sync();
}
template <class T>
DeviceBuffer<T> to_device(const std::vector<T>& host) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty())
    GRL_CUDA_CHECK(
        cudaMemcpy(d.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  device_sync();
  return d;
}
template <class T>
std::vector<T> to_host(const DeviceBuffer<T>& d, size_t count) {
  std::vector<T> h(count);
  if (count)
    GRL_CUDA_CHECK(cudaMemcpy(h.data(), d.data(), count * sizeof(T), cudaMemcpyDeviceToHost));
  return h;
}
#endif

template <class T>
std::vector<T> to_host(const DeviceBuffer<T>& d) {
  return to_host(d, d.size());
}

// Fills device memory with a byte pattern so unwritten outputs are detectable.
template <class T>
void poison(DeviceBuffer<T>& d, int byte = 0xFF) {
  fill_bytes(d, byte);
}

}  // namespace grl::test
