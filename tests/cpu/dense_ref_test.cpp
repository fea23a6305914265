// The CPU dense operations (host/reference/dense_ref.cpp), the oracle of the GPU dense kernels and
// of the CUDA backend's cuBLAS calls: gemm against a double-precision triple loop for every
// transpose, odd and empty shapes, padded leading dimensions and alpha/beta; the element-wise
// and row-wise pieces (bias_act, relu_backward, column_sums, dropout, l2norm, softmax_xent,
// sigmoid_bce) against their definitions and finite differences; the optimiser steps against
// hand-computed values, with and without global-norm clipping; sum_into, sum_squares.
#include "host/reference/dense_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/cpu/test_util.h"

namespace grl {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

using Matrix = test::PaddedMatrix;
using test::kPad;

Matrix random_matrix(std::mt19937& rng, int64_t rows, int64_t cols, int64_t stride, float lo = -1,
                     float hi = 1) {
  Matrix m(rows, cols, stride);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) m.at(i, j) = u(rng);
  return m;
}

// Tracks the worst |got - want| beyond atol + rtol * |want| (NaN counts as infinitely bad).
struct Worst {
  double excess = -INFINITY, got = 0, want = 0;
  int64_t r = -1, c = -1;
  void add(int64_t row, int64_t col, double g, double w, double atol, double rtol) {
    const double e = std::isnan(g) ? INFINITY : std::fabs(g - w) - (atol + rtol * std::fabs(w));
    if (e > excess) excess = e, got = g, want = w, r = row, c = col;
  }
  bool ok() const { return excess <= 0; }
  std::string where() const {
    return "worst at (" + std::to_string(r) + ", " + std::to_string(c) + "): got " +
           std::to_string(got) + " want " + std::to_string(want);
  }
};

// ---- gemm ------------------------------------------------------------------------------------

struct GemmCase {
  int64_t m, n, k;
};

// Checks C = alpha op(A) op(B) + beta C against a double triple loop. The padding of A and B is
// NaN (it must never be read) and the padding of C must stay untouched; with beta = 0 the
// initial C is NaN and must be ignored.
void check_gemm(std::mt19937& rng, bool ta, bool tb, GemmCase s, float alpha, float beta,
                int64_t pad) {
  const std::string cfg = std::string(ta ? "T" : "N") + (tb ? "T" : "N") + " m " +
                          std::to_string(s.m) + " n " + std::to_string(s.n) + " k " +
                          std::to_string(s.k) + " alpha " + std::to_string(alpha) + " beta " +
                          std::to_string(beta) + " pad " + std::to_string(pad);
  const int64_t ar = ta ? s.k : s.m, ac = ta ? s.m : s.k;
  const int64_t br = tb ? s.n : s.k, bc = tb ? s.k : s.n;
  Matrix a = random_matrix(rng, ar, ac, ac + pad);
  Matrix b = random_matrix(rng, br, bc, bc + pad);
  for (float& x : a.v)
    if (x == kPad) x = kNaN;
  for (float& x : b.v)
    if (x == kPad) x = kNaN;
  Matrix c = random_matrix(rng, s.m, s.n, s.n + pad + 1);
  if (beta == 0.0f)
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) c.at(i, j) = kNaN;
  const Matrix c0 = c;
  auto op_a = [&](int64_t i, int64_t p) { return double(ta ? a.at(p, i) : a.at(i, p)); };
  auto op_b = [&](int64_t p, int64_t j) { return double(tb ? b.at(j, p) : b.at(p, j)); };
  ref::gemm(ta, tb, s.m, s.n, s.k, alpha, a.v.data(), a.stride, b.v.data(), b.stride, beta,
            c.v.data(), c.stride);
  Worst w;
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double dot = 0, mag = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        dot += op_a(i, p) * op_b(p, j);
        mag += std::fabs(op_a(i, p) * op_b(p, j));
      }
      const double cin = beta == 0.0f ? 0.0 : double(beta) * c0.at(i, j);
      const double want = alpha * dot + cin;
      // float accumulation over k terms: relative to the magnitude of the terms, not the result.
      w.add(i, j, c.at(i, j), want, 1e-6 + 2e-5 * (std::fabs(alpha) * mag + std::fabs(cin)), 0);
    }
  EXPECT_TRUE(w.ok()) << cfg << ": " << w.where();
  EXPECT_TRUE(c.padding_intact()) << cfg;
}

TEST(DenseRef, GemmAllTransposesAndShapes) {
  std::mt19937 rng(1);
  const std::vector<GemmCase> shapes = {{7, 47, 100}, {1, 1, 1},   {5, 3, 0},   {0, 4, 6},
                                        {4, 0, 5},    {70, 33, 9}, {33, 1, 65}, {2, 129, 3}};
  const std::vector<std::pair<float, float>> ab = {{1, 0},      {0.5f, 0}, {1.5f, 1},
                                                   {-2, 0.25f}, {0, 0.5f}, {1, 1}};
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (const GemmCase& s : shapes)
        for (auto [alpha, beta] : ab)
          for (int64_t pad : {0, 3}) check_gemm(rng, ta, tb, s, alpha, beta, pad);
}

// Big enough that the reference splits rows across threads (and row blocks for A^T).
TEST(DenseRef, GemmLargeThreaded) {
  std::mt19937 rng(2);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) check_gemm(rng, ta, tb, {600, 64, 256}, 0.75f, 0.5f, 2);
}

