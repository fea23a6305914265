// Element-wise and row-wise kernels of the dense layers, losses and optimisers (dense.h).
// All are memory-bound one-pass kernels: each reads its inputs once and writes its outputs once
// (row-wise ones: a warp per row, shuffles for the row reductions). sum_squares reads its input
// once (4 bytes an element) in blocks of kSumSquaresChunk elements, then one block reads the
// partials. The unsupervised loss is two passes: per-pair coefficients (a warp per pair), then
// per-row gradients gathered through the host-built transpose of the batch (a warp per row), so
// no float atomics.
#include <cmath>

#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/dense.h"

namespace grl {

namespace {

constexpr int kBlock = 256;

unsigned blocks_for(int64_t n) {
  int64_t b = (n + kBlock - 1) / kBlock;
  return static_cast<unsigned>(b < 1 ? 1 : (b > (1 << 20) ? (1 << 20) : b));
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  return v;
}

__global__ void bias_act_kernel(MatrixView<float> z, const float* bias, Activation act) {
  const int64_t n = z.rows * z.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / z.cols, c = i - r * z.cols;
    float v = z.at(r, c) + (bias ? bias[c] : 0.0f);
    z.at(r, c) = act == Activation::kRelu ? fmaxf(v, 0.0f) : v;
  }
}

__global__ void relu_backward_kernel(MatrixView<float> g, MatrixView<const float> y) {
  const int64_t n = g.rows * g.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / g.cols, c = i - r * g.cols;
    if (!(y.at(r, c) > 0.0f)) g.at(r, c) = 0.0f;
  }
}

__global__ void bias_relu_dropout_kernel(MatrixView<float> z, const float* bias, float p,
                                         float scale, uint64_t seed, uint32_t key,
                                         const int32_t* row_ids) {
  const int64_t n = z.rows * z.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / z.cols, c = i - r * z.cols;
    const float v = fmaxf(z.at(r, c) + (bias ? bias[c] : 0.0f), 0.0f);
    z.at(r, c) =
        p > 0.0f ? (dropout_keep(seed, key, dropout_row_key(row_ids, r), c, p) ? v * scale : 0.0f)
                 : v;
  }
}

__global__ void relu_dropout_backward_kernel(MatrixView<float> g, MatrixView<const float> y,
                                             float scale) {
  const int64_t n = g.rows * g.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / g.cols, c = i - r * g.cols;
    g.at(r, c) = y.at(r, c) > 0.0f ? g.at(r, c) * scale : 0.0f;
  }
}

// Stage 1: partials[chunk][c] = sum of rows [chunk * kColumnSumChunk, ...) of column c.
__global__ void column_partials_kernel(MatrixView<const float> x, float* partials) {
  const int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  const int64_t chunk = blockIdx.y;
  if (c >= x.cols) return;
  const int64_t r0 = chunk * kColumnSumChunk;
  const int64_t r1 = min(x.rows, r0 + kColumnSumChunk);
  float s = 0.0f;
  for (int64_t r = r0; r < r1; ++r) s += x.at(r, c);
  partials[chunk * x.cols + c] = s;
}

// Stage 2: sums[c] (+)= sum over chunks in order.
__global__ void column_finish_kernel(const float* partials, int64_t chunks, int64_t cols,
                                     float* sums, bool accumulate) {
  const int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (c >= cols) return;
  float s = 0.0f;
  for (int64_t k = 0; k < chunks; ++k) s += partials[k * cols + c];
  sums[c] = accumulate ? sums[c] + s : s;
}

__global__ void dropout_kernel(MatrixView<float> x, float p, float scale, uint64_t seed,
                               uint32_t key, const int32_t* row_ids) {
  const int64_t n = x.rows * x.cols;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / x.cols, c = i - r * x.cols;
    x.at(r, c) =
        dropout_keep(seed, key, dropout_row_key(row_ids, r), c, p) ? x.at(r, c) * scale : 0.0f;
  }
}

// A warp per row for the row-wise kernels below.
// A warp per row, looping when there are more rows than warps in the grid.
#define GRL_FOR_EACH_WARP_ROW(r, rows)                                                \
  const int lane = threadIdx.x % 32;                                                  \
  for (int64_t r = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / 32; r < (rows); \
       r += int64_t{gridDim.x} * blockDim.x / 32)

