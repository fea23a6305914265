// Helpers shared by the GPU tests (ctest label "gpu"). Every test starts with GRL_REQUIRE_GPU(),
// which skips with a message on machines without a usable CUDA device.
//
// The tests written against the Backend interface (make_gpu_backend) are also compiled into
// grl_emu_tests with GRL_TEST_EMULATED: there make_gpu_backend gives the emulated backend
// (tests/emu/emulated_backend.h, the kernels' own source run on the CPU), GRL_REQUIRE_GPU
// passes, and GRL_SKIP_EMULATED skips what the emulated backend leaves to the CPU references.
#pragma once
#include <gtest/gtest.h>

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

template <class T>
DeviceBuffer<T> to_device(const std::vector<T>& host) {
  DeviceBuffer<T> d(host.size());
  if (!host.empty())
    GRL_CUDA_CHECK(
        cudaMemcpy(d.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  // The tests launch on non-blocking streams, which do not wait for the legacy stream.
  GRL_CUDA_CHECK(cudaDeviceSynchronize());
  return d;
}

template <class T>
std::vector<T> to_host(const DeviceBuffer<T>& d, size_t count) {
  std::vector<T> h(count);
  if (count)
    GRL_CUDA_CHECK(cudaMemcpy(h.data(), d.data(), count * sizeof(T), cudaMemcpyDeviceToHost));
  return h;
}

template <class T>
std::vector<T> to_host(const DeviceBuffer<T>& d) {
  return to_host(d, d.size());
}

// Fills device memory with a byte pattern so unwritten outputs are detectable.
template <class T>
void poison(DeviceBuffer<T>& d, int byte = 0xFF) {
  if (d.size()) GRL_CUDA_CHECK(cudaMemset(d.data(), byte, d.bytes()));
  GRL_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace grl::test