// Zeros in A are skipped by the reference; the result must still be exact for sparse A.
TEST(DenseRef, GemmSparseA) {
  std::mt19937 rng(3);
  const int64_t m = 9, n = 11, k = 40;
  Matrix a = random_matrix(rng, m, k, k), b = random_matrix(rng, k, n, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      if (rng() % 4 != 0) a.at(i, p) = 0.0f;
  Matrix c(m, n, n, kNaN);
  ref::gemm(false, false, m, n, k, 1.0f, a.v.data(), k, b.v.data(), n, 0.0f, c.v.data(), n);
  Worst w;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t p = 0; p < k; ++p) dot += double(a.at(i, p)) * b.at(p, j);
      w.add(i, j, c.at(i, j), dot, 1e-5, 1e-5);
    }
  EXPECT_TRUE(w.ok()) << w.where();
}

// ---- bias_act, relu_backward, column_sums ------------------------------------------------------

TEST(DenseRef, BiasAct) {
  std::mt19937 rng(4);
  for (int64_t rows : {1, 13, 600})
    for (Activation act : {Activation::kNone, Activation::kRelu})
      for (bool with_bias : {false, true}) {
        Matrix z = random_matrix(rng, rows, 37, 40, -2, 2);
        z.at(0, 5) = -0.0f;
        const Matrix z0 = z;
        std::vector<float> bias(37);
        for (float& x : bias) x = std::uniform_real_distribution<float>(-1, 1)(rng);
        ref::bias_act(z.view(), with_bias ? bias.data() : nullptr, act);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < 37; ++c) {
            const float v = z0.at(r, c) + (with_bias ? bias[c] : 0.0f);
            const float want = act == Activation::kRelu ? (v > 0 ? v : 0.0f) : v;
            ASSERT_EQ(z.at(r, c), want) << "rows " << rows << " act " << int(act) << " bias "
                                        << with_bias << " at (" << r << ", " << c << ")";
          }
        EXPECT_TRUE(z.padding_intact());
      }
}

TEST(DenseRef, ReluBackward) {
  std::mt19937 rng(5);
  for (int64_t rows : {3, 700}) {
    Matrix y = random_matrix(rng, rows, 10, 13, -1, 1);
    Matrix g = random_matrix(rng, rows, 10, 11, 0.5f, 1.5f);
    for (int64_t r = 0; r < rows; ++r) y.at(r, r % 10) = 0.0f;  // relu output exactly 0
    y.at(1, 3) = kNaN;
    y.at(2, 4) = -0.0f;
    y.at(2, 5) = std::numeric_limits<float>::denorm_min();
    const Matrix g0 = g;
    ref::relu_backward(g.view(), y.cview());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < 10; ++c)
        ASSERT_EQ(g.at(r, c), y.at(r, c) > 0.0f ? g0.at(r, c) : 0.0f)
            << "at (" << r << ", " << c << ") y " << y.at(r, c);
    EXPECT_TRUE(g.padding_intact());
  }
}

TEST(DenseRef, ColumnSums) {
  std::mt19937 rng(6);
  for (int64_t rows : {0, 1, 1023, 1024, 2500})
    for (bool accumulate : {false, true}) {
      Matrix x = random_matrix(rng, rows, 7, 9, -3, 3);
      std::vector<float> sums(8, 0.0f);
      for (float& s : sums) s = std::uniform_real_distribution<float>(-5, 5)(rng);
      const std::vector<float> before = sums;
      ref::column_sums(x.cview(), sums.data(), accumulate);
      Worst w;
      for (int64_t c = 0; c < 7; ++c) {
        double s = 0, mag = 0;
        for (int64_t r = 0; r < rows; ++r) s += x.at(r, c), mag += std::fabs(x.at(r, c));
        if (accumulate) s += before[c], mag += std::fabs(before[c]);
        w.add(0, c, sums[c], s, 1e-6 + 2e-7 * mag, 0);
      }
      EXPECT_TRUE(w.ok()) << "rows " << rows << " accumulate " << accumulate << ": " << w.where();
      EXPECT_EQ(sums[7], before[7]) << "wrote past the last column";
    }
}

// ---- dropout ---------------------------------------------------------------------------------

TEST(DenseRef, DropoutZeroIsIdentity) {
  std::mt19937 rng(7);
  Matrix x = random_matrix(rng, 20, 9, 12);
  x.at(3, 3) = kNaN;
  const Matrix x0 = x;
  ref::dropout(x.view(), 0.0f, 1, 2, nullptr);
  EXPECT_EQ(std::memcmp(x.v.data(), x0.v.data(), x.v.size() * sizeof(float)), 0);
}

