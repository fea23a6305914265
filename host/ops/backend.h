// The operations interface the trainers are written against: one CPU implementation (the
// references in host/reference/) and one CUDA implementation (the launchers in kernels/ and
// cuBLAS). The kernel operations are listed once, in host/ops/backend_ops.inc; memory, lanes
// and timing are below. Pointers passed to a backend live in that backend's memory (host
// memory for the CPU backend), allocated through Buffer<T>.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/aggregate.h"
#include "kernels/dense.h"
#include "kernels/gather.h"
#include "kernels/lstm.h"
#include "kernels/sampling.h"
#include "kernels/segment_reduce.h"
#include "kernels/sgns.h"
#include "kernels/walk.h"

namespace grl {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual bool is_cuda() const = 0;
  virtual std::string describe() const = 0;
  // True when backend memory is ordinary host memory (the CPU backend): host arrays can be
  // used in place instead of uploaded.
  virtual bool shares_host_memory() const = 0;

  // ---- memory --------------------------------------------------------------------------------
  virtual void* allocate(size_t bytes, const char* what) = 0;
  virtual void deallocate(void* p) noexcept = 0;
  // Host memory the device reads directly: pinned and mapped, so kernels read it through
  // unified addressing (zero-copy, over the host link). Ordinary memory on the CPU backend.
  // The pointer is a host pointer: fill it with memcpy.
  virtual void* allocate_host_mapped(size_t bytes, const char* what) = 0;
  virtual void deallocate_host_mapped(void* p) noexcept = 0;
  // Backend memory free now, in bytes; -1 when not limited by the backend (the CPU).
  virtual int64_t free_memory() = 0;
  // Queued on the current lane. From pinned (host-mapped) memory it returns at once: keep the
  // source unchanged until an event recorded after it has completed. From ordinary memory the
  // source may be reused when it returns.
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;
  virtual void download(void* dst, const void* src, size_t bytes) = 0;  // returns when done
  virtual void zero(void* dst, size_t bytes) = 0;
  virtual void copy(void* dst, const void* src, size_t bytes) = 0;  // within backend memory
  // dst rows = src rows (cols of src), between matrices of different strides.
  virtual void copy_rows(MatrixView<const float> src, MatrixView<float> dst) = 0;
  virtual void synchronize() = 0;  // waits for every lane

  // ---- lanes and events ----------------------------------------------------------------------
  // Two in-order queues: kLaneCompute, where everything goes by default, and kLaneSample, where
  // the engine samples the next minibatches ahead of their compute. On the GPU they are two
  // streams, ordered only through these events (no host synchronisation); the CPU backend runs
  // every call at once in program order, so there they cost nothing and order nothing.
  // Calls go to the current lane (kLaneCompute unless a LaneScope says otherwise).
  static constexpr int kLaneCompute = 0, kLaneSample = 1;
  virtual int new_event() = 0;            // an event owned by the backend, by id
  virtual void record_event(int id) = 0;  // marks the current lane's position
  virtual void wait_event(int id) = 0;    // the current lane waits for it (not the host)
  virtual void host_wait_event(int id) = 0;
  // The current lane's cudaStream_t, for a library that queues work of its own in the lane's
  // order (NCCL, host/dist/nccl.h); null on the CPU backend.
  virtual void* lane_stream() = 0;
  // Queued on the current lane; `dst` is host-mapped (pinned) memory, valid once an event
  // recorded after this call has completed.
  virtual void download_async(void* dst, const void* src, size_t bytes) = 0;

  // ---- stage timing (off by default) ---------------------------------------------------------
  // mark(stage) ends `stage` (it began at the previous mark); with profiling on, the backend
  // times stages in its own clock (CUDA events on the GPU) and sums them per stage name.
  virtual void set_profiling(bool on) = 0;
  virtual void mark(const char* stage) = 0;
  // Milliseconds per stage since the last call, in first-seen order (waits for the device).
  virtual std::vector<std::pair<std::string, double>> take_stage_times() = 0;

  // ---- kernel operations (host/ops/backend_ops.inc: one line each) ---------------------------
#define GRL_BACKEND_OP(ret, name, params, cpu_call, cuda_call) virtual ret name params = 0;
#include "host/ops/backend_ops.inc"

 protected:
  // The lane the following calls are queued on; only LaneScope (host/pipeline/lane_scope.h)
  // switches it, and switches it back.
  friend class LaneScope;
  virtual void set_lane(int lane) = 0;
  virtual int lane() const = 0;
};

// Adds `ms` to the entry `name` (appending it if new): the backends' stage-time bookkeeping.
void add_stage_time(std::vector<std::pair<std::string, double>>& stages, const std::string& name,
                    double ms);

struct BackendOptions {
  bool tf32 = false;  // CUDA: TF32 tensor-core GEMMs (faster, ~1e-3 relative error)
  KernelVariant variant = KernelVariant::kTuned;
  // CPU: train skip-gram with ref::sgns_lockstep, a model of the GPU kernel's lock-free
  // concurrency with this many warps (0: the serial reference).
  int sgns_model_warps = 0;
  int sgns_model_l1_rows = 0;  // ... and its SMs' incoherent L1 caches, rows each (0: none)
};

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& options = {});
// Throws UsageError when this build has no CUDA or no device is usable.
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options = {});
// Refuses, before any work starts, a device this machine cannot give: a name other than auto,
// cpu or cuda (UsageError), or cuda without a usable GPU (ConfigError naming {device}).
void check_device(const std::string& device);
// "auto" (the GPU when one is usable, else the CPU), "cpu" or "cuda".
std::unique_ptr<Backend> make_backend(const std::string& device,
                                      const BackendOptions& options = {});

// Where a Buffer lives: backend memory, or host memory the backend's kernels read directly.
enum class Residence : int { kBackend = 0, kHostMapped = 1 };

// An owned allocation in a backend's memory. Move-only.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend& b, size_t count, const char* what, Residence r = Residence::kBackend)
      : backend_(&b), count_(count), residence_(r) {
    if (count)
      ptr_ = static_cast<T*>(r == Residence::kHostMapped
                                 ? b.allocate_host_mapped(count * sizeof(T), what)
                                 : b.allocate(count * sizeof(T), what));
  }
  ~Buffer() { release(); }
  Buffer(Buffer&& o) noexcept
      : backend_(o.backend_),
        ptr_(std::exchange(o.ptr_, nullptr)),
        count_(std::exchange(o.count_, 0)),
        residence_(o.residence_) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      release();
      backend_ = o.backend_;
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
      residence_ = o.residence_;
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  T* data() const { return ptr_; }
  size_t size() const { return count_; }
  Span<T> span() const { return {ptr_, static_cast<int64_t>(count_)}; }
  void upload(const T* src, size_t count, size_t offset = 0) {
    if (count) backend_->upload(ptr_ + offset, src, count * sizeof(T));
  }
  void download(T* dst, size_t count, size_t offset = 0) const {
    if (count) backend_->download(dst, ptr_ + offset, count * sizeof(T));
  }
  void zero() {
    if (count_) backend_->zero(ptr_, count_ * sizeof(T));
  }
  Residence residence() const { return residence_; }

 private:
  void release() noexcept {
    if (!ptr_) return;
    if (residence_ == Residence::kHostMapped)
      backend_->deallocate_host_mapped(ptr_);
    else
      backend_->deallocate(ptr_);
    ptr_ = nullptr;
  }
  Backend* backend_ = nullptr;
  T* ptr_ = nullptr;
  size_t count_ = 0;
  Residence residence_ = Residence::kBackend;
};

}  // namespace grl
