// The emulated backend (emulated_backend.h): a CPU backend whose kernel operations call the
// launchers that tests/emu compiles with the emulator (their definitions in this executable
// are the emulated ones: kernels_*.cpp, sgns_emu_test.cpp, walk_emu_test.cpp).
#include "tests/emu/emulated_backend.h"

#include <utility>

namespace grl::test {

namespace {

class EmulatedBackend final : public Backend {
 public:
  explicit EmulatedBackend(const BackendOptions& o)
      : cpu_(make_cpu_backend(BackendOptions{})), variant_(o.variant) {}

  bool is_cuda() const override { return false; }
  std::string describe() const override { return "emulated kernels on the cpu"; }
  bool shares_host_memory() const override { return true; }

  // ---- memory, lanes, timing: the CPU backend's -----------------------------------------------
  void* allocate(size_t bytes, const char* what) override { return cpu_->allocate(bytes, what); }
  void deallocate(void* p) noexcept override { cpu_->deallocate(p); }
  void* allocate_host_mapped(size_t bytes, const char* what) override {
    return cpu_->allocate_host_mapped(bytes, what);
  }
  void deallocate_host_mapped(void* p) noexcept override { cpu_->deallocate_host_mapped(p); }
  int64_t free_memory() override { return cpu_->free_memory(); }
  void upload(void* dst, const void* src, size_t bytes) override { cpu_->upload(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override {
    cpu_->download(dst, src, bytes);
  }
  void zero(void* dst, size_t bytes) override { cpu_->zero(dst, bytes); }
  void copy(void* dst, const void* src, size_t bytes) override { cpu_->copy(dst, src, bytes); }
  void copy_rows(MatrixView<const float> src, MatrixView<float> dst) override {
    cpu_->copy_rows(src, dst);
  }
  void synchronize() override { cpu_->synchronize(); }
  void set_lane(int lane) override { cpu_->set_lane(lane); }
  int new_event() override { return cpu_->new_event(); }
  void record_event(int id) override { cpu_->record_event(id); }
  void wait_event(int id) override { cpu_->wait_event(id); }
  void host_wait_event(int id) override { cpu_->host_wait_event(id); }
  void download_async(void* dst, const void* src, size_t bytes) override {
    cpu_->download_async(dst, src, bytes);
  }
  void set_profiling(bool on) override { cpu_->set_profiling(on); }
  void mark(const char* stage) override { cpu_->mark(stage); }
  std::vector<std::pair<std::string, double>> take_stage_times() override {
    return cpu_->take_stage_times();
  }

  // ---- emulated kernels -----------------------------------------------------------------------
  size_t sample_scratch_bytes(const SampleLayout& layout) override {
    return grl::sample_scratch_bytes(layout);
  }
  void sample_neighbors(CsrView graph, Span<const NodeId> seeds, const SampleLayout& layout,
                        const SampleParams& params, const SampleOutput& out,
                        void* scratch) override {
    launch_sample_neighbors(graph, seeds, layout, params, out, bind_sample_scratch(layout, scratch),
                            nullptr);
  }
  void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                         const BlockView& block, MatrixView<float> out, uint8_t* argslot) override {
    launch_aggregate_forward(kind, src, row_map, block, out, argslot, variant_, nullptr);
  }
  size_t aggregate_backward_scratch_bytes(int64_t max_slots, int64_t max_src) override {
    return grl::aggregate_backward_scratch_bytes(max_slots, max_src);
  }
  void aggregate_backward(AggregateKind kind, const BlockView& block,
                          MatrixView<const float> grad_out, const uint8_t* argslot,
                          MatrixView<float> grad_src, void* scratch,
                          size_t scratch_bytes) override {
    launch_aggregate_backward(kind, block, grad_out, argslot, grad_src, scratch, scratch_bytes,
                              nullptr);
  }
  void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                          const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                          unsigned long long* hits, const int32_t* num_rows) override {
    launch_gather_rows_cached(table, cache, cache_slot, rows, out, hits, num_rows, nullptr);
  }
  void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                   const int32_t* num_rows) override {
    launch_gather_rows(table, rows, out, num_rows, nullptr);
  }
  void lstm_scatter(const BlockView& block, MatrixView<const float> gates_all, int64_t slab,
                    const uint8_t* tpos, int width, MatrixView<float> grad_proj, void* scratch,
                    size_t scratch_bytes) override {
    launch_lstm_scatter(block, gates_all, slab, tpos, width, grad_proj, scratch, scratch_bytes,
                        nullptr);
  }
  // ---- not emulated: GEMM is cuBLAS, so the CPU reference ----------------------------------
  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
            int64_t ldc) override {
    cpu_->gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  void lstm_orders(const BlockView& block, int width, uint64_t seed, uint32_t key, uint8_t* ord,
                   uint8_t* tpos) override {
    launch_lstm_orders(block, width, seed, key, ord, tpos, nullptr);
  }
  void lstm_gates_forward(const BlockView& block, const LstmStep& step,
                          MatrixView<const float> proj, const uint8_t* ord, const float* bias,
                          MatrixView<float> gates, MatrixView<const float> c_prev,
                          MatrixView<float> c_out, MatrixView<float> h_out,
                          MatrixView<float> agg) override {
    launch_lstm_gates_forward(block, step, proj, ord, bias, gates, c_prev, c_out, h_out, agg,
                              nullptr);
  }
  void lstm_gates_backward(const BlockView& block, const LstmStep& step, MatrixView<float> gates,
                           MatrixView<const float> c_prev, MatrixView<const float> c_t,
                           MatrixView<const float> d_agg, MatrixView<float> dh_run,
                           MatrixView<float> dc_run) override {
    launch_lstm_gates_backward(block, step, gates, c_prev, c_t, d_agg, dh_run, dc_run, nullptr);
  }
  void random_walks(CsrView graph, const WalkSpec& spec, Span<const NodeId> starts,
                    int64_t num_walks, int32_t* walks, unsigned long long* ended_early) override {
    launch_random_walks(graph, spec, starts, num_walks, walks, ended_early, KernelVariant::kTuned,
                        nullptr);  // as the CUDA backend
  }
  void count_nodes(Span<const int32_t> walks, int64_t* counts) override {
    launch_count_nodes(walks, counts, nullptr);
  }
  void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec, AliasView all,
            AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
            SgnsStats* stats) override {
    launch_sgns(walks, num_walks, spec, all, typed, syn0, syn1, stats, variant_, nullptr);
  }
  void bias_act(MatrixView<float> z, const float* bias, Activation act) override {
    launch_bias_act(z, bias, act, nullptr);
  }
  void relu_backward(MatrixView<float> grad, MatrixView<const float> y) override {
    launch_relu_backward(grad, y, nullptr);
  }
  void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                         uint32_t key) override {
    launch_bias_relu_dropout(z, bias, p, seed, key, nullptr);
  }
  void relu_dropout_backward(MatrixView<float> grad, MatrixView<const float> y, float p) override {
    launch_relu_dropout_backward(grad, y, p, nullptr);
  }
  void column_sums(MatrixView<const float> x, float* sums, bool accumulate,
                   float* partials) override {
    launch_column_sums(x, sums, accumulate, partials, nullptr);
  }
  void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key) override {
    launch_dropout(x, p, seed, key, nullptr);
  }
  void l2norm_forward(MatrixView<float> x, float* inv_norm) override {
    launch_l2norm_forward(x, inv_norm, nullptr);
  }
  void l2norm_backward(MatrixView<float> grad, MatrixView<const float> y,
                       const float* inv_norm) override {
    launch_l2norm_backward(grad, y, inv_norm, nullptr);
  }
  void softmax_xent(MatrixView<const float> logits, const int32_t* labels, float grad_scale,
                    MatrixView<float> dlogits, float* row_loss, int32_t* pred) override {
    launch_softmax_xent(logits, labels, grad_scale, dlogits, row_loss, pred, nullptr);
  }
  void sigmoid_bce(MatrixView<const float> logits, MatrixView<const float> targets,
                   float grad_scale, MatrixView<float> dlogits, float* row_loss) override {
    launch_sigmoid_bce(logits, targets, grad_scale, dlogits, row_loss, nullptr);
  }
  void unsup_loss(MatrixView<const float> z, const UnsupPairsView& batch, float grad_scale,
                  float* coef, float* pair_loss, MatrixView<float> dz) override {
    launch_unsup_loss(z, batch, grad_scale, coef, pair_loss, dz, nullptr);
  }
  void adam(Span<float> params, Span<const float> grads, Span<float> m, Span<float> v,
            const AdamParams& p) override {
    launch_adam(params, grads, m, v, p, nullptr);
  }
  void sgd(Span<float> params, Span<const float> grads, Span<float> velocity,
           const SgdParams& p) override {
    launch_sgd(params, grads, velocity, p, nullptr);
  }
  void sum_into(Span<const float> x, float* acc) override { launch_sum_into(x, acc, nullptr); }
  void sum_squares(Span<const float> x, float* out, float* partials, float* norm_acc) override {
    launch_sum_squares(x, out, partials, norm_acc, nullptr);
  }

 private:
  std::unique_ptr<Backend> cpu_;
  KernelVariant variant_;
};

}  // namespace

std::unique_ptr<Backend> make_emulated_backend(const BackendOptions& options) {
  return std::make_unique<EmulatedBackend>(options);
}

}  // namespace grl::test
