#include "host/device/device_info.h"

#include "host/dist/comm.h"

#if defined(GRL_WITH_CUDA)
#include <cuda_runtime.h>
#endif

namespace grl {

bool built_with_cuda() {
#if defined(GRL_WITH_CUDA)
  return true;
#else
  return false;
#endif
}

const DeviceInfo& cuda_device_info() {
  static const DeviceInfo info = [] {
    DeviceInfo d;
#if defined(GRL_WITH_CUDA)
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) {
      cudaGetLastError();
      d.reason = err != cudaSuccess ? std::string("this machine has no usable NVIDIA GPU (CUDA: ") +
                                          cudaGetErrorString(err) + ")"
                                    : "this machine has no NVIDIA GPU";
      return d;
    }
    // One GPU per rank: the ranks on a machine take its GPUs in turn (device 0 alone).
    const int ordinal = Comm::world().local_rank() % count;
    cudaDeviceProp p{};
    if (cudaSetDevice(ordinal) != cudaSuccess ||
        cudaGetDeviceProperties(&p, ordinal) != cudaSuccess) {
      cudaGetLastError();
      d.reason = "cannot query CUDA device " + std::to_string(ordinal);
      return d;
    }
    d.available = true;
    d.name = p.name;
    d.sm_count = p.multiProcessorCount;
    d.cc_major = p.major;
    d.cc_minor = p.minor;
    d.total_bytes = static_cast<int64_t>(p.totalGlobalMem);
    d.l2_bytes = p.l2CacheSize;
#else
    d.reason = "this grl was built without CUDA (GRL_WITH_CUDA=OFF), so it cannot use a GPU";
#endif
    return d;
  }();
  return info;
}

}  // namespace grl
