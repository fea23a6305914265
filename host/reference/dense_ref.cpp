#include "host/reference/dense_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "host/core/error.h"
#include "host/core/parallel.h"

namespace grl::ref {

namespace {

// C[m x n] (+)= alpha * A[m x k] * B[k x n], all row-major; rows of C split across threads, so
// every element sums over k in the same order whatever the thread count. Zero entries of A are
// skipped (bag-of-words features are mostly zeros).
void gemm_nn(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float* c, int64_t ldc) {
  parallel_chunks(
      m,
      [&](int64_t lo, int64_t hi, int) {
        for (int64_t i = lo; i < hi; ++i) {
          float* ci = c + i * ldc;
          const float* ai = a + i * lda;
          for (int64_t p = 0; p < k; ++p) {
            const float av = alpha * ai[p];
            if (av == 0.0f) continue;
            const float* bp = b + p * ldb;
            for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
          }
        }
      },
      std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * k / 256)));
}

// C[m x n] (+)= alpha * A^T * B with A stored k x m: rows of C in blocks of 32, so a block of C
// stays in cache while the k rows of A and B stream past once.
void gemm_tn(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float* c, int64_t ldc) {
  constexpr int64_t kRows = 32;
  const int64_t blocks = (m + kRows - 1) / kRows;
  parallel_chunks(
      blocks,
      [&](int64_t lo, int64_t hi, int) {
        for (int64_t blk = lo; blk < hi; ++blk) {
          const int64_t i0 = blk * kRows, i1 = std::min(m, i0 + kRows);
          for (int64_t p = 0; p < k; ++p) {
            const float* ap = a + p * lda;
            const float* bp = b + p * ldb;
            for (int64_t i = i0; i < i1; ++i) {
              const float av = alpha * ap[i];
              if (av == 0.0f) continue;
              float* ci = c + i * ldc;
              for (int64_t j = 0; j < n; ++j) ci[j] += av * bp[j];
            }
          }
        }
      },
      1);
}

void transpose_into(const float* src, int64_t rows, int64_t cols, int64_t ld,
                    std::vector<float>& dst) {
  dst.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * ld + c];
}

}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f)
      std::fill(ci, ci + n, 0.0f);
    else if (beta != 1.0f)
      for (int64_t j = 0; j < n; ++j) ci[j] *= beta;
  }
  if (k == 0 || alpha == 0.0f) return;
  std::vector<float> bt;
  if (tb) {  // B stored n x k: make it k x n
    transpose_into(b, n, k, ldb, bt);
    b = bt.data();
    ldb = n;
  }
  if (ta)
    gemm_tn(m, n, k, alpha, a, lda, b, ldb, c, ldc);
  else
    gemm_nn(m, n, k, alpha, a, lda, b, ldb, c, ldc);
}

void bias_act(MatrixView<float> z, const float* bias, Activation act) {
  parallel_for(
      z.rows,
      [&](int64_t r) {
        float* row = z.row(r);
        for (int64_t c = 0; c < z.cols; ++c) {
          float v = row[c] + (bias ? bias[c] : 0.0f);
          row[c] = act == Activation::kRelu ? std::max(v, 0.0f) : v;
        }
      },
      256);
}

void relu_backward(MatrixView<float> grad, MatrixView<const float> y) {
  parallel_for(
      grad.rows,
      [&](int64_t r) {
        float* g = grad.row(r);
        const float* yr = y.row(r);
        for (int64_t c = 0; c < grad.cols; ++c)
          if (!(yr[c] > 0.0f)) g[c] = 0.0f;
      },
      256);
}

void bias_relu_dropout(MatrixView<float> z, const float* bias, float p, uint64_t seed, uint32_t key,
                       const int32_t* row_ids) {
  const float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
  parallel_for(
      z.rows,
      [&](int64_t r) {
        float* row = z.row(r);
        const int64_t rk = dropout_row_key(row_ids, r);
        for (int64_t c = 0; c < z.cols; ++c) {
          const float v = std::max(row[c] + (bias ? bias[c] : 0.0f), 0.0f);
          row[c] = p > 0.0f ? (dropout_keep(seed, key, rk, c, p) ? v * scale : 0.0f) : v;
        }
      },
      64);
}

