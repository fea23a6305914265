// The CPU LSTM aggregator (host/reference/lstm_ref.cpp), the oracle of the GPU kernels: the
// per-row orders (permutations, inverse, fresh per key), the batched step-by-step forward
// against a naive per-destination LSTM written from the equations (rows of different lengths,
// empty and one-neighbour rows, two segments with different fanouts, padded strides), the
// backward step against finite differences of one step, and the scatter against a naive sum.
#include "host/reference/lstm_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "host/reference/dense_ref.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

using test::PaddedMatrix;

// A block of 11 destinations over 17 sources: rows [0, 4) with fanout 5, rows [4, 11) with
// fanout 3; counts cover 0, 1 and full rows.
struct Block {
  std::vector<int32_t> cnt0{5, 0, 1, 3}, cnt1{3, 2, 0, 1, 3, 3, 2};
  std::vector<int32_t> nbr0, nbr1;
  BlockView b;
  explicit Block(uint32_t seed) {
    std::mt19937 rng(seed);
    nbr0.resize(4 * 5);
    nbr1.resize(7 * 3);
    for (auto& x : nbr0) x = static_cast<int32_t>(rng() % 17);
    for (auto& x : nbr1) x = static_cast<int32_t>(rng() % 17);
    b.num_dst = 11;
    b.num_src = 17;
    b.num_segments = 2;
    b.seg[0] = {0, 4, 5, nbr0.data(), cnt0.data()};
    b.seg[1] = {4, 11, 3, nbr1.data(), cnt1.data()};
  }
  int cnt(int d) const { return d < 4 ? cnt0[d] : cnt1[d - 4]; }
  int nbr(int d, int j) const { return d < 4 ? nbr0[d * 5 + j] : nbr1[(d - 4) * 3 + j]; }
};

void fill(PaddedMatrix& m, std::mt19937& rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) m.at(r, c) = u(rng);
}

float sig(float x) { return 1.0f / (1.0f + std::exp(-x)); }

TEST(LstmRef, OrdersArePermutationsWithInverseAndDependOnTheKey) {
  Block k(1);
  const int W = lstm_max_steps(k.b);
  ASSERT_EQ(W, 5);
  EXPECT_EQ(lstm_active_rows(k.b, 0), 11);
  EXPECT_EQ(lstm_active_rows(k.b, 2), 11);
  EXPECT_EQ(lstm_active_rows(k.b, 3), 4);
  EXPECT_EQ(lstm_active_rows(k.b, 5), 0);
  std::vector<uint8_t> ord(11 * W), tpos(11 * W), ord2(11 * W), tpos2(11 * W);
  ref::lstm_orders(k.b, W, 7, 3, ord.data(), tpos.data());
  for (int d = 0; d < 11; ++d) {
    std::set<int> seen;
    for (int t = 0; t < W; ++t) {
      if (t < k.cnt(d)) {
        seen.insert(ord[d * W + t]);
        EXPECT_EQ(tpos[d * W + ord[d * W + t]], t);
      } else {
        EXPECT_EQ(ord[d * W + t], 255);
      }
    }
    EXPECT_EQ(static_cast<int>(seen.size()), k.cnt(d));
    if (!seen.empty()) {
      EXPECT_EQ(*seen.rbegin(), k.cnt(d) - 1);
    }
  }
  // Another key gives another order (for the 5-neighbour row, 1/120 chance of a tie per key).
  int differ = 0;
  for (uint32_t key = 4; key < 8; ++key) {
    ref::lstm_orders(k.b, W, 7, key, ord2.data(), tpos2.data());
    differ += !std::equal(ord.begin(), ord.begin() + 5, ord2.begin());
  }
  EXPECT_GE(differ, 3);
  // Same key, same order.
  ref::lstm_orders(k.b, W, 7, 3, ord2.data(), tpos2.data());
  EXPECT_EQ(ord, ord2);
  // Over many keys every position of the full row holds every slot (a uniform shuffle).
  std::vector<int> hits(25, 0);
  for (uint32_t key = 0; key < 2000; ++key) {
    ref::lstm_orders(k.b, W, 7, key, ord2.data(), tpos2.data());
    for (int t = 0; t < 5; ++t) ++hits[t * 5 + ord2[t]];
  }
  for (int h : hits) EXPECT_NEAR(h, 400, 90);
}

