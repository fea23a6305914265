// The CUDA backend: the launchers in kernels/ on two streams (the compute and sample lanes), and
// cuBLAS for the GEMMs (the project's only cuBLAS call site). The kernel operations are
// generated from host/ops/backend_ops.inc. tests/emu compiles this very file with the warp
// emulator and host stand-ins for the runtime and cuBLAS (GRL_WARP_EMULATION), so CI runs it.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <utility>
#include <vector>

#include "host/core/error.h"
#include "host/device/cuda_resources.h"
#include "host/device/device_info.h"
#include "host/ops/backend.h"

namespace grl {

namespace {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const BackendOptions& o) : options_(o), variant_(o.variant) {
#if defined(GRL_DEBUG_SYNC) || defined(GRL_WARP_EMULATION)
    // Synchronising inside a capture is illegal; the emulator runs each launch as it is queued,
    // so there is nothing to capture.
    use_graphs_ = false;
#endif
    if (std::getenv("GRL_NO_CUDA_GRAPHS")) use_graphs_ = false;
    stream_ = compute_.get();
    GRL_CUBLAS_CHECK(cublasSetStream(cublas_, compute_.get()));
    GRL_CUBLAS_CHECK(
        cublasSetMathMode(cublas_, o.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  }
  ~CudaBackend() override {
    cudaStreamSynchronize(sample_.get());
    cudaStreamSynchronize(compute_.get());
    for (auto& entry : sample_graphs_) cudaGraphExecDestroy(entry.second);
  }

  bool is_cuda() const override { return true; }
  std::string describe() const override {
#if defined(GRL_WARP_EMULATION)
    return "cuda backend under the warp emulator (cpu)";
#endif
    return "cuda (" + cuda_device_info().name + (options_.tf32 ? ", tf32" : "") + ")";
  }
  bool shares_host_memory() const override { return false; }

  void* allocate(size_t bytes, const char* what) override {
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, bytes);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw_device_oom(bytes, what);
    }
    GRL_CUDA_CHECK(err);
    return p;
  }
  void deallocate(void* p) noexcept override { cudaFree(p); }
  void* allocate_host_mapped(size_t bytes, const char* what) override {
    void* p = nullptr;
    cudaError_t err = cudaHostAlloc(&p, bytes, cudaHostAllocMapped | cudaHostAllocPortable);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw Error(std::string("out of pinned host memory allocating ") + what + " (" +
                  std::to_string(bytes >> 20) + " MiB): the host cannot pin that much; free host " +
                  "memory or place it on the GPU ({graph_placement} / {feature_placement} gpu)");
    }
    GRL_CUDA_CHECK(err);
    return p;  // unified addressing: the host pointer is valid in kernels as it is
  }
  void deallocate_host_mapped(void* p) noexcept override { cudaFreeHost(p); }
  int64_t free_memory() override {
    size_t free_b = 0, total_b = 0;
    GRL_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    return static_cast<int64_t>(free_b);
  }
  void upload(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void download(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    GRL_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void zero(void* dst, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream_));
  }
  void copy(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
  }
  void copy_rows(MatrixView<const float> src, MatrixView<float> dst) override {
    if (src.rows == 0 || src.cols == 0) return;
    GRL_CUDA_CHECK(cudaMemcpy2DAsync(dst.data, dst.stride * sizeof(float), src.data,
                                     src.stride * sizeof(float), src.cols * sizeof(float), src.rows,
                                     cudaMemcpyDeviceToDevice, stream_));
  }
  void synchronize() override {
    GRL_CUDA_CHECK(cudaStreamSynchronize(sample_.get()));
    GRL_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
  }
  int new_event() override {
    lane_events_.emplace_back(false);
    return static_cast<int>(lane_events_.size()) - 1;
  }
  void record_event(int id) override { lane_events_.at(id).record(stream_); }
  void wait_event(int id) override {
    GRL_CUDA_CHECK(cudaStreamWaitEvent(stream_, lane_events_.at(id).get(), 0));
  }
  void host_wait_event(int id) override { lane_events_.at(id).synchronize(); }
  void* lane_stream() override { return stream_; }
  void download_async(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
  }

  // Each lane has its own timeline of marks: mark(stage) ends `stage` on the current lane (the
  // interval since that lane's previous mark; a lane's first mark only starts its timeline).
  void set_profiling(bool on) override {
    profiling_ = on;
    for (auto& p : pending_) p.clear();
    used_ = 0;
    if (on) mark("");  // the compute lane's first stage starts here
  }
  void mark(const char* stage) override {
    if (!profiling_) return;
    if (used_ == events_.size()) events_.emplace_back(true);
    events_[used_].record(stream_);
    pending_[lane()].emplace_back(stage, used_++);
  }
  std::vector<std::pair<std::string, double>> take_stage_times() override {
    std::vector<std::pair<std::string, double>> out;
    size_t keep[2] = {0, 0};
    bool has[2] = {false, false};
    for (int l = 0; l < 2; ++l) {
      auto& p = pending_[l];
      if (p.empty()) continue;
      events_[p.back().second].synchronize();
      for (size_t i = 1; i < p.size(); ++i)
        add_stage_time(out, p[i].first,
                       events_[p[i].second].elapsed_ms_since(events_[p[i - 1].second]));
      keep[l] = p.back().second;
      has[l] = true;
    }
    // Keep each lane's newest event as the start of its next stage, in slots 0 and 1.
    used_ = 0;
    for (int l = 0; l < 2; ++l) {
      pending_[l].clear();
      if (!has[l]) continue;
      if (keep[l] != used_) {
        std::swap(events_[used_], events_[keep[l]]);
        if (l == 0 && has[1] && keep[1] == used_) keep[1] = keep[0];
      }
      pending_[l].emplace_back(std::string(), used_++);
    }
    return out;
  }

  // The kernel operations: the launchers on the current lane's stream (backend_ops.inc).
