// RAII owners of CUDA resources: device memory, pinned host memory, streams, events and the
// cuBLAS handle. Move-only; destructors never throw. No raw cudaMalloc/cudaFree elsewhere.
// Kernels never see these: they get non-owning views (span(), view()) by value.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "kernels/common/cuda_check.h"
#include "kernels/common/views.h"

namespace grl {

// Throws a CudaError that says how much was asked for and how much is free, with advice.
[[noreturn]] void throw_device_oom(size_t bytes, const char* what);

// Compiled against the emulator's runtime stand-ins (tests/emu), these classes are other
// functions with the same names: an inline namespace keeps them apart at link time.
#if defined(GRL_WARP_EMULATION)
inline namespace emulated {
#endif

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count, const char* what = "device buffer") { allocate(count, what); }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void allocate(size_t count, const char* what = "device buffer") {
    release();
    if (count == 0) return;
    cudaError_t err = cudaMalloc(&ptr_, count * sizeof(T));
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      ptr_ = nullptr;
      throw_device_oom(count * sizeof(T), what);
    }
    GRL_CUDA_CHECK(err);
    count_ = count;
  }
  void release() noexcept {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    count_ = 0;
  }
  T* data() const { return ptr_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  Span<T> span() const { return {ptr_, static_cast<int64_t>(count_)}; }

  void copy_from_host(const T* src, size_t count, cudaStream_t stream, size_t offset = 0) {
    GRL_CUDA_CHECK(
        cudaMemcpyAsync(ptr_ + offset, src, count * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
  void copy_to_host(T* dst, size_t count, cudaStream_t stream, size_t offset = 0) const {
    GRL_CUDA_CHECK(
        cudaMemcpyAsync(dst, ptr_ + offset, count * sizeof(T), cudaMemcpyDeviceToHost, stream));
  }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

// Page-locked host memory: the only kind cudaMemcpyAsync overlaps with compute.
template <class T>
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(size_t count) { allocate(count); }
  ~PinnedBuffer() { release(); }
  PinnedBuffer(PinnedBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void allocate(size_t count) {
    release();
    if (count == 0) return;
    GRL_CUDA_CHECK(
        cudaHostAlloc(reinterpret_cast<void**>(&ptr_), count * sizeof(T), cudaHostAllocDefault));
    count_ = count;
  }
  void release() noexcept {
    if (ptr_) cudaFreeHost(ptr_);
    ptr_ = nullptr;
    count_ = 0;
  }
  T* data() const { return ptr_; }
  size_t size() const { return count_; }
  T& operator[](size_t i) const { return ptr_[i]; }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

class Stream {
 public:
  Stream() { GRL_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  explicit Stream(int priority) {
    GRL_CUDA_CHECK(cudaStreamCreateWithPriority(&s_, cudaStreamNonBlocking, priority));
  }
  ~Stream() {
    if (s_) cudaStreamDestroy(s_);
  }
  Stream(Stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stream& operator=(Stream&& o) noexcept {
    if (this != &o) {
      if (s_) cudaStreamDestroy(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }
  operator cudaStream_t() const { return s_; }
  void synchronize() const { GRL_CUDA_CHECK(cudaStreamSynchronize(s_)); }
  void wait(cudaEvent_t e) const { GRL_CUDA_CHECK(cudaStreamWaitEvent(s_, e, 0)); }

 private:
  cudaStream_t s_ = nullptr;
};

class Event {
 public:
  explicit Event(bool timing = true) {
    GRL_CUDA_CHECK(
        cudaEventCreateWithFlags(&e_, timing ? cudaEventDefault : cudaEventDisableTiming));
  }
  ~Event() {
    if (e_) cudaEventDestroy(e_);
  }
  Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Event& operator=(Event&& o) noexcept {
    if (this != &o) {
      if (e_) cudaEventDestroy(e_);
      e_ = std::exchange(o.e_, nullptr);
    }
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }
  operator cudaEvent_t() const { return e_; }
  void record(cudaStream_t s) const { GRL_CUDA_CHECK(cudaEventRecord(e_, s)); }
  void synchronize() const { GRL_CUDA_CHECK(cudaEventSynchronize(e_)); }
  // Milliseconds from `start` to this event (both recorded and complete).
  float elapsed_ms_since(const Event& start) const {
    float ms = 0;
    GRL_CUDA_CHECK(cudaEventElapsedTime(&ms, start.e_, e_));
    return ms;
  }

 private:
  cudaEvent_t e_ = nullptr;
};

class CublasHandle {
 public:
  CublasHandle() { GRL_CUBLAS_CHECK(cublasCreate(&h_)); }
  ~CublasHandle() {
    if (h_) cublasDestroy(h_);
  }
  CublasHandle(CublasHandle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  CublasHandle& operator=(CublasHandle&& o) noexcept {
    if (this != &o) {
      if (h_) cublasDestroy(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return h_; }
  operator cublasHandle_t() const { return h_; }

 private:
  cublasHandle_t h_ = nullptr;
};

#if defined(GRL_WARP_EMULATION)
}  // namespace emulated
#endif

}  // namespace grl