TEST(DenseRef, DropoutKeepsFractionAndScales) {
  std::mt19937 rng(8);
  const int64_t rows = 256, cols = 100;
  for (float p : {0.5f, 0.3f, 0.9f}) {
    Matrix x = random_matrix(rng, rows, cols, cols + 3, 0.5f, 1.5f);  // never 0
    const Matrix x0 = x;
    const uint64_t seed = 12345;
    const uint32_t key = 17;
    ref::dropout(x.view(), p, seed, key, nullptr);
    EXPECT_TRUE(x.padding_intact());
    const float scale = 1.0f / (1.0f - p);
    int64_t kept = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        const bool keep = dropout_keep(seed, key, r, c, p);
        kept += keep;
        ASSERT_EQ(x.at(r, c), keep ? x0.at(r, c) * scale : 0.0f)
            << "p " << p << " at (" << r << ", " << c << ")";
      }
    // kept ~ Binomial(n, 1 - p): allow 4.5 standard deviations (two-sided p ~ 7e-6).
    const double n = double(rows) * cols, mean = n * (1 - p), sd = std::sqrt(n * p * (1 - p));
    EXPECT_LE(std::fabs(kept - mean), 4.5 * sd) << "p " << p << " kept " << kept;
    if (p == 0.5f) {
      EXPECT_EQ(scale, 2.0f);
    }
  }
}

// With row ids (the rows' node ids) a row takes the mask of its id, not of its position: the
// same node is dropped alike in any batch. Both dropout and the fused bias + relu + dropout.
TEST(DenseRef, DropoutMasksFollowRowIds) {
  std::mt19937 rng(10);
  const int64_t rows = 40, cols = 23, ids_max = 500;
  const float p = 0.5f;
  std::vector<int32_t> ids(rows);
  for (int64_t r = 0; r < rows; ++r) ids[r] = static_cast<int32_t>((r * 37 + 11) % ids_max);
  Matrix by_id = random_matrix(rng, rows, cols, cols + 1, 0.5f, 1.5f);
  Matrix fused = by_id, by_row = by_id;
  const Matrix x0 = by_id;
  ref::dropout(by_id.view(), p, 3, 8, ids.data());
  ref::bias_relu_dropout(fused.view(), nullptr, p, 3, 8, ids.data());
  ref::dropout(by_row.view(), p, 3, 8, nullptr);
  int64_t differ = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const bool keep = dropout_keep(3, 8, ids[r], c, p);
      ASSERT_EQ(by_id.at(r, c), keep ? x0.at(r, c) * 2.0f : 0.0f) << r << ", " << c;
      ASSERT_EQ(fused.at(r, c), by_id.at(r, c)) << r << ", " << c;
      differ += by_row.at(r, c) != by_id.at(r, c);
    }
  EXPECT_GT(differ, rows * cols / 4);  // ~half the elements differ when keyed by position
}

// The backward of dropout is the same call on the gradient: same elements zeroed, same scale.
// Other keys and seeds drop other elements.
TEST(DenseRef, DropoutBackwardSameMaskOtherKeysDiffer) {
  std::mt19937 rng(9);
  const int64_t rows = 64, cols = 37;
  const float p = 0.5f;
  Matrix x = random_matrix(rng, rows, cols, cols, 0.5f, 1.5f);
  Matrix g = random_matrix(rng, rows, cols, cols + 2, -1.5f, -0.5f);
  Matrix other_key = x, other_seed = x;
  const Matrix g0 = g;
  ref::dropout(x.view(), p, 99, 4, nullptr);
  ref::dropout(g.view(), p, 99, 4, nullptr);
  ref::dropout(other_key.view(), p, 99, 5, nullptr);
  ref::dropout(other_seed.view(), p, 100, 4, nullptr);
  int64_t differ_key = 0, differ_seed = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      ASSERT_EQ(x.at(r, c) == 0.0f, g.at(r, c) == 0.0f) << "at (" << r << ", " << c << ")";
      ASSERT_EQ(g.at(r, c), g.at(r, c) == 0.0f ? 0.0f : 2.0f * g0.at(r, c));
      differ_key += (x.at(r, c) == 0.0f) != (other_key.at(r, c) == 0.0f);
      differ_seed += (x.at(r, c) == 0.0f) != (other_seed.at(r, c) == 0.0f);
    }
  // Independent masks disagree on about half the elements.
  EXPECT_GT(differ_key, rows * cols / 3);
  EXPECT_GT(differ_seed, rows * cols / 3);
}

// ---- l2norm ----------------------------------------------------------------------------------

TEST(DenseRef, L2NormForward) {
  std::mt19937 rng(10);
  const int64_t rows = 300, cols = 33;
  Matrix x = random_matrix(rng, rows, cols, cols + 2, -2, 2);
  for (int64_t c = 0; c < cols; ++c) x.at(3, c) = 0.0f;    // zero row
  for (int64_t c = 0; c < cols; ++c) x.at(4, c) = 1e-30f;  // squares underflow
  for (int64_t c = 0; c < cols; ++c) x.at(5, c) = 0.0f;
  x.at(5, 7) = -3.0f;  // one non-zero
  const Matrix x0 = x;
  std::vector<float> inv(rows + 1, kNaN);
  ref::l2norm_forward(x.view(), inv.data());
  EXPECT_TRUE(x.padding_intact());
  EXPECT_TRUE(std::isnan(inv[rows])) << "wrote past the last row";
  Worst wy, wn, winv;
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0, ny = 0;
    for (int64_t c = 0; c < cols; ++c) ss += double(x0.at(r, c)) * x0.at(r, c);
    const double norm = std::sqrt(ss);
    for (int64_t c = 0; c < cols; ++c) {
      ASSERT_TRUE(std::isfinite(x.at(r, c))) << "row " << r;
      ny += double(x.at(r, c)) * x.at(r, c);
      if (r != 4) wy.add(r, c, x.at(r, c), norm > 0 ? x0.at(r, c) / norm : 0.0, 1e-7, 2e-6);
    }
    if (r == 3) {
      EXPECT_EQ(ny, 0.0);
      EXPECT_FLOAT_EQ(inv[r], 1e12f);
    } else if (r != 4) {
      wn.add(r, 0, std::sqrt(ny), 1.0, 2e-6, 0);
      winv.add(r, 0, inv[r], 1.0 / norm, 0, 2e-6);
    }
  }
  EXPECT_TRUE(wy.ok()) << "y: " << wy.where();
  EXPECT_TRUE(wn.ok()) << "unit norm: " << wn.where();
  EXPECT_TRUE(winv.ok()) << "inv_norm: " << winv.where();
  EXPECT_FLOAT_EQ(x.at(5, 7), -1.0f);
  EXPECT_TRUE(std::isfinite(inv[4]));
}

