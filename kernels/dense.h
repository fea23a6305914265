// Element-wise and row-wise pieces of the dense part of GraphSAGE, and the optimisers. The
// matrix products themselves go through cuBLAS (host/ops, one call site).
//
//   bias_act        z = act(z + bias)                 in place, act in {none, relu}
//   bias_relu_dropout  y = dropout(relu(z + bias))    in place, one pass (hidden layers)
//   relu_dropout_backward  g = y > 0 ? g / (1 - p) : 0   y = that output: y > 0 exactly where
//                   the unit was active and kept, so one pass undoes dropout and relu
//   relu_backward   g = g * (y > 0)                   y = the activation's output
//   column_sums     s[c] (+)= sum_r x[r][c]           fixed-order two-stage sum: deterministic
//   dropout         x = x * keep / (1 - p), keep = random_unit(philox(seed, kDropout, key, k_r,
//                   c/4)[c%4]) >= p, k_r = row_ids[r] (the row's node id) or r without them;
//                   the same call on the gradient is the backward. Keyed by node, a node's
//                   mask does not depend on the batch (or rank's share) that holds it.
//   l2norm          y = x / max(|x|, 1e-12), inv[r] saved; backward g = (g - y (y.g)) * inv
//   softmax_xent    loss_r = logsumexp(z_r) - z_r[y_r]; dz = (softmax - onehot) * scale;
//                   pred_r = argmax (lowest index on ties); rows with y_r < 0 give 0
//   sigmoid_bce     loss_r = sum_c max(z,0) - z t + log1p(exp(-|z|)); dz = (sigmoid - t) * scale
//   unsup_loss      GraphSAGE's unsupervised loss (Hamilton et al. 2017, eq. 1) over positive
//                   pairs (u_i, v_i) and Q negatives n_j shared by every pair:
//                     loss_i = -log s(z_u.z_v) - sum_j log s(-z_u.z_nj)      s = sigmoid
//                   coef_i0 = -s(-z_u.z_v) scale, coef_ij = s(z_u.z_nj) scale, and
//                   dz_r = sum over the pairs' references to r of the matching coef times the
//                   other row (see UnsupPairsView)
//   adam / sgd      fused optimiser steps over one flat parameter buffer; with grad_sumsq and
//                   max_norm > 0 they clip first: g * min(1, max_norm / (sqrt(*grad_sumsq) + 1e-6))
//                   (the global-norm clip of torch.nn.utils.clip_grad_norm_), read on the device
//   sum_squares     out[0] = sum_i x_i^2, fixed-order two-stage sum: partials[k] = a 256-thread
//                   tree over chunk k (kSumSquaresChunk elements, thread t taking t, t + 256, ...),
//                   then one block sums the partials the same way; norm_acc[0] += sqrt(out[0])
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/philox.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

enum class Activation : int { kNone = 0, kRelu = 1 };

// Gradient clipping by global norm, in both optimisers: when max_norm > 0 and grad_sumsq is set,
// the step uses g * clip_scale (before weight decay is added). grad_sumsq points at the sum of
// squares of the whole gradient in backend memory (sum_squares), so the norm never visits the
// host.
struct AdamParams {
  float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.0f;
  float bias_correction1 = 1.0f;  // 1 - beta1^t
  float bias_correction2 = 1.0f;  // 1 - beta2^t
  const float* grad_sumsq = nullptr;
  float max_norm = 0.0f;  // 0: no clipping
};

struct SgdParams {
  float lr = 0.01f, momentum = 0.0f, weight_decay = 0.0f;
  const float* grad_sumsq = nullptr;
  float max_norm = 0.0f;  // 0: no clipping
};

// min(1, max_norm / (|g| + 1e-6)) with |g|^2 = *sumsq; 1 when clipping is off.
GRL_HD float clip_scale(const float* sumsq, float max_norm) {
  if (!(max_norm > 0.0f) || sumsq == nullptr) return 1.0f;
  return fminf(1.0f, max_norm / (sqrtf(*sumsq) + 1e-6f));
}

// Rows per partial sum of launch_column_sums (fixed, so the sums are deterministic).
constexpr int64_t kColumnSumChunk = 1024;
// Elements per partial sum of launch_sum_squares (fixed, so the sum is deterministic).
constexpr int64_t kSumSquaresChunk = 8192;
// Floats of `partials` that launch_sum_squares needs for n elements.
constexpr int64_t sum_squares_partials(int64_t n) {
  return (n + kSumSquaresChunk - 1) / kSumSquaresChunk;
}

