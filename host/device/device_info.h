// Which devices this process can use. Safe to call in CPU-only builds and on machines without
// a GPU or driver (then it reports none).
#pragma once
#include <cstdint>
#include <string>

namespace grl {

struct DeviceInfo {
  bool available = false;
  std::string name;    // e.g. "NVIDIA H200"
  std::string reason;  // why no device, when !available
  int sm_count = 0;
  int cc_major = 0, cc_minor = 0;
  int64_t total_bytes = 0;
  int64_t l2_bytes = 0;
};

// This process's GPU as seen now (queried once and cached, and made the current device):
// device 0, or under a launcher local rank modulo the GPU count (host/dist/comm.h).
const DeviceInfo& cuda_device_info();
inline bool cuda_available() { return cuda_device_info().available; }
// True when this binary was built with the CUDA backend.
bool built_with_cuda();

}  // namespace grl