// L = sum w * y(x) with y = x / |x|; the backward of L (grad = w) against central differences of
// the exact function in double.
TEST(DenseRef, L2NormBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(11);
  for (int64_t cols : {1, 3, 33}) {
    const int64_t rows = 20;
    Matrix x = random_matrix(rng, rows, cols, cols + 1, -2, 2);
    Matrix w = random_matrix(rng, rows, cols, cols + 3);
    Matrix y = x;
    std::vector<float> inv(rows);
    ref::l2norm_forward(y.view(), inv.data());
    Matrix grad = w;
    ref::l2norm_backward(grad.view(), y.cview(), inv.data());
    EXPECT_TRUE(grad.padding_intact());
    auto row_loss = [&](int64_t r, const std::vector<double>& xr) {
      double ss = 0, l = 0;
      for (double v : xr) ss += v * v;
      const double n = std::max(std::sqrt(ss), 1e-12);
      for (int64_t c = 0; c < cols; ++c) l += w.at(r, c) * xr[c] / n;
      return l;
    };
    Worst worst;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> xr(cols);
      for (int64_t c = 0; c < cols; ++c) xr[c] = x.at(r, c);
      for (int64_t c = 0; c < cols; ++c) {
        const double h = 1e-5, x0 = xr[c];
        xr[c] = x0 + h;
        const double lp = row_loss(r, xr);
        xr[c] = x0 - h;
        const double lm = row_loss(r, xr);
        xr[c] = x0;
        worst.add(r, c, grad.at(r, c), (lp - lm) / (2 * h), 1e-5, 1e-4);
      }
    }
    EXPECT_TRUE(worst.ok()) << "cols " << cols << ": " << worst.where();
  }
}

// ---- softmax_xent ----------------------------------------------------------------------------

double softmax_loss(const float* z, int64_t n, int32_t y, int64_t perturb = -1, double h = 0) {
  double mx = -INFINITY;
  for (int64_t c = 0; c < n; ++c) mx = std::max(mx, z[c] + (c == perturb ? h : 0.0));
  double s = 0;
  for (int64_t c = 0; c < n; ++c) s += std::exp(z[c] + (c == perturb ? h : 0.0) - mx);
  return std::log(s) + mx - (z[y] + (y == perturb ? h : 0.0));
}

TEST(DenseRef, SoftmaxXentHandComputed) {
  Matrix z(4, 3, 4);
  const float vals[4][3] = {{1, 2, 3}, {1, 2, 3}, {5, 5, 1}, {1000, 0, -1000}};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c) z.at(r, c) = vals[r][c];
  const int32_t labels[4] = {0, 1, 2, 1};
  Matrix dz(4, 3, 5, kNaN);
  float loss[4];
  int32_t pred[4] = {-7, -7, -7, -7};
  ref::softmax_xent(z.cview(), labels, 0.5f, dz.view(), loss, pred);
  const double p[3] = {0.09003057317038046, 0.24472847105479767, 0.6652409557748219};
  EXPECT_NEAR(loss[0], 2.40760596444438, 1e-6);
  EXPECT_NEAR(loss[1], 1.40760596444438, 1e-6);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(dz.at(0, c), 0.5 * (p[c] - (c == 0)), 3e-7) << c;
    EXPECT_NEAR(dz.at(1, c), 0.5 * (p[c] - (c == 1)), 3e-7) << c;
  }
  EXPECT_EQ(pred[0], 2);
  EXPECT_EQ(pred[1], 2);
  // Tie between classes 0 and 1: the lowest index.
  EXPECT_EQ(pred[2], 0);
  EXPECT_NEAR(loss[2], std::log(2 + std::exp(-4.0)) + 4, 1e-5);
  // Huge logits: stable, finite.
  EXPECT_EQ(pred[3], 0);
  EXPECT_NEAR(loss[3], 1000.0, 1e-3);
  EXPECT_NEAR(dz.at(3, 0), 0.5, 1e-7);
  EXPECT_NEAR(dz.at(3, 1), -0.5, 1e-7);
  EXPECT_EQ(dz.at(3, 2), 0.0f);
  EXPECT_TRUE(dz.padding_intact());
}

