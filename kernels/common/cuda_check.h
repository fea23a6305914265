// The one error-check header. A failing CUDA runtime or cuBLAS call, or a failed kernel launch,
// throws CudaError naming the expression, file, line and CUDA's own message. With
// GRL_DEBUG_SYNC (cmake -DGRL_DEBUG_SYNC=ON) every launch check also synchronises, so an
// asynchronous fault is reported at the kernel that caused it.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace grl {

class CudaError : public std::runtime_error {
 public:
  CudaError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* expr, const char* file,
                                          int line) {
  throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                      " failed: " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err),
                  static_cast<int>(err));
}

inline void cuda_check(cudaError_t err, const char* expr, const char* file, int line) {
  if (err != cudaSuccess) {
    // A failed call also sets CUDA's last error; clear it (when not sticky) so the next launch
    // check does not blame an innocent kernel.
    cudaGetLastError();
    throw_cuda_error(err, expr, file, line);
  }
}

inline const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "CUBLAS_STATUS_UNKNOWN";
  }
}

inline void cublas_check(cublasStatus_t s, const char* expr, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                        " failed: " + cublas_status_name(s),
                    static_cast<int>(s));
}

// After a launch: configuration errors now; with GRL_DEBUG_SYNC also execution errors.
inline void launch_check(const char* kernel, const char* file, int line) {
  cudaError_t err = cudaPeekAtLastError();
#if defined(GRL_DEBUG_SYNC)
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
#endif
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a sticky launch error so the next call is not blamed
    throw_cuda_error(err, kernel, file, line);
  }
}

}  // namespace grl

#define GRL_CUDA_CHECK(expr) ::grl::cuda_check((expr), #expr, __FILE__, __LINE__)
#define GRL_CUBLAS_CHECK(expr) ::grl::cublas_check((expr), #expr, __FILE__, __LINE__)
#if defined(GRL_WARP_EMULATION)  // tests/emu: launches run on the CPU and cannot fail this way
#define GRL_LAUNCH_CHECK(kernel_name) static_cast<void>(kernel_name)
#else
#define GRL_LAUNCH_CHECK(kernel_name) ::grl::launch_check(kernel_name, __FILE__, __LINE__)
#endif
