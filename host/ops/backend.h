// The operations interface the trainers are written against: one CPU implementation (the
// references in host/reference/) and one CUDA implementation (the launchers in kernels/ and
// cuBLAS). Pointers passed to a backend live in that backend's memory (host memory for the
// CPU backend), allocated through Buffer<T>.
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
  static constexpr int kLaneCompute = 0, kLaneSample = 1;
  virtual void set_lane(int lane) = 0;    // the lane the following calls are queued on
  virtual int new_event() = 0;            // an event owned by the backend, by id
  virtual void record_event(int id) = 0;  // marks the current lane's position
  virtual void wait_event(int id) = 0;    // the current lane waits for it (not the host)
  virtual void host_wait_event(int id) = 0;
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

  // ---- sampling (kernels/sampling.h) ---------------------------------------------------------
  virtual size_t sample_scratch_bytes(const SampleLayout& layout) = 0;
  virtual void sample_neighbors(CsrView graph, Span<const NodeId> seeds, const SampleLayout& layout,
                                const SampleParams& params, const SampleOutput& out,
                                void* scratch) = 0;

  // ---- aggregation (kernels/aggregate.h) -----------------------------------------------------
  virtual void aggregate_forward(AggregateKind kind, MatrixView<const float> src,
                                 const int32_t* row_map, const BlockView& block,
                                 MatrixView<float> out, uint8_t* argslot) = 0;
  virtual size_t aggregate_backward_scratch_bytes(int64_t max_slots, int64_t max_src) = 0;
  virtual void aggregate_backward(AggregateKind kind, const BlockView& block,
                                  MatrixView<const float> grad_out, const uint8_t* argslot,
                                  MatrixView<float> grad_src, void* scratch,
                                  size_t scratch_bytes) = 0;
  // num_rows (backend memory, optional): out.rows is a bound, the count is read on the device.
  virtual void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                                  const int32_t* cache_slot, const int32_t* rows,
                                  MatrixView<float> out, unsigned long long* hits,
                                  const int32_t* num_rows = nullptr) = 0;
  virtual void gather_rows(MatrixView<const float> table, const int32_t* rows,
                           MatrixView<float> out, const int32_t* num_rows = nullptr) = 0;

  // ---- LSTM aggregator (kernels/lstm.h; scratch as aggregate_backward_scratch_bytes) --------
  virtual void lstm_orders(const BlockView& block, int width, uint64_t seed, uint32_t key,
                           uint8_t* ord, uint8_t* tpos) = 0;
  virtual void lstm_gates_forward(const BlockView& block, const LstmStep& step,
                                  MatrixView<const float> proj, const uint8_t* ord,
                                  const float* bias, MatrixView<float> gates,
                                  MatrixView<const float> c_prev, MatrixView<float> c_out,
                                  MatrixView<float> h_out, MatrixView<float> agg) = 0;
  virtual void lstm_gates_backward(const BlockView& block, const LstmStep& step,
                                   MatrixView<float> gates, MatrixView<const float> c_prev,
                                   MatrixView<const float> c_t, MatrixView<const float> d_agg,
                                   MatrixView<float> dh_run, MatrixView<float> dc_run) = 0;
  virtual void lstm_scatter(const BlockView& block, MatrixView<const float> gates_all, int64_t slab,
                            const uint8_t* tpos, int width, MatrixView<float> grad_proj,
                            void* scratch, size_t scratch_bytes) = 0;

  // ---- walks and skip-gram (kernels/walk.h, kernels/sgns.h) ---------------------------------
  virtual void random_walks(CsrView graph, const WalkSpec& spec, Span<const NodeId> starts,
                            int64_t num_walks, int32_t* walks, unsigned long long* ended_early) = 0;
  virtual void count_nodes(Span<const int32_t> walks, int64_t* counts) = 0;
  virtual void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec,
                    AliasView all, AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
                    SgnsStats* stats) = 0;

  // ---- dense (kernels/dense.h; gemm as in host/reference/dense_ref.h)
  // ----------------------------
  virtual void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                    const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                    int64_t ldc) = 0;
  virtual void bias_act(MatrixView<float> z, const float* bias, Activation act) = 0;
  virtual void relu_backward(MatrixView<float> grad, MatrixView<const float> y) = 0;
  virtual void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                                 uint32_t key) = 0;
  virtual void relu_dropout_backward(MatrixView<float> grad, MatrixView<const float> y,
                                     float p) = 0;
  virtual void column_sums(MatrixView<const float> x, float* sums, bool accumulate,
                           float* partials) = 0;
  virtual void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key) = 0;
  virtual void l2norm_forward(MatrixView<float> x, float* inv_norm) = 0;
  virtual void l2norm_backward(MatrixView<float> grad, MatrixView<const float> y,
                               const float* inv_norm) = 0;
  virtual void softmax_xent(MatrixView<const float> logits, const int32_t* labels, float grad_scale,
                            MatrixView<float> dlogits, float* row_loss, int32_t* pred) = 0;
  virtual void sigmoid_bce(MatrixView<const float> logits, MatrixView<const float> targets,
                           float grad_scale, MatrixView<float> dlogits, float* row_loss) = 0;
  virtual void unsup_loss(MatrixView<const float> z, const UnsupPairsView& batch, float grad_scale,
                          float* coef, float* pair_loss, MatrixView<float> dz) = 0;
  virtual void adam(Span<float> params, Span<const float> grads, Span<float> m, Span<float> v,
                    const AdamParams& p) = 0;
  virtual void sgd(Span<float> params, Span<const float> grads, Span<float> velocity,
                   const SgdParams& p) = 0;
  virtual void sum_into(Span<const float> x, float* acc) = 0;
  // out[0] = sum(x^2); norm_acc[0] += sqrt(out[0]) if set. `partials`: sum_squares_partials(n).
  virtual void sum_squares(Span<const float> x, float* out, float* partials, float* norm_acc) = 0;
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