TEST(DenseRef, SoftmaxXentMatchesDefinitionAndFiniteDifferences) {
  std::mt19937 rng(12);
  for (int64_t classes : {1, 2, 7, 41}) {
    const int64_t rows = 60;
    const float scale = 0.25f;
    Matrix z = random_matrix(rng, rows, classes, classes + 2, -4, 4);
    std::vector<int32_t> labels(rows);
    for (int64_t r = 0; r < rows; ++r)
      labels[r] = r % 7 == 3 ? -1 : static_cast<int32_t>(rng() % classes);
    // Ties: a row whose max appears twice (the second copy later).
    if (classes >= 3) z.at(5, classes - 1) = z.at(5, 1) = 10.0f;
    Matrix dz(rows, classes, classes + 1, kNaN);
    std::vector<float> loss(rows, kNaN);
    std::vector<int32_t> pred(rows, -7);
    ref::softmax_xent(z.cview(), labels.data(), scale, dz.view(), loss.data(), pred.data());
    EXPECT_TRUE(dz.padding_intact());
    Worst wl, wg, wfd;
    for (int64_t r = 0; r < rows; ++r) {
      const float* zr = &z.at(r, 0);
      // Lowest index attaining the max.
      int32_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (zr[c] > zr[best]) best = static_cast<int32_t>(c);
      ASSERT_EQ(pred[r], best) << "classes " << classes << " row " << r;
      if (labels[r] < 0) {
        ASSERT_EQ(loss[r], 0.0f) << "row " << r;
        for (int64_t c = 0; c < classes; ++c) ASSERT_EQ(dz.at(r, c), 0.0f) << "row " << r;
        continue;
      }
      wl.add(r, 0, loss[r], softmax_loss(zr, classes, labels[r]), 1e-6, 1e-6);
      double mx = -INFINITY, s = 0;
      for (int64_t c = 0; c < classes; ++c) mx = std::max(mx, double(zr[c]));
      for (int64_t c = 0; c < classes; ++c) s += std::exp(zr[c] - mx);
      for (int64_t c = 0; c < classes; ++c) {
        const double want = scale * (std::exp(zr[c] - mx) / s - (c == labels[r]));
        wg.add(r, c, dz.at(r, c), want, 1e-7, 1e-5);
        const double h = 1e-4;
        const double fd = scale *
                          (softmax_loss(zr, classes, labels[r], c, h) -
                           softmax_loss(zr, classes, labels[r], c, -h)) /
                          (2 * h);
        wfd.add(r, c, dz.at(r, c), fd, 1e-6, 1e-4);
      }
    }
    EXPECT_TRUE(wl.ok()) << "classes " << classes << " loss: " << wl.where();
    EXPECT_TRUE(wg.ok()) << "classes " << classes << " grad: " << wg.where();
    EXPECT_TRUE(wfd.ok()) << "classes " << classes << " finite differences: " << wfd.where();
    if (classes >= 3) {
      EXPECT_EQ(pred[5], 1);
    }
  }
  // pred may be null.
  Matrix z(2, 3, 3, 1.0f), dz(2, 3, 3);
  const int32_t labels[2] = {2, -1};
  float loss[2];
  ref::softmax_xent(z.cview(), labels, 1.0f, dz.view(), loss, nullptr);
  EXPECT_NEAR(loss[0], std::log(3.0), 1e-6);
  EXPECT_EQ(loss[1], 0.0f);
}

// ---- sigmoid_bce -----------------------------------------------------------------------------

// -(t log s + (1 - t) log(1 - s)) with s = sigmoid(z), in a form that is exact in double for
// moderate z.
double bce(double z, double t) {
  const double log_s = -std::log1p(std::exp(-z));  // log sigmoid(z)
  const double log_1s = -std::log1p(std::exp(z));  // log(1 - sigmoid(z))
  return -(t * log_s + (1 - t) * log_1s);
}

TEST(DenseRef, SigmoidBceMatchesDefinitionAndFiniteDifferences) {
  std::mt19937 rng(13);
  for (bool soft : {false, true}) {
    const int64_t rows = 40, cols = 5;
    const float scale = 0.5f;
    Matrix z = random_matrix(rng, rows, cols, cols + 1, -6, 6);
    Matrix t(rows, cols, cols + 2);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        t.at(r, c) = soft ? std::uniform_real_distribution<float>(0, 1)(rng) : float(rng() % 2);
    Matrix dz(rows, cols, cols + 3, kNaN);
    std::vector<float> loss(rows + 1, kNaN);
    ref::sigmoid_bce(z.cview(), t.cview(), scale, dz.view(), loss.data());
    EXPECT_TRUE(dz.padding_intact());
    EXPECT_TRUE(std::isnan(loss[rows]));
    Worst wl, wg, wfd;
    for (int64_t r = 0; r < rows; ++r) {
      double l = 0;
      for (int64_t c = 0; c < cols; ++c) {
        const double zz = z.at(r, c), tt = t.at(r, c);
        l += bce(zz, tt);
        wg.add(r, c, dz.at(r, c), scale * (1 / (1 + std::exp(-zz)) - tt), 1e-7, 1e-5);
        const double h = 1e-4;
        wfd.add(r, c, dz.at(r, c), scale * (bce(zz + h, tt) - bce(zz - h, tt)) / (2 * h), 1e-6,
                1e-4);
      }
      wl.add(r, 0, loss[r], l, 1e-6, 1e-5);
    }
    EXPECT_TRUE(wl.ok()) << "soft " << soft << " loss: " << wl.where();
    EXPECT_TRUE(wg.ok()) << "soft " << soft << " grad: " << wg.where();
    EXPECT_TRUE(wfd.ok()) << "soft " << soft << " finite differences: " << wfd.where();
  }
}

