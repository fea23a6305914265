// The CUDA backend's dense operations (cuBLAS GEMM wrapper, element-wise kernels, losses,
// optimisers, also with global-norm clipping) against the CPU backend on random inputs,
// including odd shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "host/ops/backend.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

std::vector<float> randn(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Runs the same operation on both backends over copies of the same host data.
struct Both {
  std::unique_ptr<Backend> cpu = make_cpu_backend();
  std::unique_ptr<Backend> gpu = test::make_gpu_backend();
};

template <class T>
struct Pair {
  std::vector<T> host;  // the CPU backend works on this directly
  Buffer<T> dev;
  Pair(Backend& g, std::vector<T> init) : host(std::move(init)), dev(g, host.size() + 1, "test") {
    dev.upload(host.data(), host.size());
  }
  std::vector<T> gpu_result(Backend& g) {
    std::vector<T> out(host.size());
    dev.download(out.data(), out.size());
    g.synchronize();
    return out;
  }
};

void expect_near(const std::vector<float>& got, const std::vector<float>& want, float tol,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_LE(std::fabs(got[i] - want[i]), tol * (1.0f + std::fabs(want[i])))
        << what << " at " << i << ": gpu " << got[i] << " cpu " << want[i];
}

TEST(GpuDense, GemmAllTransposesAndOddShapes) {
  GRL_REQUIRE_GPU();
  Both b;
  struct Shape {
    int64_t m, n, k;
  };
  for (Shape s : {Shape{7, 47, 100}, Shape{1, 1, 1}, Shape{64, 256, 1433}, Shape{513, 7, 256},
                  Shape{3, 5, 0}}) {
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const int64_t lda = (ta ? s.m : s.k) + 3, ldb = (tb ? s.k : s.n) + 1, ldc = s.n + 2;
      const int64_t arows = ta ? s.k : s.m, brows = tb ? s.n : s.k;
      auto a = randn(arows * lda, 1), bb = randn(brows * ldb, 2);
      Pair<float> A(*b.gpu, a), B(*b.gpu, bb), C(*b.gpu, randn(s.m * ldc, 3));
      for (float beta : {0.0f, 1.0f}) {
        std::vector<float> c0 = C.host;
        C.dev.upload(c0.data(), c0.size());
        b.cpu->gemm(ta, tb, s.m, s.n, s.k, 0.5f, A.host.data(), lda, B.host.data(), ldb, beta,
                    C.host.data(), ldc);
        b.gpu->gemm(ta, tb, s.m, s.n, s.k, 0.5f, A.dev.data(), lda, B.dev.data(), ldb, beta,
                    C.dev.data(), ldc);
        auto got = C.gpu_result(*b.gpu);
        // Only the m x n window is defined; padding columns keep their old values on both sides.
        expect_near(got, C.host, 1e-4f * std::sqrt(static_cast<float>(s.k + 1)),
                    "gemm m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
                        " k=" + std::to_string(s.k) + " ta=" + std::to_string(ta) +
                        " tb=" + std::to_string(tb) + " beta=" + std::to_string(beta));
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(GpuDense, ElementwiseRowwiseAndLosses) {
  GRL_REQUIRE_GPU();
  Both b;
  const int64_t rows = 1000, cols = 47, stride = 48;
  auto view = [&](std::vector<float>& v) {
    return MatrixView<float>{v.data(), rows, cols, stride};
  };
  auto dview = [&](Buffer<float>& v) { return MatrixView<float>{v.data(), rows, cols, stride}; };
  auto cv = [](MatrixView<float> m) {
    return MatrixView<const float>{m.data, m.rows, m.cols, m.stride};
  };
  auto bias = randn(cols, 9);
  Pair<float> Bias(*b.gpu, bias);
  {  // bias + relu, relu backward
    Pair<float> Z(*b.gpu, randn(rows * stride, 4));
    b.cpu->bias_act(view(Z.host), Bias.host.data(), Activation::kRelu);
    b.gpu->bias_act(dview(Z.dev), Bias.dev.data(), Activation::kRelu);
    expect_near(Z.gpu_result(*b.gpu), Z.host, 1e-6f, "bias_act");
    Pair<float> G(*b.gpu, randn(rows * stride, 5));
    b.cpu->relu_backward(view(G.host), cv(view(Z.host)));
    b.gpu->relu_backward(dview(G.dev), cv(dview(Z.dev)));
    expect_near(G.gpu_result(*b.gpu), G.host, 0.0f, "relu_backward");
  }
  {  // fused bias + relu + dropout, and its backward
    Pair<float> Z(*b.gpu, randn(rows * stride, 13));
    b.cpu->bias_relu_dropout(view(Z.host), Bias.host.data(), 0.4f, 3, 11, nullptr);
    b.gpu->bias_relu_dropout(dview(Z.dev), Bias.dev.data(), 0.4f, 3, 11, nullptr);
    expect_near(Z.gpu_result(*b.gpu), Z.host, 1e-6f, "bias_relu_dropout");
    Pair<float> G(*b.gpu, randn(rows * stride, 14));
    b.cpu->relu_dropout_backward(view(G.host), cv(view(Z.host)), 0.4f);
    b.gpu->relu_dropout_backward(dview(G.dev), cv(dview(Z.dev)), 0.4f);
    expect_near(G.gpu_result(*b.gpu), G.host, 1e-6f, "relu_dropout_backward");
  }
  {  // column sums over more rows than one chunk
    const int64_t big = 3000;
    Pair<float> X(*b.gpu, randn(big * stride, 6));
    Pair<float> S(*b.gpu, std::vector<float>(cols, 1.0f));
    Buffer<float> partials(*b.gpu, ((big + kColumnSumChunk - 1) / kColumnSumChunk) * cols + cols,
                           "partials");
    b.cpu->column_sums(MatrixView<const float>{X.host.data(), big, cols, stride}, S.host.data(),
                       true, nullptr);
    b.gpu->column_sums(MatrixView<const float>{X.dev.data(), big, cols, stride}, S.dev.data(), true,
                       partials.data());
    expect_near(S.gpu_result(*b.gpu), S.host, 1e-4f, "column_sums");
  }
  {  // dropout: the same elements are dropped on both
    Pair<float> X(*b.gpu, randn(rows * stride, 7));
    b.cpu->dropout(view(X.host), 0.3f, 77, 5, nullptr);
    b.gpu->dropout(dview(X.dev), 0.3f, 77, 5, nullptr);
    expect_near(X.gpu_result(*b.gpu), X.host, 1e-6f, "dropout");
  }
  {  // both keyed by row ids (the engine's node ids)
    std::vector<int32_t> ids(rows);
    for (int64_t r = 0; r < rows; ++r) ids[r] = static_cast<int32_t>((r * 7919 + 3) % 100003);
    Buffer<int32_t> d_ids = test::upload(*b.gpu, ids);
    Pair<float> X(*b.gpu, randn(rows * stride, 15));
    b.cpu->dropout(view(X.host), 0.3f, 77, 5, ids.data());
    b.gpu->dropout(dview(X.dev), 0.3f, 77, 5, d_ids.data());
    expect_near(X.gpu_result(*b.gpu), X.host, 1e-6f, "dropout by row id");
    Pair<float> Z(*b.gpu, randn(rows * stride, 16));
    b.cpu->bias_relu_dropout(view(Z.host), Bias.host.data(), 0.4f, 3, 11, ids.data());
    b.gpu->bias_relu_dropout(dview(Z.dev), Bias.dev.data(), 0.4f, 3, 11, d_ids.data());
    expect_near(Z.gpu_result(*b.gpu), Z.host, 1e-6f, "bias_relu_dropout by row id");
  }
  {  // l2 norm forward and backward
    Pair<float> X(*b.gpu, randn(rows * stride, 8));
    std::fill(X.host.begin(), X.host.begin() + stride, 0.0f);  // a zero row stays finite
    X.dev.upload(X.host.data(), X.host.size());
    Pair<float> Inv(*b.gpu, std::vector<float>(rows, 0.0f));
    b.cpu->l2norm_forward(view(X.host), Inv.host.data());
    b.gpu->l2norm_forward(dview(X.dev), Inv.dev.data());
    expect_near(X.gpu_result(*b.gpu), X.host, 1e-5f, "l2norm_forward");
    Pair<float> G(*b.gpu, randn(rows * stride, 10));
    b.cpu->l2norm_backward(view(G.host), cv(view(X.host)), Inv.host.data());
    b.gpu->l2norm_backward(dview(G.dev), cv(dview(X.dev)), Inv.dev.data());
    // Inv of the zero row is 1e12: compare the other rows.
    auto got = G.gpu_result(*b.gpu);
    std::vector<float> g2(got.begin() + stride, got.end()),
        w2(G.host.begin() + stride, G.host.end());
    expect_near(g2, w2, 1e-4f, "l2norm_backward");
  }
  {  // softmax cross-entropy with ties and ignored rows
    Pair<float> Z(*b.gpu, randn(rows * stride, 11, 3.0f));
    for (int64_t c = 0; c < cols; ++c) Z.host[2 * stride + c] = 1.0f;  // all tied: pred 0
    Z.dev.upload(Z.host.data(), Z.host.size());
    std::vector<int32_t> y(rows);
    for (int64_t r = 0; r < rows; ++r)
      y[r] = r % 13 == 0 ? -1 : static_cast<int32_t>((r * 7) % cols);
    Pair<int32_t> Y(*b.gpu, y), P(*b.gpu, std::vector<int32_t>(rows, -5));
    Pair<float> D(*b.gpu, std::vector<float>(rows * stride, 0.0f)),
        L(*b.gpu, std::vector<float>(rows, 0.0f));
    b.cpu->softmax_xent(cv(view(Z.host)), Y.host.data(), 0.01f, view(D.host), L.host.data(),
                        P.host.data());
    b.gpu->softmax_xent(cv(dview(Z.dev)), Y.dev.data(), 0.01f, dview(D.dev), L.dev.data(),
                        P.dev.data());
    expect_near(L.gpu_result(*b.gpu), L.host, 1e-5f, "softmax loss");
    expect_near(D.gpu_result(*b.gpu), D.host, 1e-5f, "softmax grad");
    ASSERT_EQ(P.gpu_result(*b.gpu), P.host) << "arg-max predictions";
  }
  {  // sigmoid binary cross-entropy, incl. large |z|
    Pair<float> Z(*b.gpu, randn(rows * stride, 12, 20.0f));
    std::vector<float> t(rows * stride);
    for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>((i * 2654435761u >> 7) & 1);
    Pair<float> T(*b.gpu, t), D(*b.gpu, std::vector<float>(rows * stride, 0.0f)),
        L(*b.gpu, std::vector<float>(rows, 0.0f));
    b.cpu->sigmoid_bce(cv(view(Z.host)), cv(view(T.host)), 0.5f, view(D.host), L.host.data());
    b.gpu->sigmoid_bce(cv(dview(Z.dev)), cv(dview(T.dev)), 0.5f, dview(D.dev), L.dev.data());
    expect_near(L.gpu_result(*b.gpu), L.host, 1e-4f, "bce loss");
    expect_near(D.gpu_result(*b.gpu), D.host, 1e-5f, "bce grad");
  }
}

TEST(GpuDense, OptimisersAndSums) {
  GRL_REQUIRE_GPU();
  Both b;
  const size_t n = 100003;
  auto w0 = randn(n, 20), g0 = randn(n, 21);
  Pair<float> W(*b.gpu, w0), G(*b.gpu, g0), M(*b.gpu, std::vector<float>(n, 0.0f)),
      V(*b.gpu, std::vector<float>(n, 0.0f));
  AdamParams a;
  a.lr = 0.01f;
  a.weight_decay = 5e-4f;
  for (int t = 1; t <= 3; ++t) {
    a.bias_correction1 = 1.0f - std::pow(0.9f, t);
    a.bias_correction2 = 1.0f - std::pow(0.999f, t);
    b.cpu->adam(Span<float>{W.host.data(), (int64_t)n},
                Span<const float>{G.host.data(), (int64_t)n},
                Span<float>{M.host.data(), (int64_t)n}, Span<float>{V.host.data(), (int64_t)n}, a);
    b.gpu->adam(Span<float>{W.dev.data(), (int64_t)n}, Span<const float>{G.dev.data(), (int64_t)n},
                Span<float>{M.dev.data(), (int64_t)n}, Span<float>{V.dev.data(), (int64_t)n}, a);
  }
  expect_near(W.gpu_result(*b.gpu), W.host, 1e-5f, "adam");
  Pair<float> W2(*b.gpu, w0), Vel(*b.gpu, std::vector<float>(n, 0.0f));
  SgdParams p{0.1f, 0.9f, 1e-4f};
  for (int t = 0; t < 3; ++t) {
    b.cpu->sgd(Span<float>{W2.host.data(), (int64_t)n},
               Span<const float>{G.host.data(), (int64_t)n},
               Span<float>{Vel.host.data(), (int64_t)n}, p);
    b.gpu->sgd(Span<float>{W2.dev.data(), (int64_t)n}, Span<const float>{G.dev.data(), (int64_t)n},
               Span<float>{Vel.dev.data(), (int64_t)n}, p);
  }
  expect_near(W2.gpu_result(*b.gpu), W2.host, 1e-5f, "sgd momentum");
  Pair<float> Acc(*b.gpu, std::vector<float>{2.0f});
  b.cpu->sum_into(Span<const float>{G.host.data(), (int64_t)n}, Acc.host.data());
  b.gpu->sum_into(Span<const float>{G.dev.data(), (int64_t)n}, Acc.dev.data());
  expect_near(Acc.gpu_result(*b.gpu), Acc.host, 1e-3f, "sum_into");
}

// sum_squares over sizes around and across its chunks, then Adam and SGD with the clip scale read
// from each backend's own sum of squares (max_norm below the norm, so clipping is active).
TEST(GpuDense, SumSquaresAndClippedOptimisers) {
  GRL_REQUIRE_GPU();
  Both b;
  for (int64_t n : {int64_t{0}, int64_t{1}, kSumSquaresChunk - 1, kSumSquaresChunk,
                    kSumSquaresChunk + 1, 3 * kSumSquaresChunk + 17, int64_t{1000003}}) {
    Pair<float> X(*b.gpu, randn(n, 30 + static_cast<uint32_t>(n % 97)));
    Pair<float> Out(*b.gpu, {std::nanf("")}), Acc(*b.gpu, {0.25f});
    Buffer<float> partials(*b.gpu, std::max<int64_t>(1, sum_squares_partials(n)), "partials");
    b.cpu->sum_squares({X.host.data(), n}, Out.host.data(), nullptr, Acc.host.data());
    b.gpu->sum_squares({X.dev.data(), n}, Out.dev.data(), partials.data(), Acc.dev.data());
    expect_near(Out.gpu_result(*b.gpu), Out.host, 1e-5f, "sum_squares n=" + std::to_string(n));
    expect_near(Acc.gpu_result(*b.gpu), Acc.host, 1e-5f, "norm_acc n=" + std::to_string(n));
  }

  const int64_t n = 100003;
  auto w0 = randn(n, 22), g0 = randn(n, 23);
  Pair<float> G(*b.gpu, g0), Sq(*b.gpu, {0.0f});
  Buffer<float> partials(*b.gpu, sum_squares_partials(n), "partials");
  b.cpu->sum_squares({G.host.data(), n}, Sq.host.data(), nullptr, nullptr);
  b.gpu->sum_squares({G.dev.data(), n}, Sq.dev.data(), partials.data(), nullptr);
  const float max_norm = 0.1f * std::sqrt(Sq.host[0]);
  Pair<float> W(*b.gpu, w0), M(*b.gpu, std::vector<float>(n, 0.0f)),
      V(*b.gpu, std::vector<float>(n, 0.0f));
  AdamParams a;
  a.lr = 0.01f;
  a.weight_decay = 5e-4f;
  a.max_norm = max_norm;
  for (int t = 1; t <= 3; ++t) {
    a.bias_correction1 = 1.0f - std::pow(0.9f, t);
    a.bias_correction2 = 1.0f - std::pow(0.999f, t);
    a.grad_sumsq = Sq.host.data();
    b.cpu->adam({W.host.data(), n}, {G.host.data(), n}, {M.host.data(), n}, {V.host.data(), n}, a);
    a.grad_sumsq = Sq.dev.data();
    b.gpu->adam({W.dev.data(), n}, {G.dev.data(), n}, {M.dev.data(), n}, {V.dev.data(), n}, a);
  }
  expect_near(W.gpu_result(*b.gpu), W.host, 1e-5f, "clipped adam");
  expect_near(M.gpu_result(*b.gpu), M.host, 1e-5f, "clipped adam m");
  Pair<float> W2(*b.gpu, w0), Vel(*b.gpu, std::vector<float>(n, 0.0f));
  SgdParams p{0.1f, 0.9f, 1e-4f, nullptr, max_norm};
  for (int t = 0; t < 3; ++t) {
    p.grad_sumsq = Sq.host.data();
    b.cpu->sgd({W2.host.data(), n}, {G.host.data(), n}, {Vel.host.data(), n}, p);
    p.grad_sumsq = Sq.dev.data();
    b.gpu->sgd({W2.dev.data(), n}, {G.dev.data(), n}, {Vel.dev.data(), n}, p);
  }
  expect_near(W2.gpu_result(*b.gpu), W2.host, 1e-5f, "clipped sgd momentum");
}

}  // namespace
}  // namespace grl