// With node ids on the block, a row's order follows its node, not its row: the same node at
// another row (another batch, another rank's share) is read in the same order.
TEST(LstmRef, OrdersAreKeyedByNodeIdWhereTheBlockHasThem) {
  Block k(2);
  const int W = lstm_max_steps(k.b);
  std::vector<int32_t> ids(17);
  for (int i = 0; i < 17; ++i) ids[i] = 1000 + 37 * i;
  k.b.ids = ids.data();
  std::vector<uint8_t> ord(11 * W), tpos(11 * W), one(W), one_t(W);
  ref::lstm_orders(k.b, W, 7, 3, ord.data(), tpos.data());
  for (int d = 0; d < 11; ++d) {
    lstm_row_order(7, 3, ids[d], k.cnt(d), W, one.data(), one_t.data());
    EXPECT_TRUE(std::equal(one.begin(), one.end(), ord.begin() + d * W)) << "row " << d;
  }
  // Row 0 (5 neighbours) under its row key draws another order for almost every node id.
  k.b.ids = nullptr;
  std::vector<uint8_t> by_row(11 * W);
  ref::lstm_orders(k.b, W, 7, 3, by_row.data(), tpos.data());
  EXPECT_FALSE(std::equal(by_row.begin(), by_row.begin() + 5, ord.begin()));
}

// The batched forward as the engine drives it: projections, then per step the recurrent
// product and the gate kernel, checked against a per-destination LSTM from the equations.
TEST(LstmRef, BatchedForwardMatchesNaiveLstm) {
  const int64_t D = 5, H = 3, n_dst = 11, n_src = 17;
  Block k(2);
  const int W = lstm_max_steps(k.b);
  std::mt19937 rng(3);
  PaddedMatrix x(n_src, D, 8), wih(D, 4 * H, 4 * H), whh(H, 4 * H, 4 * H), bias(1, 4 * H, 4 * H);
  fill(x, rng, 1.0f);
  fill(wih, rng, 0.6f);
  fill(whh, rng, 0.6f);
  fill(bias, rng, 0.3f);
  PaddedMatrix proj(n_src, 4 * H, 4 * H + 4);
  ref::gemm(false, false, n_src, 4 * H, D, 1.0f, x.v.data(), x.stride, wih.v.data(), 4 * H, 0.0f,
            proj.v.data(), proj.stride);
  std::vector<uint8_t> ord(n_dst * W), tpos(n_dst * W);
  ref::lstm_orders(k.b, W, 11, 9, ord.data(), tpos.data());
  const int64_t S = 4 * H + 4, SH = H + 1;  // padded strides
  PaddedMatrix gates(W * n_dst, 4 * H, S), cells(W * n_dst, H, SH), hid(W * n_dst, H, SH);
  PaddedMatrix agg(n_dst, H, H + 2, 99.0f);
  auto slab = [&](PaddedMatrix& m, int t, int64_t rows) {
    return MatrixView<float>{m.v.data() + t * n_dst * m.stride, rows, m.cols, m.stride};
  };
  for (int t = 0; t < W; ++t) {
    const LstmStep st{t, lstm_active_rows(k.b, t), W};
    if (st.rows == 0) break;
    MatrixView<float> g = slab(gates, t, st.rows);
    if (t > 0)
      ref::gemm(false, false, st.rows, 4 * H, H, 1.0f, slab(hid, t - 1, st.rows).data, hid.stride,
                whh.v.data(), 4 * H, 0.0f, g.data, g.stride);
    MatrixView<float> cp = t > 0 ? slab(cells, t - 1, st.rows) : MatrixView<float>{};
    ref::lstm_gates_forward(k.b, st, proj.cview(), ord.data(), bias.v.data(), g,
                            {cp.data, cp.rows, cp.cols, cp.stride}, slab(cells, t, st.rows),
                            slab(hid, t, st.rows), agg.view());
  }
  EXPECT_TRUE(agg.padding_intact());
  for (int d = 0; d < n_dst; ++d) {
    std::vector<float> h(H, 0.0f), c(H, 0.0f);
    for (int t = 0; t < k.cnt(d); ++t) {
      const int u = k.nbr(d, ord[d * W + t]);
      std::vector<float> a(4 * H);
      for (int64_t j = 0; j < 4 * H; ++j) {
        double s = bias.at(0, j);
        for (int64_t i = 0; i < D; ++i) s += double{x.at(u, i)} * wih.at(i, j);
        for (int64_t i = 0; i < H; ++i) s += double{h[i]} * whh.at(i, j);
        a[j] = static_cast<float>(s);
      }
      for (int64_t j = 0; j < H; ++j) {
        c[j] = sig(a[H + j]) * c[j] + sig(a[j]) * std::tanh(a[2 * H + j]);
        h[j] = sig(a[3 * H + j]) * std::tanh(c[j]);
      }
    }
    for (int64_t j = 0; j < H; ++j) EXPECT_NEAR(agg.at(d, j), h[j], 1e-5) << d << "," << j;
  }
}