TEST(DenseRef, SigmoidBceStableForLargeLogits) {
  Matrix z(1, 4, 4), t(1, 4, 4);
  const float zs[4] = {100, -100, 100, -100}, ts[4] = {0, 1, 1, 0};
  for (int c = 0; c < 4; ++c) z.at(0, c) = zs[c], t.at(0, c) = ts[c];
  Matrix dz(1, 4, 4, kNaN);
  float loss = kNaN;
  ref::sigmoid_bce(z.cview(), t.cview(), 1.0f, dz.view(), &loss);
  EXPECT_NEAR(loss, 200.0, 1e-4);  // two wrong-sign logits cost 100 each, the right ones ~0
  EXPECT_EQ(dz.at(0, 0), 1.0f);
  EXPECT_EQ(dz.at(0, 1), -1.0f);
  EXPECT_NEAR(dz.at(0, 2), 0.0f, 1e-30);
  EXPECT_NEAR(dz.at(0, 3), 0.0f, 1e-30);
  for (int c = 0; c < 4; ++c) EXPECT_TRUE(std::isfinite(dz.at(0, c))) << c;
}

// ---- optimisers ------------------------------------------------------------------------------

// Two Adam steps on two parameters; expected values computed by hand (in double) from
//   g' = g + wd w, m = b1 m + (1 - b1) g', v = b2 v + (1 - b2) g'^2,
//   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
TEST(DenseRef, AdamTwoStepsHandComputed) {
  std::vector<float> w = {1.0f, -2.0f}, m = {0, 0}, v = {0, 0};
  AdamParams p;
  p.lr = 0.1f;
  p.beta1 = 0.9f;
  p.beta2 = 0.999f;
  p.eps = 1e-8f;
  p.weight_decay = 0.01f;
  auto step = [&](std::vector<float> g, int t) {
    p.bias_correction1 = 1.0f - std::pow(p.beta1, float(t));
    p.bias_correction2 = 1.0f - std::pow(p.beta2, float(t));
    ref::adam({w.data(), 1}, {g.data(), 1}, {m.data(), 1}, {v.data(), 1}, p);
  };
  // Parameter 0 with weight decay; parameter 1 (below) without, and a zero first gradient.
  // Tolerances: 1 - 0.999f is 0.001 only to 1.3e-5 relative.
  step({0.5f}, 1);
  EXPECT_NEAR(w[0], 0.9000000019607843, 1e-6);
  EXPECT_NEAR(m[0], 0.051, 0.051 * 1e-6);
  EXPECT_NEAR(v[0], 0.0002601, 0.0002601 * 2e-5);
  step({-0.2f}, 2);
  EXPECT_NEAR(w[0], 0.8633641380701821, 2e-6);
  EXPECT_NEAR(m[0], 0.026800000001960776, 0.0268 * 1e-5);
  EXPECT_NEAR(v[0], 0.0002963208999925101, 0.000296 * 2e-5);

  std::vector<float> w1 = {-2.0f}, m1 = {0}, v1 = {0}, g;
  p.weight_decay = 0.0f;
  for (int t = 1; t <= 2; ++t) {
    p.bias_correction1 = 1.0f - std::pow(p.beta1, float(t));
    p.bias_correction2 = 1.0f - std::pow(p.beta2, float(t));
    g = {t == 1 ? 0.0f : 3.0f};
    ref::adam({w1.data(), 1}, {g.data(), 1}, {m1.data(), 1}, {v1.data(), 1}, p);
    if (t == 1) {
      EXPECT_EQ(w1[0], -2.0f);  // zero gradient, zero moments: no move, no NaN
    }
  }
  EXPECT_NEAR(w1[0], -2.0744136820059964, 2e-6);
  EXPECT_NEAR(m1[0], 0.3, 0.3 * 1e-6);
  EXPECT_NEAR(v1[0], 0.009, 0.009 * 2e-5);
}

// Many parameters (the threaded path) against the same formula in double.
TEST(DenseRef, AdamMatchesFormulaOnLargeBuffer) {
  std::mt19937 rng(14);
  const int64_t n = (1 << 15) + 3;
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> w(n), g(n), m(n), v(n);
  for (int64_t i = 0; i < n; ++i)
    w[i] = u(rng), g[i] = u(rng), m[i] = 0.1f * u(rng), v[i] = 0.01f * std::fabs(u(rng));
  const std::vector<float> w0 = w, m0 = m, v0 = v;
  AdamParams p{.lr = 0.003f,
               .beta1 = 0.8f,
               .beta2 = 0.99f,
               .eps = 1e-6f,
               .weight_decay = 0.1f,
               .bias_correction1 = 0.488f,
               .bias_correction2 = 0.0297f};
  ref::adam({w.data(), n}, {g.data(), n}, {m.data(), n}, {v.data(), n}, p);
  Worst ww, wm, wv;
  for (int64_t i = 0; i < n; ++i) {
    const double gi = g[i] + double(p.weight_decay) * w0[i];
    const double mi = p.beta1 * double(m0[i]) + (1 - double(p.beta1)) * gi;
    const double vi = p.beta2 * double(v0[i]) + (1 - double(p.beta2)) * gi * gi;
    const double wi =
        w0[i] - p.lr * (mi / p.bias_correction1) / (std::sqrt(vi / p.bias_correction2) + p.eps);
    wm.add(i, 0, m[i], mi, 1e-7, 1e-5);
    wv.add(i, 0, v[i], vi, 1e-9, 1e-5);
    ww.add(i, 0, w[i], wi, 1e-6, 1e-6);
  }
  EXPECT_TRUE(ww.ok()) << "w: " << ww.where();
  EXPECT_TRUE(wm.ok()) << "m: " << wm.where();
  EXPECT_TRUE(wv.ok()) << "v: " << wv.where();
}

