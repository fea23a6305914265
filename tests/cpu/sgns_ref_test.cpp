// Skip-gram pieces on the CPU: alias tables draw their weights, one positive pair moves the two
// vectors exactly as the SGNS gradient says, and the whole pipeline is deterministic.
#include <gtest/gtest.h>

#include <cmath>

#include "host/reference/sgns.h"
#include "host/train/skipgram.h"
#include "kernels/common/sgns_draw.h"

namespace grl {
namespace {

TEST(SgnsRef, AliasTableDrawsItsWeights) {
  std::vector<double> w = {0, 1, 2, 3, 0, 10, 4};
  std::vector<float> prob(w.size());
  std::vector<int32_t> alias(w.size());
  build_alias_table(w, 0, static_cast<int64_t>(w.size()), prob, alias);
  SgnsSpec s;
  s.seed = 3;
  AliasView all{prob.data(), alias.data(), static_cast<NodeId>(w.size())};
  std::vector<int64_t> hits(w.size(), 0);
  const int draws = 200000;
  for (int k = 0; k < draws; ++k)
    hits[sgns_detail::negative(s, all, all, static_cast<uint32_t>(k), 0, 0, 0, -1)]++;
  EXPECT_EQ(hits[0], 0);
  EXPECT_EQ(hits[4], 0);
  double chi2 = 0, total = 20;
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0) continue;
    const double expect = draws * w[i] / total;
    chi2 += (hits[i] - expect) * (hits[i] - expect) / expect;
  }
  EXPECT_LT(chi2, 20.5);  // 5 degrees of freedom, p = 0.001
  // A sub-range (one node type) only draws from itself; all-zero weights give uniform.
  std::vector<double> z(6, 0.0);
  std::vector<float> p2(6);
  std::vector<int32_t> a2(6);
  build_alias_table(z, 2, 6, p2, a2);
  for (int i = 2; i < 6; ++i) {
    EXPECT_EQ(p2[i], 1.0f);
    EXPECT_EQ(a2[i], i);
  }
}

TEST(SgnsRef, OnePairFollowsTheGradient) {
  // Walk [0, 1], window 1, no negatives: centre 0 with context 1, then centre 1 with context 0.
  const int64_t dim = 3;
  std::vector<float> syn0 = {0.1f, -0.2f, 0.3f, 0.05f, 0.4f, -0.1f};
  std::vector<float> syn1 = {0.2f, 0.1f, -0.3f, -0.4f, 0.2f, 0.5f};
  std::vector<float> s0 = syn0, s1 = syn1;
  std::vector<int32_t> walk = {0, 1};
  SgnsSpec s;
  s.length = 2;
  s.window = 1;
  s.negatives = 0;
  s.lr0 = 0.5f;
  s.total_walks = 1;
  std::vector<float> prob = {1, 1};
  std::vector<int32_t> alias = {0, 1};
  AliasView all{prob.data(), alias.data(), 2};
  SgnsStats st;
  ref::sgns(Span<const int32_t>{walk.data(), 2}, 1, s, all, all,
            MatrixView<float>{syn0.data(), 2, dim, dim},
            MatrixView<float>{syn1.data(), 2, dim, dim}, &st);
  EXPECT_EQ(st.pairs, 2u);
  // By hand: centre 0 (v = s0[0]) against syn1[1]; then centre 1 (v = s0[1]) against the
  // updated syn1[0].
  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  double f = 0;
  for (int k = 0; k < 3; ++k) f += s0[k] * s1[3 + k];
  double g = 0.5 * (1 - sig(f));
  std::vector<double> v0(3), out1(3);
  for (int k = 0; k < 3; ++k) {
    v0[k] = s0[k] + g * s1[3 + k];
    out1[k] = s1[3 + k] + g * s0[k];
  }
  double f2 = 0;
  for (int k = 0; k < 3; ++k) f2 += s0[3 + k] * s1[k];
  double g2 = 0.5 * (1 - sig(f2));
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(syn0[k], v0[k], 1e-6);
    EXPECT_NEAR(syn1[3 + k], out1[k], 1e-6);
    EXPECT_NEAR(syn0[3 + k], s0[3 + k] + g2 * s1[k], 1e-6);
    EXPECT_NEAR(syn1[k], s1[k] + g2 * s0[3 + k], 1e-6);
  }
  EXPECT_NEAR(st.loss, -std::log(sig(f)) - std::log(sig(f2)), 1e-5);
}

