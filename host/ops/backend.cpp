#include "host/ops/backend.h"

#include "host/core/error.h"
#include "host/device/device_info.h"

namespace grl {

void add_stage_time(std::vector<std::pair<std::string, double>>& stages, const std::string& name,
                    double ms) {
  for (auto& [k, v] : stages)
    if (k == name) {
      v += ms;
      return;
    }
  stages.emplace_back(name, ms);
}

#if !defined(GRL_WITH_CUDA)
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions&) {
  throw ConfigError("{device} cuda: " + cuda_device_info().reason + "; use {device} cpu or auto");
}
#endif

void check_device(const std::string& device) {
  if (device != "auto" && device != "cpu" && device != "cuda")
    throw UsageError("unknown device '" + device + "' (expected auto, cpu or cuda)");
  if (device == "cuda" && !cuda_available())
    throw ConfigError("{device} cuda: " + cuda_device_info().reason + "; use {device} cpu or auto");
}

std::unique_ptr<Backend> make_backend(const std::string& device, const BackendOptions& options) {
  if (device == "cpu") return make_cpu_backend(options);
  if (device == "cuda") return make_cuda_backend(options);
  if (device == "auto")
    return cuda_available() ? make_cuda_backend(options) : make_cpu_backend(options);
  throw UsageError("unknown device '" + device + "' (expected auto, cpu or cuda)");
}

}  // namespace grl
