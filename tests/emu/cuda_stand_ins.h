// Host stand-ins for the CUDA runtime and cuBLAS calls of host/ops/cuda_backend_cuda.cpp and
// host/device/cuda_resources.h, so that the CUDA backend's own source compiles with the host
// compiler and runs in CI (tests/emu/emulated_backend.cpp), its kernels under the warp
// emulator. Switched in by macro, as warp_emulator.h does for the calls kernel files make.
//
// Model: "device" memory is host memory (256-byte aligned, as cudaMalloc aligns) on a device of
// kDeviceBytes, so cudaMemGetInfo reports what is left of it; pinned memory is host memory.
// Everything runs when it is queued (the emulator runs a launch at the launch), so streams and
// events order nothing and elapsed times are 0; CUDA graphs are not modelled (the backend does
// not capture under emulation). cublasSgemm is the CPU reference gemm, called on the operands
// as cuBLAS reads them (column-major), so the backend's row-major operand swap is what is tested.
#pragma once
#include "tests/emu/warp_emulator.h"
// (the emulator first: it includes cuda_runtime.h and defines GRL_WARP_EMULATION)
#include <cublas_v2.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "host/reference/dense_ref.h"

namespace grl::emu {

inline constexpr size_t kDeviceBytes = size_t{16} << 30;

struct DeviceHeap {
  std::mutex m;
  std::unordered_map<void*, size_t> sizes;
  size_t used = 0;
};
inline DeviceHeap& device_heap() {
  static DeviceHeap h;
  return h;
}

template <class T>
cudaError_t device_malloc(T** p, size_t bytes) {
  DeviceHeap& h = device_heap();
  std::lock_guard<std::mutex> lock(h.m);
  if (h.used + bytes > kDeviceBytes) return cudaErrorMemoryAllocation;
  void* q = std::aligned_alloc(256, (std::max<size_t>(bytes, 1) + 255) / 256 * 256);
  if (!q) return cudaErrorMemoryAllocation;
  h.sizes[q] = bytes;
  h.used += bytes;
  *p = static_cast<T*>(q);
  return cudaSuccess;
}
inline cudaError_t device_free(void* p) {
  if (!p) return cudaSuccess;
  DeviceHeap& h = device_heap();
  std::lock_guard<std::mutex> lock(h.m);
  auto it = h.sizes.find(p);
  if (it == h.sizes.end()) fail("cudaFree of a pointer cudaMalloc did not return");
  h.used -= it->second;
  h.sizes.erase(it);
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t mem_get_info(size_t* free_bytes, size_t* total_bytes) {
  DeviceHeap& h = device_heap();
  std::lock_guard<std::mutex> lock(h.m);
  *free_bytes = kDeviceBytes - h.used;
  *total_bytes = kDeviceBytes;
  return cudaSuccess;
}
template <class T>
cudaError_t host_alloc(T** p, size_t bytes, unsigned int = 0) {
  void* q = std::aligned_alloc(256, (std::max<size_t>(bytes, 1) + 255) / 256 * 256);
  if (!q) return cudaErrorMemoryAllocation;
  *p = static_cast<T*>(q);
  return cudaSuccess;
}
inline cudaError_t free_host(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t memcpy2d_async(void* dst, size_t dpitch, const void* src, size_t spitch,
                                  size_t width, size_t height, cudaMemcpyKind,
                                  cudaStream_t = nullptr) {
  for (size_t r = 0; r < height; ++r)
    std::memmove(static_cast<char*>(dst) + r * dpitch, static_cast<const char*>(src) + r * spitch,
                 width);
  return cudaSuccess;
}

// Streams and events: distinct handles that order nothing.
inline cudaError_t stream_create(cudaStream_t* s, unsigned int = 0, int = 0) {
  *s = reinterpret_cast<cudaStream_t>(new char);
  return cudaSuccess;
}
inline cudaError_t stream_destroy(cudaStream_t s) {
  delete reinterpret_cast<char*>(s);
  return cudaSuccess;
}
inline cudaError_t stream_synchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t stream_wait_event(cudaStream_t, cudaEvent_t, unsigned int = 0) {
  return cudaSuccess;
}
inline cudaError_t event_create(cudaEvent_t* e, unsigned int = 0) {
  *e = reinterpret_cast<cudaEvent_t>(new char);
  return cudaSuccess;
}
inline cudaError_t event_destroy(cudaEvent_t e) {
  delete reinterpret_cast<char*>(e);
  return cudaSuccess;
}
inline cudaError_t event_record(cudaEvent_t, cudaStream_t = nullptr) { return cudaSuccess; }
inline cudaError_t event_synchronize(cudaEvent_t) { return cudaSuccess; }
inline cudaError_t event_elapsed(float* ms, cudaEvent_t, cudaEvent_t) {
  *ms = 0.0f;
  return cudaSuccess;
}
inline cudaError_t no_error() { return cudaSuccess; }

// CUDA graphs: the backend does not capture under emulation; a call is a bug.
template <class... A>
cudaError_t no_graphs(A...) {
  fail("CUDA graphs are not emulated (the backend must not capture under GRL_WARP_EMULATION)");
}

// cuBLAS.
inline cublasStatus_t blas_create(cublasHandle_t* h) {
  *h = reinterpret_cast<cublasHandle_t>(new char);
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t blas_destroy(cublasHandle_t h) {
  delete reinterpret_cast<char*>(h);
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t blas_set_stream(cublasHandle_t, cudaStream_t) {
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t blas_set_math_mode(cublasHandle_t, cublasMath_t) {
  return CUBLAS_STATUS_SUCCESS;
}
// Column-major C (m x n, ldc) = alpha op(A) op(B) + beta C as cuBLAS defines it. Read row-major,
// a column-major matrix is its transpose, so this is row-major C^T = op(B)^T op(A)^T: the
// reference gemm with the operands swapped.
inline cublasStatus_t blas_sgemm(cublasHandle_t, cublasOperation_t transa, cublasOperation_t transb,
                                 int m, int n, int k, const float* alpha, const float* a, int lda,
                                 const float* b, int ldb, const float* beta, float* c, int ldc) {
  if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
  const int rows_a = transa == CUBLAS_OP_N ? m : k, rows_b = transb == CUBLAS_OP_N ? k : n;
  if (lda < std::max(1, rows_a) || ldb < std::max(1, rows_b) || ldc < std::max(1, m))
    return CUBLAS_STATUS_INVALID_VALUE;
  ref::gemm(transb == CUBLAS_OP_T, transa == CUBLAS_OP_T, n, m, k, *alpha, b, ldb, a, lda, *beta, c,
            ldc);
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace grl::emu

#define cudaMalloc ::grl::emu::device_malloc
#define cudaFree ::grl::emu::device_free
#define cudaMemGetInfo ::grl::emu::mem_get_info
#define cudaHostAlloc ::grl::emu::host_alloc
#define cudaFreeHost ::grl::emu::free_host
#define cudaMemcpy2DAsync ::grl::emu::memcpy2d_async
#define cudaStreamCreateWithFlags(s, flags) ::grl::emu::stream_create(s, flags)
#define cudaStreamCreateWithPriority(s, flags, priority) \
  ::grl::emu::stream_create(s, flags, priority)
#define cudaStreamDestroy ::grl::emu::stream_destroy
#define cudaStreamSynchronize ::grl::emu::stream_synchronize
#define cudaStreamWaitEvent ::grl::emu::stream_wait_event
#define cudaEventCreateWithFlags ::grl::emu::event_create
#define cudaEventDestroy ::grl::emu::event_destroy
#define cudaEventRecord ::grl::emu::event_record
#define cudaEventSynchronize ::grl::emu::event_synchronize
#define cudaEventElapsedTime ::grl::emu::event_elapsed
#define cudaGetLastError ::grl::emu::no_error
#define cudaPeekAtLastError ::grl::emu::no_error
#define cudaStreamBeginCapture ::grl::emu::no_graphs
#define cudaStreamEndCapture ::grl::emu::no_graphs
#define cudaGraphInstantiate ::grl::emu::no_graphs
#define cudaGraphLaunch ::grl::emu::no_graphs
#define cudaGraphDestroy ::grl::emu::no_graphs
#define cudaGraphExecDestroy ::grl::emu::no_graphs
#undef cublasCreate
#define cublasCreate ::grl::emu::blas_create
#undef cublasDestroy
#define cublasDestroy ::grl::emu::blas_destroy
#undef cublasSetStream
#define cublasSetStream ::grl::emu::blas_set_stream
#undef cublasSetMathMode
#define cublasSetMathMode ::grl::emu::blas_set_math_mode
#undef cublasSgemm
#define cublasSgemm ::grl::emu::blas_sgemm