// One backward step against central differences of L = sum(dh * h_t) + sum(dc * c_t) (the
// quantity whose gradient the step propagates), w.r.t. the pre-activations and c_{t-1}.
TEST(LstmRef, BackwardStepMatchesFiniteDifferences) {
  const int64_t H = 4;
  // One segment of 3 rows: counts 3 (mid-sequence at t = 1), 2 (last step at t = 1), 1 (done).
  std::vector<int32_t> cnt{3, 2, 1}, nbr{0, 1, 2, 0, 1, 2, 0, 1, 2};
  BlockView b;
  b.num_dst = 3;
  b.num_src = 3;
  b.num_segments = 1;
  b.seg[0] = {0, 3, 3, nbr.data(), cnt.data()};
  const int t = 1;
  std::mt19937 rng(4);
  PaddedMatrix pre(3, 4 * H, 4 * H), cprev(3, H, H), dagg(3, H, H), dh(3, H, H), dc(3, H, H);
  fill(pre, rng, 1.5f);
  fill(cprev, rng, 1.0f);
  fill(dagg, rng, 1.0f);
  fill(dh, rng, 1.0f);
  fill(dc, rng, 1.0f);
  // Forward of step t from pre-activations (as the kernel computes it with proj = 0, bias = 0).
  auto step = [&](const PaddedMatrix& a, const PaddedMatrix& cp, int d, int64_t j, float* c_out,
                  float* h_out) {
    const float i = sig(a.at(d, j)), f = sig(a.at(d, H + j)), g = std::tanh(a.at(d, 2 * H + j)),
                o = sig(a.at(d, 3 * H + j));
    *c_out = f * cp.at(d, j) + i * g;
    *h_out = o * std::tanh(*c_out);
  };
  // Upstream gradients each row sees: d_agg on its last step, the running ones otherwise.
  auto loss = [&](const PaddedMatrix& a, const PaddedMatrix& cp, int d) {
    double l = 0;
    const bool last = t == cnt[d] - 1;
    for (int64_t j = 0; j < H; ++j) {
      float c, h;
      step(a, cp, d, j, &c, &h);
      l += double{last ? dagg.at(d, j) : dh.at(d, j)} * h + (last ? 0.0 : double{dc.at(d, j)}) * c;
    }
    return l;
  };
  PaddedMatrix gates(3, 4 * H, 4 * H), cur(3, H, H), dh_run = dh, dc_run = dc;
  for (int d = 0; d < 3; ++d)
    for (int64_t j = 0; j < H; ++j) {
      float c, h;
      step(pre, cprev, d, j, &c, &h);
      cur.at(d, j) = c;
      gates.at(d, j) = sig(pre.at(d, j));
      gates.at(d, H + j) = sig(pre.at(d, H + j));
      gates.at(d, 2 * H + j) = std::tanh(pre.at(d, 2 * H + j));
      gates.at(d, 3 * H + j) = sig(pre.at(d, 3 * H + j));
    }
  const LstmStep st{t, 3, 3};
  ref::lstm_gates_backward(b, st, gates.view(), cprev.cview(), cur.cview(), dagg.cview(),
                           dh_run.view(), dc_run.view());
  const double eps = 1e-3;
  for (int d = 0; d < 2; ++d) {
    for (int64_t j = 0; j < 4 * H; ++j) {
      PaddedMatrix p = pre, m = pre;
      p.at(d, j) += eps;
      m.at(d, j) -= eps;
      EXPECT_NEAR(gates.at(d, j), (loss(p, cprev, d) - loss(m, cprev, d)) / (2 * eps), 2e-3)
          << "row " << d << " gate column " << j;
    }
    for (int64_t j = 0; j < H; ++j) {
      PaddedMatrix p = cprev, m = cprev;
      p.at(d, j) += eps;
      m.at(d, j) -= eps;
      EXPECT_NEAR(dc_run.at(d, j), (loss(pre, p, d) - loss(pre, m, d)) / (2 * eps), 2e-3);
    }
  }
  // The finished row (count 1 < t + 1) gets zero gate gradients.
  for (int64_t j = 0; j < 4 * H; ++j) EXPECT_EQ(gates.at(2, j), 0.0f);
}

TEST(LstmRef, ScatterSumsEachEdgesStepGradient) {
  const int64_t C = 6, n_dst = 11, n_src = 17;
  Block k(5);
  const int W = lstm_max_steps(k.b);
  std::vector<uint8_t> ord(n_dst * W), tpos(n_dst * W);
  ref::lstm_orders(k.b, W, 1, 2, ord.data(), tpos.data());
  std::mt19937 rng(6);
  PaddedMatrix all(W * n_dst, C, C + 2);
  fill(all, rng, 1.0f);
  PaddedMatrix out(n_src, C, C + 1, 7.0f);
  ref::lstm_scatter(k.b, all.cview(), n_dst, tpos.data(), W, out.view());
  std::vector<double> want(n_src * C, 0.0);
  for (int d = 0; d < n_dst; ++d)
    for (int t = 0; t < k.cnt(d); ++t)
      for (int64_t c = 0; c < C; ++c)
        want[k.nbr(d, ord[d * W + t]) * C + c] += all.at(t * n_dst + d, c);
  for (int64_t u = 0; u < n_src; ++u)
    for (int64_t c = 0; c < C; ++c) EXPECT_NEAR(out.at(u, c), want[u * C + c], 1e-5);
  EXPECT_TRUE(out.padding_intact());
}

}  // namespace
}  // namespace grl