__global__ void l2norm_forward_kernel(MatrixView<float> x, float* inv_norm) {
  GRL_FOR_EACH_WARP_ROW(r, x.rows) {
    float* row = x.row(r);
    float ss = 0.0f;
    for (int64_t c = lane; c < x.cols; c += 32) ss += row[c] * row[c];
    ss = warp_sum(ss);
    const float inv = 1.0f / fmaxf(sqrtf(ss), 1e-12f);
    for (int64_t c = lane; c < x.cols; c += 32) row[c] *= inv;
    if (lane == 0) inv_norm[r] = inv;
  }
}

__global__ void l2norm_backward_kernel(MatrixView<float> g, MatrixView<const float> y,
                                       const float* inv_norm) {
  GRL_FOR_EACH_WARP_ROW(r, g.rows) {
    float* gr = g.row(r);
    const float* yr = y.row(r);
    float dot = 0.0f;
    for (int64_t c = lane; c < g.cols; c += 32) dot += yr[c] * gr[c];
    dot = warp_sum(dot);
    const float inv = inv_norm[r];
    for (int64_t c = lane; c < g.cols; c += 32) gr[c] = (gr[c] - yr[c] * dot) * inv;
  }
}

__global__ void softmax_xent_kernel(MatrixView<const float> z, const int32_t* labels, float scale,
                                    MatrixView<float> dz, float* row_loss, int32_t* pred) {
  GRL_FOR_EACH_WARP_ROW(r, z.rows) {
    const float* zr = z.row(r);
    float* dr = dz.row(r);
    // Arg-max with the lowest index on ties: reduce (value, index) pairs.
    float best = -INFINITY;
    int32_t best_i = 0x7FFFFFFF;
    for (int64_t c = lane; c < z.cols; c += 32) {
      const float v = zr[c];
      if (best_i == 0x7FFFFFFF || v > best) {
        best = v;
        best_i = static_cast<int32_t>(c);
      }
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      float ov = __shfl_xor_sync(0xFFFFFFFFu, best, o);
      int32_t oi = __shfl_xor_sync(0xFFFFFFFFu, best_i, o);
      if (oi != 0x7FFFFFFF && (best_i == 0x7FFFFFFF || ov > best || (ov == best && oi < best_i))) {
        best = ov;
        best_i = oi;
      }
    }
    if (lane == 0 && pred) pred[r] = best_i;
    const int32_t y = labels[r];
    if (y < 0) {
      for (int64_t c = lane; c < z.cols; c += 32) dr[c] = 0.0f;
      if (lane == 0) row_loss[r] = 0.0f;
      continue;
    }
    const float mx = best;
    float sum = 0.0f;
    for (int64_t c = lane; c < z.cols; c += 32) sum += expf(zr[c] - mx);
    sum = warp_sum(sum);
    const float inv = 1.0f / sum;
    for (int64_t c = lane; c < z.cols; c += 32)
      dr[c] = (expf(zr[c] - mx) * inv - (c == y ? 1.0f : 0.0f)) * scale;
    if (lane == 0) row_loss[r] = logf(sum) + mx - zr[y];
  }
}

__global__ void sigmoid_bce_kernel(MatrixView<const float> z, MatrixView<const float> t,
                                   float scale, MatrixView<float> dz, float* row_loss) {
  GRL_FOR_EACH_WARP_ROW(r, z.rows) {
    float loss = 0.0f;
    for (int64_t c = lane; c < z.cols; c += 32) {
      const float x = z.at(r, c), tt = t.at(r, c);
      loss += fmaxf(x, 0.0f) - x * tt + log1pf(expf(-fabsf(x)));
      dz.at(r, c) = (1.0f / (1.0f + expf(-x)) - tt) * scale;
    }
    loss = warp_sum(loss);
    if (lane == 0) row_loss[r] = loss;
  }
}

__global__ void adam_kernel(Span<float> w, Span<const float> g, Span<float> m, Span<float> v,
                            AdamParams p) {
  const float clip = clip_scale(p.grad_sumsq, p.max_norm);  // one broadcast read per thread
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < w.size;
       i += int64_t{gridDim.x} * blockDim.x) {
    const float gi = g[i] * clip + p.weight_decay * w[i];
    const float mi = p.beta1 * m[i] + (1.0f - p.beta1) * gi;
    const float vi = p.beta2 * v[i] + (1.0f - p.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= p.lr * (mi / p.bias_correction1) / (sqrtf(vi / p.bias_correction2) + p.eps);
  }
}

