// Builds without CUDA have no GPU buffers to reduce: NCCL is never available there
// (host/dist/nccl_cuda.cpp is the CUDA build's implementation).
#include "host/dist/nccl.h"

#if !defined(GRL_WITH_CUDA)
namespace grl {
std::unique_ptr<DeviceComm> DeviceComm::open(Comm&, std::string* why) {
  if (why) *why = "this grl was built without CUDA";
  return nullptr;
}
}  // namespace grl
#endif
