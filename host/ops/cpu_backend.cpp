// The CPU backend: every operation is the reference implementation in host/reference/.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/ops/backend.h"
#include "host/reference/aggregate_ref.h"
#include "host/reference/dense_ref.h"
#include "host/reference/gather_ref.h"
#include "host/reference/lstm_ref.h"
#include "host/reference/sampling_ref.h"
#include "host/reference/sgns_ref.h"
#include "host/reference/walk_ref.h"

namespace grl {

namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& o)
      : sgns_model_warps_(o.sgns_model_warps), sgns_model_l1_rows_(o.sgns_model_l1_rows) {}
  bool is_cuda() const override { return false; }
  std::string describe() const override {
    return "cpu (" + std::to_string(num_threads()) + " threads)";
  }
  bool shares_host_memory() const override { return true; }

  void* allocate(size_t bytes, const char* what) override {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p)
      throw Error(std::string("out of host memory allocating ") + what + " (" +
                  std::to_string(bytes >> 20) + " MiB)");
    return p;
  }
  void deallocate(void* p) noexcept override { std::free(p); }
  void* allocate_host_mapped(size_t bytes, const char* what) override {
    return allocate(bytes, what);
  }
  void deallocate_host_mapped(void* p) noexcept override { std::free(p); }
  int64_t free_memory() override { return -1; }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void zero(void* dst, size_t bytes) override { std::memset(dst, 0, bytes); }
  void copy(void* dst, const void* src, size_t bytes) override { std::memmove(dst, src, bytes); }
  void copy_rows(MatrixView<const float> src, MatrixView<float> dst) override {
    for (int64_t r = 0; r < src.rows; ++r)
      std::memcpy(dst.row(r), src.row(r), src.cols * sizeof(float));
  }
  void synchronize() override {}
  void set_lane(int) override {}
  int new_event() override { return events_++; }
  void record_event(int) override {}
  void wait_event(int) override {}
  void host_wait_event(int) override {}
  void download_async(void* dst, const void* src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }

  int events_ = 0;
  void set_profiling(bool on) override {
    profiling_ = on;
    last_ = Clock::now();
  }
  void mark(const char* stage) override {
    if (!profiling_) return;
    const auto now = Clock::now();
    add_stage_time(stages_, stage, std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }
  std::vector<std::pair<std::string, double>> take_stage_times() override {
    return std::exchange(stages_, {});
  }

  size_t sample_scratch_bytes(const SampleLayout&) override { return 0; }
  void sample_neighbors(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                        const SampleParams& p, const SampleOutput& out, void*) override {
    ref::sample_neighbors(g, seeds, L, p, out);
  }
  void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                         const BlockView& b, MatrixView<float> out, uint8_t* argslot) override {
    ref::aggregate_forward(kind, src, row_map, b, out, argslot);
  }
  size_t aggregate_backward_scratch_bytes(int64_t, int64_t) override { return 0; }
  void aggregate_backward(AggregateKind kind, const BlockView& b, MatrixView<const float> g,
                          const uint8_t* argslot, MatrixView<float> grad_src, void*,
                          size_t) override {
    ref::aggregate_backward(kind, b, g, argslot, grad_src);
  }
  void lstm_orders(const BlockView& b, int width, uint64_t seed, uint32_t key, uint8_t* ord,
                   uint8_t* tpos) override {
    ref::lstm_orders(b, width, seed, key, ord, tpos);
  }
  void lstm_gates_forward(const BlockView& b, const LstmStep& st, MatrixView<const float> proj,
                          const uint8_t* ord, const float* bias, MatrixView<float> gates,
                          MatrixView<const float> c_prev, MatrixView<float> c_out,
                          MatrixView<float> h_out, MatrixView<float> agg) override {
    ref::lstm_gates_forward(b, st, proj, ord, bias, gates, c_prev, c_out, h_out, agg);
  }
  void lstm_gates_backward(const BlockView& b, const LstmStep& st, MatrixView<float> gates,
                           MatrixView<const float> c_prev, MatrixView<const float> c_t,
                           MatrixView<const float> d_agg, MatrixView<float> dh_run,
                           MatrixView<float> dc_run) override {
    ref::lstm_gates_backward(b, st, gates, c_prev, c_t, d_agg, dh_run, dc_run);
  }
  void lstm_scatter(const BlockView& b, MatrixView<const float> gates_all, int64_t slab,
                    const uint8_t* tpos, int width, MatrixView<float> grad_proj, void*,
                    size_t) override {
    ref::lstm_scatter(b, gates_all, slab, tpos, width, grad_proj);
  }
  void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                          const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                          unsigned long long* hits, const int32_t* num_rows) override {
    ref::gather_rows_cached(table, cache, cache_slot, rows, out, hits, num_rows);
  }
  void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                   const int32_t* num_rows) override {
    ref::gather_rows(table, rows, out, num_rows);
  }
  void random_walks(CsrView g, const WalkSpec& s, Span<const NodeId> starts, int64_t n,
                    int32_t* walks, unsigned long long* ended) override {
    ref::random_walks(g, s, starts, n, walks, ended);
  }
  void count_nodes(Span<const int32_t> walks, int64_t* counts) override {
    ref::count_nodes(walks, counts);
  }
  void sgns(Span<const int32_t> walks, int64_t n, const SgnsSpec& s, AliasView all, AliasView typed,
            MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats) override {
    if (sgns_model_warps_ > 0)
      ref::sgns_lockstep(walks, n, s, all, typed, syn0, syn1, stats, sgns_model_warps_,
                         sgns_model_l1_rows_);
    else
      ref::sgns(walks, n, s, all, typed, syn0, syn1, stats);
  }
  void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
            int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) override {
    ref::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  void bias_act(MatrixView<float> z, const float* bias, Activation act) override {
    ref::bias_act(z, bias, act);
  }
  void relu_backward(MatrixView<float> g, MatrixView<const float> y) override {
    ref::relu_backward(g, y);
  }
  void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                         uint32_t key) override {
    ref::bias_relu_dropout(z, bias, p, seed, key);
  }
  void relu_dropout_backward(MatrixView<float> g, MatrixView<const float> y, float p) override {
    ref::relu_dropout_backward(g, y, p);
  }
  void column_sums(MatrixView<const float> x, float* sums, bool accumulate, float*) override {
    ref::column_sums(x, sums, accumulate);
  }
  void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key) override {
    ref::dropout(x, p, seed, key);
  }
  void l2norm_forward(MatrixView<float> x, float* inv) override { ref::l2norm_forward(x, inv); }
  void l2norm_backward(MatrixView<float> g, MatrixView<const float> y, const float* inv) override {
    ref::l2norm_backward(g, y, inv);
  }
  void softmax_xent(MatrixView<const float> z, const int32_t* labels, float scale,
                    MatrixView<float> dz, float* row_loss, int32_t* pred) override {
    ref::softmax_xent(z, labels, scale, dz, row_loss, pred);
  }
  void sigmoid_bce(MatrixView<const float> z, MatrixView<const float> t, float scale,
                   MatrixView<float> dz, float* row_loss) override {
    ref::sigmoid_bce(z, t, scale, dz, row_loss);
  }
  void unsup_loss(MatrixView<const float> z, const UnsupPairsView& b, float scale, float* coef,
                  float* pair_loss, MatrixView<float> dz) override {
    ref::unsup_loss(z, b, scale, coef, pair_loss, dz);
  }
  void adam(Span<float> w, Span<const float> g, Span<float> m, Span<float> v,
            const AdamParams& p) override {
    ref::adam(w, g, m, v, p);
  }
  void sgd(Span<float> w, Span<const float> g, Span<float> vel, const SgdParams& p) override {
    ref::sgd(w, g, vel, p);
  }
  void sum_into(Span<const float> x, float* acc) override { ref::sum_into(x, acc); }
  void sum_squares(Span<const float> x, float* out, float*, float* norm_acc) override {
    ref::sum_squares(x, out, norm_acc);
  }

 private:
  using Clock = std::chrono::steady_clock;
  int sgns_model_warps_ = 0, sgns_model_l1_rows_ = 0;
  bool profiling_ = false;
  Clock::time_point last_ = Clock::now();
  std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace grl