__global__ void sgd_kernel(Span<float> w, Span<const float> g, Span<float> vel, SgdParams p) {
  const float clip = clip_scale(p.grad_sumsq, p.max_norm);
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < w.size;
       i += int64_t{gridDim.x} * blockDim.x) {
    float gi = g[i] * clip + p.weight_decay * w[i];
    if (p.momentum != 0.0f) {
      vel[i] = p.momentum * vel[i] + gi;
      gi = vel[i];
    }
    w[i] -= p.lr * gi;
  }
}

// unsup_loss, pass 1: a warp per pair i. Lanes stride the D columns for the Q + 1 dot products
// z_u.z_v, z_u.z_nj (warp_sum: a fixed shuffle tree); lane 0 writes the pair's coefficients
// and loss. Reads (Q + 2) D floats per pair; Z is small (one batch) and stays in L2.
__global__ void unsup_pair_kernel(MatrixView<const float> z, UnsupPairsView b, float scale,
                                  float* coef, float* pair_loss) {
  const int64_t Q = b.num_negs;
  GRL_FOR_EACH_WARP_ROW(i, b.num_pairs) {
    const float* zu = z.row(b.u[i]);
    const float* zv = z.row(b.v[i]);
    float a = 0.0f;
    for (int64_t c = lane; c < z.cols; c += 32) a += zu[c] * zv[c];
    a = warp_sum(a);
    float loss = neg_log_sigmoid(a);
    float* ci = coef + i * (Q + 1);
    if (lane == 0) ci[0] = -stable_sigmoid(-a) * scale;
    for (int64_t j = 0; j < Q; ++j) {
      const float* zn = z.row(b.neg[j]);
      float d = 0.0f;
      for (int64_t c = lane; c < z.cols; c += 32) d += zu[c] * zn[c];
      d = warp_sum(d);
      loss += neg_log_sigmoid(-d);
      if (lane == 0) ci[1 + j] = stable_sigmoid(d) * scale;
    }
    if (lane == 0) pair_loss[i] = loss;
  }
}

// unsup_loss, pass 2: a warp per row r of dz, lanes over its columns. The row's gradient is
// gathered from its references in refs order (so no atomics, and the same sum on every run):
// as u of pair i it takes coef_i0 z_v + sum_j coef_ij z_nj, as v of pair i coef_i0 z_u, as
// negative j sum_i coef_ij z_ui (P rows: the negatives' warps do the most work).
__global__ void unsup_grad_kernel(MatrixView<const float> z, UnsupPairsView b, const float* coef,
                                  MatrixView<float> dz) {
  const int64_t P = b.num_pairs, Q = b.num_negs;
  GRL_FOR_EACH_WARP_ROW(r, dz.rows) {
    const int32_t k0 = b.ref_offsets[r], k1 = b.ref_offsets[r + 1];
    float* dr = dz.row(r);
    for (int64_t c = lane; c < dz.cols; c += 32) {
      float g = 0.0f;
      for (int32_t e = k0; e < k1; ++e) {
        const int64_t k = b.refs[e];
        if (k < P) {
          const float* ci = coef + k * (Q + 1);
          g += ci[0] * z.at(b.v[k], c);
          for (int64_t j = 0; j < Q; ++j) g += ci[1 + j] * z.at(b.neg[j], c);
        } else if (k < 2 * P) {
          g += coef[(k - P) * (Q + 1)] * z.at(b.u[k - P], c);
        } else {
          const int64_t j = k - 2 * P;
          for (int64_t i = 0; i < P; ++i) g += coef[i * (Q + 1) + 1 + j] * z.at(b.u[i], c);
        }
      }
      dr[c] = g;
    }
  }
}

// One block, a fixed per-thread stride and a fixed tree: the same order on every run.
__global__ void sum_into_kernel(Span<const float> x, float* acc) {
  __shared__ float part[kBlock];
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < x.size; i += kBlock) s += x[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (int o = kBlock / 2; o > 0; o >>= 1) {
    if (threadIdx.x < o) part[threadIdx.x] += part[threadIdx.x + o];
    __syncthreads();
  }
  if (threadIdx.x == 0) acc[0] += part[0];
}

// The fixed shared-memory tree of a kBlock-thread block over part[]: part[0] ends as the sum.
__device__ void block_tree_sum(float* part) {
  __syncthreads();
  for (int o = kBlock / 2; o > 0; o >>= 1) {
    if (threadIdx.x < o) part[threadIdx.x] += part[threadIdx.x + o];
    __syncthreads();
  }
}

