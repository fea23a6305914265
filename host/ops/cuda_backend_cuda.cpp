// The CUDA backend: the launchers in kernels/ on one compute stream, and cuBLAS for the GEMMs
// (the project's only cuBLAS call site).
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
  explicit CudaBackend(const BackendOptions& o) : options_(o) {
#if defined(GRL_DEBUG_SYNC)
    use_graphs_ = false;  // synchronising inside a capture is illegal
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
                  "memory or place it on the GPU (--graph-placement / --feature-placement gpu)");
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
  void set_lane(int lane) override {
    if (lane != kLaneCompute && lane != kLaneSample) throw Error("set_lane: no such lane");
    stream_ = lane == kLaneSample ? sample_.get() : compute_.get();
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
  int lane() const { return stream_ == sample_.get() ? kLaneSample : kLaneCompute; }

  size_t sample_scratch_bytes(const SampleLayout& L) override {
    return grl::sample_scratch_bytes(L);
  }
  // The sampler is ~25 small launches whose sizes all live in device memory, so the sequence is
  // captured once as a CUDA graph and replayed: one launch per batch instead of ~25. Graphs are
  // cached by their arguments (a few entries: training epoch, evaluation, short last batches).
  void sample_neighbors(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                        const SampleParams& p, const SampleOutput& out, void* scratch) override {
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
        put(g.num_edges);
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
  void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                         const BlockView& b, MatrixView<float> out, uint8_t* argslot) override {
    launch_aggregate_forward(kind, src, row_map, b, out, argslot, options_.variant, stream_);
  }
  size_t aggregate_backward_scratch_bytes(int64_t slots, int64_t src) override {
    return grl::aggregate_backward_scratch_bytes(slots, src);
  }
  void aggregate_backward(AggregateKind kind, const BlockView& b, MatrixView<const float> g,
                          const uint8_t* argslot, MatrixView<float> grad_src, void* scratch,
                          size_t bytes) override {
    launch_aggregate_backward(kind, b, g, argslot, grad_src, scratch, bytes, stream_);
  }
  void lstm_orders(const BlockView& b, int width, uint64_t seed, uint32_t key, uint8_t* ord,
                   uint8_t* tpos) override {
    launch_lstm_orders(b, width, seed, key, ord, tpos, stream_);
  }
  void lstm_gates_forward(const BlockView& b, const LstmStep& st, MatrixView<const float> proj,
                          const uint8_t* ord, const float* bias, MatrixView<float> gates,
                          MatrixView<const float> c_prev, MatrixView<float> c_out,
                          MatrixView<float> h_out, MatrixView<float> agg) override {
    launch_lstm_gates_forward(b, st, proj, ord, bias, gates, c_prev, c_out, h_out, agg, stream_);
  }
  void lstm_gates_backward(const BlockView& b, const LstmStep& st, MatrixView<float> gates,
                           MatrixView<const float> c_prev, MatrixView<const float> c_t,
                           MatrixView<const float> d_agg, MatrixView<float> dh_run,
                           MatrixView<float> dc_run) override {
    launch_lstm_gates_backward(b, st, gates, c_prev, c_t, d_agg, dh_run, dc_run, stream_);
  }
  void lstm_scatter(const BlockView& b, MatrixView<const float> gates_all, int64_t slab,
                    const uint8_t* tpos, int width, MatrixView<float> grad_proj, void* scratch,
                    size_t scratch_bytes) override {
    launch_lstm_scatter(b, gates_all, slab, tpos, width, grad_proj, scratch, scratch_bytes,
                        stream_);
  }
  void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                          const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                          unsigned long long* hits, const int32_t* num_rows) override {
    launch_gather_rows_cached(table, cache, cache_slot, rows, out, hits, num_rows, stream_);
  }
  void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                   const int32_t* num_rows) override {
    launch_gather_rows(table, rows, out, num_rows, stream_);
  }
  void random_walks(CsrView g, const WalkSpec& s, Span<const NodeId> starts, int64_t n,
                    int32_t* walks, unsigned long long* ended) override {
    launch_random_walks(g, s, starts, n, walks, ended, KernelVariant::kTuned, stream_);
  }
  void count_nodes(Span<const int32_t> walks, int64_t* counts) override {
    launch_count_nodes(walks, counts, stream_);
  }
  void sgns(Span<const int32_t> walks, int64_t n, const SgnsSpec& s, AliasView all, AliasView typed,
            MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats) override {
    launch_sgns(walks, n, s, all, typed, syn0, syn1, stats, options_.variant, stream_);
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
            int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) override {
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
  void bias_act(MatrixView<float> z, const float* bias, Activation act) override {
    launch_bias_act(z, bias, act, stream_);
  }
  void relu_backward(MatrixView<float> g, MatrixView<const float> y) override {
    launch_relu_backward(g, y, stream_);
  }
  void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                         uint32_t key) override {
    launch_bias_relu_dropout(z, bias, p, seed, key, stream_);
  }
  void relu_dropout_backward(MatrixView<float> g, MatrixView<const float> y, float p) override {
    launch_relu_dropout_backward(g, y, p, stream_);
  }
  void column_sums(MatrixView<const float> x, float* sums, bool accumulate,
                   float* partials) override {
    launch_column_sums(x, sums, accumulate, partials, stream_);
  }
  void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key) override {
    launch_dropout(x, p, seed, key, stream_);
  }
  void l2norm_forward(MatrixView<float> x, float* inv) override {
    launch_l2norm_forward(x, inv, stream_);
  }
  void l2norm_backward(MatrixView<float> g, MatrixView<const float> y, const float* inv) override {
    launch_l2norm_backward(g, y, inv, stream_);
  }
  void softmax_xent(MatrixView<const float> z, const int32_t* labels, float scale,
                    MatrixView<float> dz, float* row_loss, int32_t* pred) override {
    launch_softmax_xent(z, labels, scale, dz, row_loss, pred, stream_);
  }
  void sigmoid_bce(MatrixView<const float> z, MatrixView<const float> t, float scale,
                   MatrixView<float> dz, float* row_loss) override {
    launch_sigmoid_bce(z, t, scale, dz, row_loss, stream_);
  }
  void unsup_loss(MatrixView<const float> z, const UnsupPairsView& b, float scale, float* coef,
                  float* pair_loss, MatrixView<float> dz) override {
    launch_unsup_loss(z, b, scale, coef, pair_loss, dz, stream_);
  }
  void adam(Span<float> w, Span<const float> g, Span<float> m, Span<float> v,
            const AdamParams& p) override {
    launch_adam(w, g, m, v, p, stream_);
  }
  void sgd(Span<float> w, Span<const float> g, Span<float> vel, const SgdParams& p) override {
    launch_sgd(w, g, vel, p, stream_);
  }
  void sum_into(Span<const float> x, float* acc) override { launch_sum_into(x, acc, stream_); }
  void sum_squares(Span<const float> x, float* out, float* partials, float* norm_acc) override {
    launch_sum_squares(x, out, partials, norm_acc, stream_);
  }

 private:
  using SampleKey = std::array<uint64_t, 20 + 2 * kMaxHops>;
  // Slots of the engine's prefetch ring (each its own buffers) x full and last batch sizes.
  static constexpr size_t kMaxSampleGraphs = 12;
  static constexpr int kMaxSampleGraphMisses = 2 * kMaxSampleGraphs;

  BackendOptions options_;
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

std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options) {
  if (!cuda_available()) throw UsageError("--device cuda: " + cuda_device_info().reason);
  return std::make_unique<CudaBackend>(options);
}

}  // namespace grl