void relu_dropout_backward(MatrixView<float> grad, MatrixView<const float> y, float p) {
  const float scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
  parallel_for(
      grad.rows,
      [&](int64_t r) {
        float* g = grad.row(r);
        const float* yr = y.row(r);
        for (int64_t c = 0; c < grad.cols; ++c) g[c] = yr[c] > 0.0f ? g[c] * scale : 0.0f;
      },
      256);
}

void column_sums(MatrixView<const float> x, float* sums, bool accumulate) {
  std::vector<double> acc(static_cast<size_t>(x.cols), 0.0);
  for (int64_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (int64_t c = 0; c < x.cols; ++c) acc[c] += row[c];
  }
  for (int64_t c = 0; c < x.cols; ++c)
    sums[c] = static_cast<float>(acc[c]) + (accumulate ? sums[c] : 0.0f);
}

void dropout(MatrixView<float> x, float p, uint64_t seed, uint32_t key, const int32_t* row_ids) {
  if (p <= 0.0f) return;
  const float scale = 1.0f / (1.0f - p);
  parallel_for(
      x.rows,
      [&](int64_t r) {
        float* row = x.row(r);
        const int64_t rk = dropout_row_key(row_ids, r);
        for (int64_t c = 0; c < x.cols; ++c)
          row[c] = dropout_keep(seed, key, rk, c, p) ? row[c] * scale : 0.0f;
      },
      64);
}

void l2norm_forward(MatrixView<float> x, float* inv_norm) {
  parallel_for(
      x.rows,
      [&](int64_t r) {
        float* row = x.row(r);
        float ss = 0.0f;
        for (int64_t c = 0; c < x.cols; ++c) ss += row[c] * row[c];
        const float inv = 1.0f / std::max(std::sqrt(ss), 1e-12f);
        for (int64_t c = 0; c < x.cols; ++c) row[c] *= inv;
        inv_norm[r] = inv;
      },
      256);
}

void l2norm_backward(MatrixView<float> grad, MatrixView<const float> y, const float* inv_norm) {
  parallel_for(
      grad.rows,
      [&](int64_t r) {
        float* g = grad.row(r);
        const float* yr = y.row(r);
        float dot = 0.0f;
        for (int64_t c = 0; c < grad.cols; ++c) dot += yr[c] * g[c];
        for (int64_t c = 0; c < grad.cols; ++c) g[c] = (g[c] - yr[c] * dot) * inv_norm[r];
      },
      256);
}

void softmax_xent(MatrixView<const float> z, const int32_t* labels, float grad_scale,
                  MatrixView<float> dz, float* row_loss, int32_t* pred) {
  for (int64_t r = 0; r < z.rows; ++r) {
    const float* zr = z.row(r);
    float* dr = dz.row(r);
    int32_t best = 0;
    for (int64_t c = 1; c < z.cols; ++c)
      if (zr[c] > zr[best]) best = static_cast<int32_t>(c);
    if (pred) pred[r] = best;
    const int32_t y = labels[r];
    if (y < 0) {
      row_loss[r] = 0.0f;
      for (int64_t c = 0; c < z.cols; ++c) dr[c] = 0.0f;
      continue;
    }
    const float mx = zr[best];
    float sum = 0.0f;
    for (int64_t c = 0; c < z.cols; ++c) sum += std::exp(zr[c] - mx);
    row_loss[r] = std::log(sum) + mx - zr[y];
    const float inv = 1.0f / sum;
    for (int64_t c = 0; c < z.cols; ++c)
      dr[c] = (std::exp(zr[c] - mx) * inv - (c == y ? 1.0f : 0.0f)) * grad_scale;
  }
}