// Stage 1: partials[chunk] = sum of x_i^2 over the chunk's kSumSquaresChunk elements.
__global__ void sum_squares_partials_kernel(Span<const float> x, float* partials) {
  __shared__ float part[kBlock];
  const int64_t lo = blockIdx.x * kSumSquaresChunk;
  const int64_t hi = min(x.size, lo + kSumSquaresChunk);
  float s = 0.0f;
  for (int64_t i = lo + threadIdx.x; i < hi; i += kBlock) s += x[i] * x[i];
  part[threadIdx.x] = s;
  block_tree_sum(part);
  if (threadIdx.x == 0) partials[blockIdx.x] = part[0];
}

// Stage 2 (one block): out[0] = sum of the partials; norm_acc[0] += sqrt(out[0]).
__global__ void sum_squares_finish_kernel(const float* partials, int64_t chunks, float* out,
                                          float* norm_acc) {
  __shared__ float part[kBlock];
  float s = 0.0f;
  for (int64_t k = threadIdx.x; k < chunks; k += kBlock) s += partials[k];
  part[threadIdx.x] = s;
  block_tree_sum(part);
  if (threadIdx.x == 0) {
    out[0] = part[0];
    if (norm_acc) norm_acc[0] += sqrtf(part[0]);
  }
}

unsigned warp_rows_grid(int64_t rows) { return blocks_for(rows * 32); }

}  // namespace

void launch_bias_act(MatrixView<float> z, const float* bias, Activation act, cudaStream_t stream) {
  if (z.rows == 0 || z.cols == 0) return;
  GRL_LAUNCH(blocks_for(z.rows * z.cols), kBlock, stream, bias_act_kernel)(z, bias, act);
  GRL_LAUNCH_CHECK("bias_act_kernel");
}

void launch_relu_backward(MatrixView<float> g, MatrixView<const float> y, cudaStream_t stream) {
  if (g.rows == 0 || g.cols == 0) return;
  GRL_LAUNCH(blocks_for(g.rows * g.cols), kBlock, stream, relu_backward_kernel)(g, y);
  GRL_LAUNCH_CHECK("relu_backward_kernel");
}

void launch_bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed,
                              uint32_t key, const int32_t* row_ids, cudaStream_t stream) {
  if (z.rows == 0 || z.cols == 0) return;
  const float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
  GRL_LAUNCH(blocks_for(z.rows * z.cols), kBlock, stream, bias_relu_dropout_kernel)
  (z, bias, p, scale, seed, key, row_ids);
  GRL_LAUNCH_CHECK("bias_relu_dropout_kernel");
}

void launch_relu_dropout_backward(MatrixView<float> g, MatrixView<const float> y, float p,
                                  cudaStream_t stream) {
  if (g.rows == 0 || g.cols == 0) return;
  const float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
  GRL_LAUNCH(blocks_for(g.rows * g.cols), kBlock, stream, relu_dropout_backward_kernel)
  (g, y, scale);
  GRL_LAUNCH_CHECK("relu_dropout_backward_kernel");
}

void launch_column_sums(MatrixView<const float> x, float* sums, bool accumulate, float* partials,
                        cudaStream_t stream) {
  if (x.cols == 0) return;
  const int64_t chunks = (x.rows + kColumnSumChunk - 1) / kColumnSumChunk;
  if (chunks > 0) {
    dim3 grid(static_cast<unsigned>((x.cols + 127) / 128), static_cast<unsigned>(chunks));
    GRL_LAUNCH(grid, 128, stream, column_partials_kernel)(x, partials);
    GRL_LAUNCH_CHECK("column_partials_kernel");
  }
  GRL_LAUNCH(static_cast<unsigned>((x.cols + 127) / 128), 128, stream, column_finish_kernel)
  (partials, chunks, x.cols, sums, accumulate);
  GRL_LAUNCH_CHECK("column_finish_kernel");
}

void launch_dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key,
                    const int32_t* row_ids, cudaStream_t stream) {
  if (p <= 0.0f || x.rows == 0 || x.cols == 0) return;
  GRL_LAUNCH(blocks_for(x.rows * x.cols), kBlock, stream, dropout_kernel)
  (x, p, 1.0f / (1.0f - p), seed, key, row_ids);
  GRL_LAUNCH_CHECK("dropout_kernel");
}