// Subsampling: keep = 1 everywhere changes nothing; a node with keep = 0 vanishes from the
// walks (never a centre, never a context: only negatives can touch its output vector).
TEST(SgnsRef, SubsamplingRemovesPositionsBeforeWindowing) {
  const NodeId n = 30;
  const int64_t dim = 4, walks = 40;
  SgnsSpec s;
  s.length = 15;
  s.window = 3;
  s.negatives = 0;
  s.total_walks = walks;
  std::vector<int32_t> w(walks * s.length);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int32_t>((i * 7 + i / 15) % n);
  std::vector<float> prob(n, 1.0f), ones(n, 1.0f), some(n, 1.0f);
  std::vector<int32_t> alias(n);
  for (NodeId v = 0; v < n; ++v) alias[v] = v;
  AliasView all{prob.data(), alias.data(), n};
  auto train = [&](const float* keep, std::vector<float>& s0, std::vector<float>& s1) {
    s0.assign(n * dim, 0.0f);
    s1.assign(n * dim, 0.0f);
    for (size_t i = 0; i < s0.size(); ++i)
      s0[i] = 0.01f * static_cast<float>((i * 37) % 11) - 0.05f;
    SgnsSpec t = s;
    t.keep = keep;
    SgnsStats st;
    ref::sgns(Span<const int32_t>{w.data(), static_cast<int64_t>(w.size())}, walks, t, all, all,
              MatrixView<float>{s0.data(), n, dim, dim}, MatrixView<float>{s1.data(), n, dim, dim},
              &st);
    return st.pairs;
  };
  std::vector<float> a0, a1, b0, b1, c0, c1;
  const auto pairs_all = train(nullptr, a0, a1);
  EXPECT_EQ(train(ones.data(), b0, b1), pairs_all);
  EXPECT_EQ(a0, b0);
  EXPECT_EQ(a1, b1);
  some[5] = 0.0f;
  const auto pairs_some = train(some.data(), c0, c1);
  EXPECT_LT(pairs_some, pairs_all);
  std::vector<float> init0;
  std::vector<float> tmp1;
  init0.assign(n * dim, 0.0f);
  for (size_t i = 0; i < init0.size(); ++i)
    init0[i] = 0.01f * static_cast<float>((i * 37) % 11) - 0.05f;
  for (int64_t k = 0; k < dim; ++k) {
    EXPECT_EQ(c0[5 * dim + k], init0[5 * dim + k]) << "node 5 trained as a centre";
    EXPECT_EQ(c1[5 * dim + k], 0.0f) << "node 5 used as a context";
  }
}

TEST(SgnsRef, WindowsShrinkWithinBounds) {
  SgnsSpec s;
  s.window = 5;
  std::vector<int> seen(6, 0);
  for (uint32_t w = 0; w < 2000; ++w) {
    const int b = sgns_detail::window_of(s, w, 3);
    ASSERT_GE(b, 1);
    ASSERT_LE(b, 5);
    ++seen[b];
  }
  for (int b = 1; b <= 5; ++b) EXPECT_GT(seen[b], 300) << b;
}

TEST(SgnsRef, LearningRateDecaysLinearly) {
  SgnsSpec s;
  s.lr0 = 0.025f;
  s.total_walks = 100;
  EXPECT_FLOAT_EQ(sgns_detail::learning_rate(s, 0), 0.025f);
  EXPECT_NEAR(sgns_detail::learning_rate(s, 50), 0.0125f, 1e-7);
  EXPECT_NEAR(sgns_detail::learning_rate(s, 100), 0.025f * 1e-4f, 1e-9);
}

}  // namespace
}  // namespace grl