TEST(DenseRef, SgdHandComputed) {
  // With momentum 0.9 and weight decay 0.01: g' = g + wd w, vel = mu vel + g', w -= lr vel.
  std::vector<float> w = {1.0f}, vel = {0.0f};
  SgdParams p{.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f};
  std::vector<float> g = {0.5f};
  ref::sgd({w.data(), 1}, {g.data(), 1}, {vel.data(), 1}, p);
  EXPECT_NEAR(w[0], 0.949, 1e-7);
  EXPECT_NEAR(vel[0], 0.51, 1e-7);
  g = {-0.2f};
  ref::sgd({w.data(), 1}, {g.data(), 1}, {vel.data(), 1}, p);
  EXPECT_NEAR(w[0], 0.922151, 1e-6);
  EXPECT_NEAR(vel[0], 0.26849, 1e-6);

  // Without momentum: w -= lr (g + wd w).
  w = {1.0f};
  vel = {0.0f};
  p.momentum = 0.0f;
  g = {0.5f};
  ref::sgd({w.data(), 1}, {g.data(), 1}, {vel.data(), 1}, p);
  EXPECT_NEAR(w[0], 0.949, 1e-7);
  g = {-0.2f};
  ref::sgd({w.data(), 1}, {g.data(), 1}, {vel.data(), 1}, p);
  EXPECT_NEAR(w[0], 0.968051, 1e-6);

  // Plain SGD, no decay: exactly w - lr g.
  p.weight_decay = 0.0f;
  std::mt19937 rng(15);
  const int64_t n = (1 << 15) + 1;
  std::vector<float> wl(n), gl(n), vl(n, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    wl[i] = std::uniform_real_distribution<float>(-1, 1)(rng),
    gl[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
  const std::vector<float> w0 = wl;
  ref::sgd({wl.data(), n}, {gl.data(), n}, {vl.data(), n}, p);
  for (int64_t i = 0; i < n; ++i) ASSERT_NEAR(wl[i], w0[i] - double(p.lr) * gl[i], 2e-7) << i;
}

// ---- sum_into --------------------------------------------------------------------------------

// The fused hidden-layer pass equals bias + relu followed by dropout, and its backward equals
// dropout's backward followed by relu's, element for element.
TEST(DenseRef, FusedBiasReluDropoutEqualsComposition) {
  const int64_t rows = 97, cols = 45, stride = 48;
  std::mt19937 rng(17);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> z(rows * stride), bias(cols), g(rows * stride);
  for (float& x : z) x = d(rng);
  for (float& x : bias) x = d(rng);
  for (float& x : g) x = d(rng);
  for (float p : {0.0f, 0.5f}) {
    std::vector<float> fused = z, parts = z, g_fused = g, g_parts = g;
    MatrixView<float> fv{fused.data(), rows, cols, stride}, pv{parts.data(), rows, cols, stride};
    ref::bias_relu_dropout(fv, bias.data(), p, 5, 9, nullptr);
    ref::bias_act(pv, bias.data(), Activation::kRelu);
    std::vector<float> relu_out = parts;  // before dropout: the relu mask
    ref::dropout(pv, p, 5, 9, nullptr);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        ASSERT_EQ(fused[r * stride + c], parts[r * stride + c]) << r << "," << c;
    ref::relu_dropout_backward(MatrixView<float>{g_fused.data(), rows, cols, stride},
                               MatrixView<const float>{fused.data(), rows, cols, stride}, p);
    ref::dropout(MatrixView<float>{g_parts.data(), rows, cols, stride}, p, 5, 9, nullptr);
    ref::relu_backward(MatrixView<float>{g_parts.data(), rows, cols, stride},
                       MatrixView<const float>{relu_out.data(), rows, cols, stride});
    int64_t zeros = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        ASSERT_EQ(g_fused[r * stride + c], g_parts[r * stride + c])
            << "p=" << p << " " << r << "," << c;
        zeros += g_fused[r * stride + c] == 0.0f;
      }
    EXPECT_GT(zeros, rows * cols / 3);  // relu (and dropout) zeroed a good share
    for (int64_t r = 0; r < rows; ++r)
      EXPECT_EQ(fused[r * stride + cols], z[r * stride + cols]) << "padding written";
  }
}

TEST(DenseRef, SumInto) {
  std::mt19937 rng(16);
  std::vector<float> x(10007);
  double s = 0, mag = 0;
  for (float& v : x) {
    v = std::uniform_real_distribution<float>(-2, 3)(rng);
    s += v;
    mag += std::fabs(v);
  }
  float acc = 1.5f;
  ref::sum_into({x.data(), int64_t(x.size())}, &acc);
  EXPECT_NEAR(acc, 1.5 + s, 1e-6 * mag);
  ref::sum_into({x.data(), int64_t(x.size())}, &acc);
  EXPECT_NEAR(acc, 1.5 + 2 * s, 2e-6 * mag);
  const float before = acc;
  ref::sum_into({x.data(), 0}, &acc);
  EXPECT_EQ(acc, before);
}

// ---- gradient clipping by global norm ---------------------------------------------------------

// g = {3, 4} has norm 5: max_norm 1 scales it by 1 / (5 + 1e-6), so plain SGD (lr 1) moves w by
// {-0.6, -0.8}; a threshold above the norm, max_norm 0 or no norm pointer leave g as it is.
TEST(DenseRef, SgdClipsToGlobalNorm) {
  const std::vector<float> g = {3.0f, 4.0f};
  float sumsq = kNaN;
  ref::sum_squares({g.data(), 2}, &sumsq, nullptr);
  ASSERT_EQ(sumsq, 25.0f);
  auto step = [&](float max_norm, const float* norm_sq, float wd, std::vector<float> w) {
    std::vector<float> vel = {0, 0};
    SgdParams p{.lr = 1.0f, .momentum = 0.0f, .weight_decay = wd};
    p.grad_sumsq = norm_sq;
    p.max_norm = max_norm;
    ref::sgd({w.data(), 2}, {g.data(), 2}, {vel.data(), 2}, p);
    return w;
  };
  std::vector<float> w = step(1.0f, &sumsq, 0.0f, {0, 0});
  EXPECT_NEAR(w[0], -0.6, 1e-6);
  EXPECT_NEAR(w[1], -0.8, 1e-6);
  EXPECT_EQ(step(10.0f, &sumsq, 0.0f, {0, 0}), (std::vector<float>{-3.0f, -4.0f}));
  EXPECT_EQ(step(0.0f, &sumsq, 0.0f, {0, 0}), (std::vector<float>{-3.0f, -4.0f}));
  EXPECT_EQ(step(1.0f, nullptr, 0.0f, {0, 0}), (std::vector<float>{-3.0f, -4.0f}));
  // Weight decay is added after clipping: w = 1 - (0.6 + 0.5 * 1), 1 - (0.8 + 0.5 * 1).
  w = step(1.0f, &sumsq, 0.5f, {1, 1});
  EXPECT_NEAR(w[0], -0.1, 1e-6);
  EXPECT_NEAR(w[1], -0.3, 1e-6);
}

// Two Adam steps (lr 0.1, default betas, no decay, max_norm 1) on w = {0, 0}: the first
// gradient {3, 4} (norm 5) is clipped to {0.6, 0.8}, the second {0.3, 0.4} (norm 0.5) is not.
// Expected values from the update formula (AdamTwoStepsHandComputed) in double; unclipped,
// w would end at -0.17408106 in both coordinates.
TEST(DenseRef, AdamClipsToGlobalNorm) {
  std::vector<float> w = {0, 0}, m = {0, 0}, v = {0, 0};
  AdamParams p;
  p.lr = 0.1f;
  p.max_norm = 1.0f;
  float sumsq = kNaN;
  p.grad_sumsq = &sumsq;
  for (int t = 1; t <= 2; ++t) {
    const std::vector<float> g = t == 1 ? std::vector<float>{3, 4} : std::vector<float>{0.3f, 0.4f};
    ref::sum_squares({g.data(), 2}, &sumsq, nullptr);
    p.bias_correction1 = 1.0f - std::pow(p.beta1, float(t));
    p.bias_correction2 = 1.0f - std::pow(p.beta2, float(t));
    ref::adam({w.data(), 2}, {g.data(), 2}, {m.data(), 2}, {v.data(), 2}, p);
  }
  EXPECT_NEAR(w[0], -0.19321796317569237, 2e-6);
  EXPECT_NEAR(w[1], -0.19321796408373476, 2e-6);
  EXPECT_NEAR(m[0], 0.08399998920000215, 0.084 * 1e-5);
  EXPECT_NEAR(m[1], 0.11199998560000286, 0.112 * 1e-5);
  EXPECT_NEAR(v[0], 0.0004496398561440436, 0.00045 * 2e-5);
  EXPECT_NEAR(v[1], 0.0007993597442560774, 0.0008 * 2e-5);
}

// sum_squares against a double-precision sum: empty, one element, and sizes around and across
// several kSumSquaresChunk chunks (the GPU's partials); norm_acc collects sqrt of each result.
TEST(DenseRef, SumSquares) {
  std::mt19937 rng(18);
  float norm_acc = 0.5f;
  double want_acc = 0.5;
  for (int64_t n : {int64_t{0}, int64_t{1}, kSumSquaresChunk - 1, kSumSquaresChunk,
                    kSumSquaresChunk + 1, 3 * kSumSquaresChunk + 17}) {
    std::vector<float> x(n);
    for (float& v : x) v = std::uniform_real_distribution<float>(-2, 3)(rng);
    double want = 0;
    for (float v : x) want += double(v) * v;
    float out = kNaN;
    ref::sum_squares({x.data(), n}, &out, &norm_acc);
    EXPECT_NEAR(out, want, 1e-6 * want) << "n=" << n;
    want_acc += std::sqrt(want);
    EXPECT_NEAR(norm_acc, want_acc, 1e-6 * want_acc) << "n=" << n;
  }
  EXPECT_EQ(sum_squares_partials(0), 0);
  EXPECT_EQ(sum_squares_partials(kSumSquaresChunk), 1);
  EXPECT_EQ(sum_squares_partials(kSumSquaresChunk + 1), 2);
}

}  // namespace
}  // namespace grl
