// Helpers shared by the GPU tests (ctest label "gpu"). Every test starts with GRL_REQUIRE_GPU(),
// which skips with a message on machines without a usable CUDA device.
#pragma once
#include <gtest/gtest.h>

#include <vector>

#include "host/device/cuda_resources.h"
#include "host/device/device_info.h"

#define GRL_REQUIRE_GPU()                                                     \
  do {                                                                        \
    if (!::grl::cuda_available())                                             \
      GTEST_SKIP() << "no CUDA device: " << ::grl::cuda_device_info().reason; \
  } while (0)

namespace grl::test {

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
