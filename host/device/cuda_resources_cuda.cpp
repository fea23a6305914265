#include <cstdio>

#include "host/device/cuda_resources.h"

namespace grl {

[[noreturn]] void throw_device_oom(size_t bytes, const char* what) {
  size_t free_b = 0, total_b = 0;
  cudaMemGetInfo(&free_b, &total_b);
  cudaGetLastError();
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "out of GPU memory allocating %s: needed %.2f GiB, %.2f GiB free of %.2f GiB. "
                "Use a smaller batch size or smaller fanouts, keep the graph or the features in "
                "host memory (graph and feature placement: host), or train on the CPU.",
                what, bytes / 1073741824.0, free_b / 1073741824.0, total_b / 1073741824.0);
  throw CudaError(buf, static_cast<int>(cudaErrorMemoryAllocation));
}

}  // namespace grl