void sigmoid_bce(MatrixView<const float> z, MatrixView<const float> t, float grad_scale,
                 MatrixView<float> dz, float* row_loss) {
  for (int64_t r = 0; r < z.rows; ++r) {
    const float* zr = z.row(r);
    const float* tr = t.row(r);
    float* dr = dz.row(r);
    float loss = 0.0f;
    for (int64_t c = 0; c < z.cols; ++c) {
      const float x = zr[c];
      loss += std::max(x, 0.0f) - x * tr[c] + std::log1p(std::exp(-std::fabs(x)));
      dr[c] = (1.0f / (1.0f + std::exp(-x)) - tr[c]) * grad_scale;
    }
    row_loss[r] = loss;
  }
}

void unsup_loss(MatrixView<const float> z, const UnsupPairsView& b, float grad_scale, float* coef,
                float* pair_loss, MatrixView<float> dz) {
  const int64_t P = b.num_pairs, Q = b.num_negs, D = z.cols;
  auto dot = [&](int64_t r, int64_t s) {
    float d = 0.0f;
    for (int64_t c = 0; c < D; ++c) d += z.at(r, c) * z.at(s, c);
    return d;
  };
  auto axpy = [&](float a, int64_t src, int64_t dst) {
    for (int64_t c = 0; c < D; ++c) dz.at(dst, c) += a * z.at(src, c);
  };
  for (int64_t r = 0; r < dz.rows; ++r) std::fill(dz.row(r), dz.row(r) + dz.cols, 0.0f);
  for (int64_t i = 0; i < P; ++i) {
    const int32_t u = b.u[i], v = b.v[i];
    float* ci = coef + i * (Q + 1);
    const float a = dot(u, v);
    float loss = neg_log_sigmoid(a);  // -log s(z_u.z_v)
    ci[0] = -stable_sigmoid(-a) * grad_scale;
    for (int64_t j = 0; j < Q; ++j) {
      const float d = dot(u, b.neg[j]);
      loss += neg_log_sigmoid(-d);  // -log s(-z_u.z_n)
      ci[1 + j] = stable_sigmoid(d) * grad_scale;
    }
    pair_loss[i] = loss;
    axpy(ci[0], v, u);
    axpy(ci[0], u, v);
    for (int64_t j = 0; j < Q; ++j) {
      axpy(ci[1 + j], b.neg[j], u);
      axpy(ci[1 + j], u, b.neg[j]);
    }
  }
}

void adam(Span<float> w, Span<const float> g, Span<float> m, Span<float> v, const AdamParams& p) {
  const float clip = clip_scale(p.grad_sumsq, p.max_norm);
  parallel_for(
      w.size,
      [&](int64_t i) {
        const float gi = g[i] * clip + p.weight_decay * w[i];
        m[i] = p.beta1 * m[i] + (1.0f - p.beta1) * gi;
        v[i] = p.beta2 * v[i] + (1.0f - p.beta2) * gi * gi;
        const float mhat = m[i] / p.bias_correction1;
        const float vhat = v[i] / p.bias_correction2;
        w[i] -= p.lr * mhat / (std::sqrt(vhat) + p.eps);
      },
      1 << 14);
}

void sgd(Span<float> w, Span<const float> g, Span<float> vel, const SgdParams& p) {
  const float clip = clip_scale(p.grad_sumsq, p.max_norm);
  parallel_for(
      w.size,
      [&](int64_t i) {
        float gi = g[i] * clip + p.weight_decay * w[i];
        if (p.momentum != 0.0f) {
          vel[i] = p.momentum * vel[i] + gi;
          gi = vel[i];
        }
        w[i] -= p.lr * gi;
      },
      1 << 14);
}

void sum_into(Span<const float> x, float* acc) {
  double s = 0;
  for (int64_t i = 0; i < x.size; ++i) s += x[i];
  acc[0] += static_cast<float>(s);
}

void sum_squares(Span<const float> x, float* out, float* norm_acc) {
  double s = 0;
  for (int64_t i = 0; i < x.size; ++i) s += double(x[i]) * x[i];
  out[0] = static_cast<float>(s);
  if (norm_acc) norm_acc[0] += std::sqrt(out[0]);
}

}  // namespace grl::ref