// Whether dropout keeps element (r, c) of the matrix with dropout key `key` (one per layer and
// step); r is the row's key (dropout_row_key). Shared by the kernel and the CPU reference, so
// both drop the same elements.
GRL_HD int64_t dropout_row_key(const int32_t* row_ids, int64_t r) {
  return row_ids ? row_ids[r] : r;
}
GRL_HD bool dropout_keep(uint64_t seed, uint32_t key, int64_t r, int64_t c, float p) {
  Philox4 w = philox(seed, RandomPurpose::kDropout, key, static_cast<uint32_t>(r),
                     static_cast<uint32_t>(c >> 2));
  return random_unit(w.v[c & 3]) >= p;
}

// One batch of unsup_loss. Indices are rows of Z. `refs` transposes the batch so the gradient
// of each row can be gathered (no atomics): the entries refs[ref_offsets[r] .. ref_offsets[r +
// 1]) are the references to row r, in increasing order, each k in [0, 2P + Q) meaning
//   k < P:       r = u[k]             (r is the first node of pair k)
//   k < 2P:      r = v[k - P]         (r is the second node of pair k - P)
//   otherwise:   r = neg[k - 2P]      (r is negative k - 2P)
// A row may be referenced any number of times, in any roles (ref::build_unsup_refs in
// host/reference/dense_ref.h builds the transpose on the host).
struct UnsupPairsView {
  const int32_t* u = nullptr;
  const int32_t* v = nullptr;
  int64_t num_pairs = 0;  // P
  const int32_t* neg = nullptr;
  int64_t num_negs = 0;                  // Q
  const int32_t* ref_offsets = nullptr;  // rows of Z + 1
  const int32_t* refs = nullptr;         // 2P + Q
};

// -log(sigmoid(x)) = log1p(exp(-x)), stable for any x.
GRL_HD float neg_log_sigmoid(float x) {
#if defined(__CUDA_ARCH__)
  return fmaxf(-x, 0.0f) + log1pf(expf(-fabsf(x)));
#else
  return std::fmax(-x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
#endif
}

// sigmoid(x) without overflow for large |x|.
GRL_HD float stable_sigmoid(float x) {
#if defined(__CUDA_ARCH__)
  const float e = expf(-fabsf(x));
#else
  const float e = std::exp(-std::fabs(x));
#endif
  return x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
void launch_bias_act(MatrixView<float> z, const float* bias, Activation act, cudaStream_t stream);
void launch_relu_backward(MatrixView<float> grad, MatrixView<const float> y, cudaStream_t stream);
void launch_bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                              uint32_t key, const int32_t* row_ids, cudaStream_t stream);
void launch_relu_dropout_backward(MatrixView<float> grad, MatrixView<const float> y, float p,
                                  cudaStream_t stream);
// `partials` holds ceil(rows / kColumnSumChunk) * cols floats.
void launch_column_sums(MatrixView<const float> x, float* sums, bool accumulate, float* partials,
                        cudaStream_t stream);
void launch_dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key,
                    const int32_t* row_ids, cudaStream_t stream);
void launch_l2norm_forward(MatrixView<float> x, float* inv_norm, cudaStream_t stream);
void launch_l2norm_backward(MatrixView<float> grad, MatrixView<const float> y,
                            const float* inv_norm, cudaStream_t stream);
void launch_softmax_xent(MatrixView<const float> logits, const int32_t* labels, float grad_scale,
                         MatrixView<float> dlogits, float* row_loss, int32_t* pred,
                         cudaStream_t stream);
void launch_sigmoid_bce(MatrixView<const float> logits, MatrixView<const float> targets,
                        float grad_scale, MatrixView<float> dlogits, float* row_loss,
                        cudaStream_t stream);
void launch_adam(Span<float> params, Span<const float> grads, Span<float> m, Span<float> v,
                 const AdamParams& p, cudaStream_t stream);
void launch_sgd(Span<float> params, Span<const float> grads, Span<float> velocity,
                const SgdParams& p, cudaStream_t stream);
// Z is (rows x D); coef (P x (Q + 1), row-major, dense) and pair_loss (P) are outputs too; every
// row of dz is written (zero for rows no pair references).
void launch_unsup_loss(MatrixView<const float> z, const UnsupPairsView& batch, float grad_scale,
                       float* coef, float* pair_loss, MatrixView<float> dz, cudaStream_t stream);
// acc[0] += sum(x) in a fixed order (one block): for loss totals without a host round trip.
void launch_sum_into(Span<const float> x, float* acc, cudaStream_t stream);
// out[0] = sum(x^2), the order above (0 for empty x); also norm_acc[0] += sqrt(out[0]) when
// norm_acc is set (per-epoch mean gradient norms without a host read). `partials` holds
// sum_squares_partials(x.size) floats.
void launch_sum_squares(Span<const float> x, float* out, float* partials, float* norm_acc,
                        cudaStream_t stream);
#endif

}  // namespace grl