#define GRL_BACKEND_OP(ret, name, params, cpu_call, cuda_call) \
  ret name params override { return cuda_call; }
#include "host/ops/backend_ops.inc"

 protected:
  void set_lane(int lane) override {
    if (lane != kLaneCompute && lane != kLaneSample) throw Error("set_lane: no such lane");
    stream_ = lane == kLaneSample ? sample_.get() : compute_.get();
  }
  int lane() const override { return stream_ == sample_.get() ? kLaneSample : kLaneCompute; }

 private:
  // The sampler is ~25 small launches whose sizes all live in device memory, so the sequence is
  // captured once as a CUDA graph and replayed: one launch per batch instead of ~25. Graphs are
  // cached by their arguments (a few entries: training epoch, evaluation, short last batches).
  void sample_through_graphs(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                             const SampleParams& p, const SampleOutput& out, void* scratch) {
    const SampleScratch sc = bind_sample_scratch(L, scratch);
    if (!use_graphs_ || sample_graph_misses_ > kMaxSampleGraphMisses) {
      launch_sample_neighbors(g, seeds, L, p, out, sc, stream_);
      return;
    }
    // Everything the captured launches depend on, as plain words (no struct padding).
    SampleKey key{};
    size_t n = 0;
    auto put = [&](uint64_t v) { key[n++] = v; };
    auto ptr = [](const void* q) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(q)); };
    put(ptr(g.offsets)), put(ptr(g.indices)), put(ptr(g.weights)), put(g.num_rows),
        put(g.num_edges), put(ptr(g.alias));
    put(ptr(seeds.data)), put(seeds.size), put(p.seed), put(p.epoch), put(p.replace);
    put(ptr(out.nodes)), put(ptr(out.hop_end)), put(ptr(out.seed_local)), put(ptr(out.cnt)),
        put(ptr(out.nbr));
    put(ptr(scratch)), put(L.num_hops), put(L.max_seeds), put(L.max_nodes), put(L.hash_capacity);
    for (int h = 0; h < L.num_hops; ++h) put(L.fanouts[h]), put(L.max_rows[h]);
    for (auto& [k, exec] : sample_graphs_)
      if (k == key) {
        sample_graph_misses_ = 0;
        GRL_CUDA_CHECK(cudaGraphLaunch(exec, stream_));
        return;
      }
    // Batches whose seed count changes every step (unsupervised training: the distinct nodes of
    // the pairs) would capture a graph per step that is never replayed: after a run of misses,
    // launch directly for the rest of this backend's life.
    ++sample_graph_misses_;
    cudaGraph_t graph = nullptr;
    GRL_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    try {
      launch_sample_neighbors(g, seeds, L, p, out, sc, stream_);
    } catch (...) {
      cudaStreamEndCapture(stream_, &graph);
      if (graph) cudaGraphDestroy(graph);
      throw;
    }
    GRL_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    cudaGraphExec_t exec = nullptr;
    cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    GRL_CUDA_CHECK(err);
    if (sample_graphs_.size() >= kMaxSampleGraphs) {
      cudaGraphExecDestroy(sample_graphs_.front().second);
      sample_graphs_.erase(sample_graphs_.begin());
    }
    sample_graphs_.emplace_back(key, exec);
    GRL_CUDA_CHECK(cudaGraphLaunch(exec, stream_));
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  void cublas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (m == 0 || n == 0) return;
    if (stream_ != compute_.get()) throw Error("gemm: matrix products run on the compute lane");
    if (k == 0) {
      if (beta == 0.0f)
        GRL_CUDA_CHECK(cudaMemset2DAsync(c, ldc * sizeof(float), 0, n * sizeof(float), m, stream_));
      else if (beta != 1.0f)
        throw Error("gemm with k = 0 and beta other than 0 or 1 is not supported");
      return;
    }
    GRL_CUBLAS_CHECK(cublasSgemm(
        cublas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
        static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b,
        static_cast<int>(ldb), a, static_cast<int>(lda), &beta, c, static_cast<int>(ldc)));
  }
  using SampleKey = std::array<uint64_t, 21 + 2 * kMaxHops>;
  // Slots of the engine's prefetch ring (each its own buffers) x full and last batch sizes.
  static constexpr size_t kMaxSampleGraphs = 12;
  static constexpr int kMaxSampleGraphMisses = 2 * kMaxSampleGraphs;

  BackendOptions options_;
  KernelVariant variant_;
  Stream compute_, sample_;
  cudaStream_t stream_ = nullptr;  // the current lane's stream
  std::deque<Event> lane_events_;  // deque: ids stay valid as it grows
  CublasHandle cublas_;
  bool use_graphs_ = true;
  bool profiling_ = false;
  std::vector<Event> events_;
  std::array<std::vector<std::pair<std::string, size_t>>, 2> pending_;  // per lane
  size_t used_ = 0;
  std::vector<std::pair<SampleKey, cudaGraphExec_t>> sample_graphs_;
  int sample_graph_misses_ = 0;  // consecutive cache misses
};

}  // namespace

#if defined(GRL_WARP_EMULATION)
// tests/emu/emulated_backend.cpp compiles this file against host stand-ins for the CUDA runtime
// and cuBLAS: the same backend, its kernels run by the warp emulator on host memory.
namespace test {
std::unique_ptr<Backend> make_emulated_backend(const BackendOptions& options) {
  return std::make_unique<CudaBackend>(options);
}
}  // namespace test
#else
std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options) {
  if (!cuda_available())
    throw ConfigError("{device} cuda: " + cuda_device_info().reason + "; use {device} cpu or auto");
  return std::make_unique<CudaBackend>(options);
}
#endif

}  // namespace grl