void launch_l2norm_forward(MatrixView<float> x, float* inv_norm, cudaStream_t stream) {
  if (x.rows == 0) return;
  GRL_LAUNCH(warp_rows_grid(x.rows), kBlock, stream, l2norm_forward_kernel)(x, inv_norm);
  GRL_LAUNCH_CHECK("l2norm_forward_kernel");
}

void launch_l2norm_backward(MatrixView<float> g, MatrixView<const float> y, const float* inv_norm,
                            cudaStream_t stream) {
  if (g.rows == 0) return;
  GRL_LAUNCH(warp_rows_grid(g.rows), kBlock, stream, l2norm_backward_kernel)(g, y, inv_norm);
  GRL_LAUNCH_CHECK("l2norm_backward_kernel");
}

void launch_softmax_xent(MatrixView<const float> z, const int32_t* labels, float scale,
                         MatrixView<float> dz, float* row_loss, int32_t* pred,
                         cudaStream_t stream) {
  if (z.rows == 0) return;
  GRL_LAUNCH(warp_rows_grid(z.rows), kBlock, stream, softmax_xent_kernel)
  (z, labels, scale, dz, row_loss, pred);
  GRL_LAUNCH_CHECK("softmax_xent_kernel");
}

void launch_sigmoid_bce(MatrixView<const float> z, MatrixView<const float> t, float scale,
                        MatrixView<float> dz, float* row_loss, cudaStream_t stream) {
  if (z.rows == 0) return;
  GRL_LAUNCH(warp_rows_grid(z.rows), kBlock, stream, sigmoid_bce_kernel)(z, t, scale, dz, row_loss);
  GRL_LAUNCH_CHECK("sigmoid_bce_kernel");
}

void launch_adam(Span<float> w, Span<const float> g, Span<float> m, Span<float> v,
                 const AdamParams& p, cudaStream_t stream) {
  if (w.size == 0) return;
  GRL_LAUNCH(blocks_for(w.size), kBlock, stream, adam_kernel)(w, g, m, v, p);
  GRL_LAUNCH_CHECK("adam_kernel");
}

void launch_sgd(Span<float> w, Span<const float> g, Span<float> vel, const SgdParams& p,
                cudaStream_t stream) {
  if (w.size == 0) return;
  GRL_LAUNCH(blocks_for(w.size), kBlock, stream, sgd_kernel)(w, g, vel, p);
  GRL_LAUNCH_CHECK("sgd_kernel");
}

void launch_unsup_loss(MatrixView<const float> z, const UnsupPairsView& batch, float grad_scale,
                       float* coef, float* pair_loss, MatrixView<float> dz, cudaStream_t stream) {
  if (batch.num_pairs > 0) {
    GRL_LAUNCH(warp_rows_grid(batch.num_pairs), kBlock, stream, unsup_pair_kernel)
    (z, batch, grad_scale, coef, pair_loss);
    GRL_LAUNCH_CHECK("unsup_pair_kernel");
  }
  if (dz.rows > 0 && dz.cols > 0) {
    GRL_LAUNCH(warp_rows_grid(dz.rows), kBlock, stream, unsup_grad_kernel)(z, batch, coef, dz);
    GRL_LAUNCH_CHECK("unsup_grad_kernel");
  }
}

void launch_sum_into(Span<const float> x, float* acc, cudaStream_t stream) {
  if (x.size == 0) return;
  GRL_LAUNCH(1, kBlock, stream, sum_into_kernel)(x, acc);
  GRL_LAUNCH_CHECK("sum_into_kernel");
}

// No early return on empty x: out[0] must still be written (0), since optimisers read it.
void launch_sum_squares(Span<const float> x, float* out, float* partials, float* norm_acc,
                        cudaStream_t stream) {
  const int64_t chunks = sum_squares_partials(x.size);
  if (chunks > 0) {
    GRL_LAUNCH(static_cast<unsigned>(chunks), kBlock, stream, sum_squares_partials_kernel)
    (x, partials);
    GRL_LAUNCH_CHECK("sum_squares_partials_kernel");
  }
  GRL_LAUNCH(1, kBlock, stream, sum_squares_finish_kernel)(partials, chunks, out, norm_acc);
  GRL_LAUNCH_CHECK("sum_squares_finish_kernel");
}

}  // namespace grl
