// CPU reference of kernels/dense.h, plus the row-major GEMM that the CUDA backend does with
// cuBLAS: C = alpha * op(A) * op(B) + beta * C, op(A) M x K, op(B) K x N, row-major with
// leading dimensions lda, ldb, ldc (row strides).
#pragma once
#include "kernels/dense.h"

namespace grl::ref {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

void bias_act(MatrixView<float> z, const float* bias, Activation act);
void relu_backward(MatrixView<float> grad, MatrixView<const float> y);
void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed, uint32_t key,
                       const int32_t* row_ids);
void relu_dropout_backward(MatrixView<float> grad, MatrixView<const float> y, float p);
void column_sums(MatrixView<const float> x, float* sums, bool accumulate);
void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key, const int32_t* row_ids);
void l2norm_forward(MatrixView<float> x, float* inv_norm);
void l2norm_backward(MatrixView<float> grad, MatrixView<const float> y, const float* inv_norm);
void softmax_xent(MatrixView<const float> logits, const int32_t* labels, float grad_scale,
                  MatrixView<float> dlogits, float* row_loss, int32_t* pred);
void sigmoid_bce(MatrixView<const float> logits, MatrixView<const float> targets, float grad_scale,
                 MatrixView<float> dlogits, float* row_loss);
// Scatters each pair's gradient in pair order (dz zeroed first); batch.refs is not used.
void unsup_loss(MatrixView<const float> z, const UnsupPairsView& batch, float grad_scale,
                float* coef, float* pair_loss, MatrixView<float> dz);
void adam(Span<float> params, Span<const float> grads, Span<float> m, Span<float> v,
          const AdamParams& p);
void sgd(Span<float> params, Span<const float> grads, Span<float> velocity, const SgdParams& p);
void sum_into(Span<const float> x, float* acc);
// As launch_sum_squares but summed in double, in index order (no partials needed).
void sum_squares(Span<const float> x, float* out, float* norm_acc);

}  // namespace grl::ref
