// The CUDA backend: the launchers in kernels/ on one compute stream, and cuBLAS for the GEMMs
// (the project's only cuBLAS call site).
#include "host/core/error.h"
#include "host/device/cuda_resources.h"
#include "host/device/device_info.h"
#include "host/ops/backend.h"

namespace grl {

namespace {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const BackendOptions& o) : options_(o) {
    GRL_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    GRL_CUBLAS_CHECK(cublasSetMathMode(cublas_, o.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  }
  ~CudaBackend() override { cudaStreamSynchronize(stream_); }

  bool is_cuda() const override { return true; }
  std::string describe() const override {
    return "cuda (" + cuda_device_info().name + (options_.tf32 ? ", tf32" : "") + ")";
  }
  bool shares_host_memory() const override { return false; }
  cudaStream_t stream() const { return stream_; }

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
  void upload(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void download(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    GRL_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void zero(void* dst, size_t bytes) override { GRL_CUDA_CHECK(cudaMemsetAsync(dst, 0, bytes, stream_)); }
  void copy(void* dst, const void* src, size_t bytes) override {
    GRL_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
  }
  void synchronize() override { GRL_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

  size_t sample_scratch_bytes(const SampleLayout& L) override { return grl::sample_scratch_bytes(L); }
  void sample_neighbors(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                        const SampleParams& p, const SampleOutput& out, void* scratch) override {
    launch_sample_neighbors(g, seeds, L, p, out, bind_sample_scratch(L, scratch), stream_);
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
  void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out) override {
    launch_gather_rows(table, rows, out, stream_);
  }
  // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
  void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
            int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) override {
    if (m == 0 || n == 0) return;
    if (k == 0) {
      if (beta == 0.0f)
        GRL_CUDA_CHECK(cudaMemset2DAsync(c, ldc * sizeof(float), 0, n * sizeof(float), m, stream_));
      else if (beta != 1.0f)
        throw Error("gemm with k = 0 and beta other than 0 or 1 is not supported");
      return;
    }
    GRL_CUBLAS_CHECK(cublasSgemm(cublas_, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                 static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha,
                                 b, static_cast<int>(ldb), a, static_cast<int>(lda), &beta, c,
                                 static_cast<int>(ldc)));
  }
  void bias_act(MatrixView<float> z, const float* bias, Activation act) override {
    launch_bias_act(z, bias, act, stream_);
  }
  void relu_backward(MatrixView<float> g, MatrixView<const float> y) override {
    launch_relu_backward(g, y, stream_);
  }
  void column_sums(MatrixView<const float> x, float* sums, bool accumulate, float* partials) override {
    launch_column_sums(x, sums, accumulate, partials, stream_);
  }
  void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key) override {
    launch_dropout(x, p, seed, key, stream_);
  }
  void l2norm_forward(MatrixView<float> x, float* inv) override { launch_l2norm_forward(x, inv, stream_); }
  void l2norm_backward(MatrixView<float> g, MatrixView<const float> y, const float* inv) override {
    launch_l2norm_backward(g, y, inv, stream_);
  }
  void softmax_xent(MatrixView<const float> z, const int32_t* labels, float scale, MatrixView<float> dz,
                    float* row_loss, int32_t* pred) override {
    launch_softmax_xent(z, labels, scale, dz, row_loss, pred, stream_);
  }
  void sigmoid_bce(MatrixView<const float> z, MatrixView<const float> t, float scale, MatrixView<float> dz,
                   float* row_loss) override {
    launch_sigmoid_bce(z, t, scale, dz, row_loss, stream_);
  }
  void adam(Span<float> w, Span<const float> g, Span<float> m, Span<float> v, const AdamParams& p) override {
    launch_adam(w, g, m, v, p, stream_);
  }
  void sgd(Span<float> w, Span<const float> g, Span<float> vel, const SgdParams& p) override {
    launch_sgd(w, g, vel, p, stream_);
  }
  void sum_into(Span<const float> x, float* acc) override { launch_sum_into(x, acc, stream_); }

 private:
  BackendOptions options_;
  Stream stream_;
  CublasHandle cublas_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const BackendOptions& options) {
  if (!cuda_available()) throw UsageError("--device cuda: " + cuda_device_info().reason);
  return std::make_unique<CudaBackend>(options);
}

}  // namespace grl
