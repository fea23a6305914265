// Skip-gram pieces on the CPU: alias tables draw their weights, one positive pair moves the two
// vectors exactly as the SGNS gradient says, and the whole pipeline is deterministic.
#include "host/reference/sgns_ref.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "host/train/negative_tables.h"
#include "host/train/skipgram.h"
#include "kernels/common/philox.h"
#include "kernels/sgns_draw.h"

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

// Shared negatives: one centre (node 1 of walk [0, 1, 2], the only node in the centre range)
// with contexts 0 and 2 (slots 0 and 1) and three negatives, held in private copies whose change
// lands in syn1 when their draw group ends; computed here by hand in double precision. Span 0
// draws once for both contexts; span 1 draws afresh for the second, after the first draw's
// change has landed.
class SharedNegativesBySpan : public ::testing::TestWithParam<int> {};

TEST_P(SharedNegativesBySpan, MatchTheHandComputation) {
  const int span = GetParam();
  const int64_t dim = 4, n = 6;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> syn0(n * dim), syn1(n * dim);
  for (float& x : syn0) x = u(rng);
  for (float& x : syn1) x = u(rng);
  const std::vector<float> s0 = syn0, s1 = syn1;
  std::vector<int32_t> walk = {0, 1, 2};
  SgnsSpec s;
  s.length = 3;
  s.window = 1;
  s.negatives = 3;
  s.lr0 = 0.3f;
  s.total_walks = 1;
  s.seed = 11;
  s.share_negatives = true;
  s.shared_span = span;
  s.centre_begin = 1;
  s.centre_end = 2;
  std::vector<float> prob(n, 1.0f);
  std::vector<int32_t> alias = {0, 1, 2, 3, 4, 5};
  AliasView all{prob.data(), alias.data(), static_cast<NodeId>(n)};
  SgnsStats st;
  ref::sgns(Span<const int32_t>{walk.data(), 3}, 1, s, all, all,
            MatrixView<float>{syn0.data() + dim, 1, dim, dim},  // centre rows only
            MatrixView<float>{syn1.data(), n, dim, dim}, &st);
  EXPECT_EQ(st.pairs, 2u);

  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  std::vector<double> v(s0.begin() + dim, s0.begin() + 2 * dim), out(s1.begin(), s1.end());
  std::vector<NodeId> neg_id(3);
  std::vector<std::vector<double>> neg(3), neg0(3);
  int group = -1;
  auto flush = [&] {
    for (int q = 0; q < 3 && group >= 0; ++q)
      for (int k = 0; k < dim; ++k) out[neg_id[q] * dim + k] += neg[q][k] - neg0[q][k];
  };
  std::vector<NodeId> drawn;
  double loss = 0;
  for (int slot = 0; slot < 2; ++slot) {
    const NodeId ctx = slot == 0 ? 0 : 2;
    if ((span ? slot / span : 0) != group) {
      flush();
      group = span ? slot / span : 0;
      for (int q = 0; q < 3; ++q) {
        neg_id[q] = sgns_detail::shared_negative(s, all, 0, 1, group, q);
        neg[q] = neg0[q] =
            std::vector<double>(out.begin() + neg_id[q] * dim, out.begin() + (neg_id[q] + 1) * dim);
        drawn.push_back(neg_id[q]);
      }
    }
    std::vector<double> e(dim, 0.0);
    double f = 0;
    for (int k = 0; k < dim; ++k) f += v[k] * out[ctx * dim + k];
    double g = 0.3 * (1 - sig(f));
    loss -= std::log(sig(f));
    for (int k = 0; k < dim; ++k) {
      e[k] += g * out[ctx * dim + k];
      out[ctx * dim + k] += g * v[k];
    }
    for (int q = 0; q < 3; ++q) {
      if (neg_id[q] == ctx) continue;
      f = 0;
      for (int k = 0; k < dim; ++k) f += v[k] * neg[q][k];
      g = 0.3 * (0 - sig(f));
      loss -= std::log(1 - sig(f));
      for (int k = 0; k < dim; ++k) {
        e[k] += g * neg[q][k];
        neg[q][k] += g * v[k];
      }
    }
    for (int k = 0; k < dim; ++k) v[k] += e[k];
  }
  flush();
  if (span == 1) {  // the second draw names other nodes, so the case tells the spans apart
    EXPECT_NE(std::vector<NodeId>(drawn.begin(), drawn.begin() + 3),
              std::vector<NodeId>(drawn.begin() + 3, drawn.end()));
  }
  for (int64_t i = 0; i < n * dim; ++i) {
    EXPECT_NEAR(syn1[i], out[i], 1e-6) << "syn1 entry " << i;
    const double want0 = i >= dim && i < 2 * dim ? v[i - dim] : s0[i];
    EXPECT_NEAR(syn0[i], want0, 1e-6) << "syn0 entry " << i;
  }
  EXPECT_NEAR(st.loss, loss, 1e-5);

  // Unshared, the same window trains the same pairs with other negatives.
  s.share_negatives = false;
  std::vector<float> p0 = s0, p1 = s1;
  SgnsStats plain;
  ref::sgns(Span<const int32_t>{walk.data(), 3}, 1, s, all, all,
            MatrixView<float>{p0.data() + dim, 1, dim, dim},
            MatrixView<float>{p1.data(), n, dim, dim}, &plain);
  EXPECT_EQ(plain.pairs, st.pairs);
  EXPECT_NE(p1, syn1);
}

INSTANTIATE_TEST_SUITE_P(SgnsRef, SharedNegativesBySpan, ::testing::Values(0, 1));

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

// Row partitions: a fixed small corpus over n nodes, trained whole or in (centre, context) blocks.
struct PartitionCase {
  static constexpr NodeId n = 40;
  static constexpr int64_t dim = 5, walks = 30;
  SgnsSpec s;
  std::vector<int32_t> w;
  std::vector<double> weight;
  std::vector<float> init0, init1;
  PartitionCase() {
    s.length = 12;
    s.window = 3;
    s.negatives = 3;
    s.lr0 = 0.05f;
    s.seed = 9;
    s.total_walks = walks;
    w.resize(walks * s.length);
    for (size_t i = 0; i < w.size(); ++i) {
      const uint32_t r = philox(4, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0).v[0];
      w[i] = static_cast<int32_t>(r % n);
    }
    w[3 * s.length + 7] = -1;  // one walk ends early
    for (int j = 8; j < s.length; ++j) w[3 * s.length + j] = -1;
    for (NodeId v = 0; v < n; ++v) weight.push_back(1.0 + v % 7);
    init0.resize(n * dim);
    init1.resize(n * dim);
    for (size_t i = 0; i < init0.size(); ++i) {
      init0[i] = random_uniform(
          philox(5, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0).v[0], -0.2f, 0.2f);
      init1[i] = random_uniform(
          philox(6, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0).v[0], -0.2f, 0.2f);
    }
  }
  // Alias tables with one segment per block [cuts[k], cuts[k + 1]).
  void tables(const std::vector<int64_t>& cuts, std::vector<float>& prob,
              std::vector<int32_t>& alias) const {
    prob.assign(n, 0.0f);
    alias.assign(n, 0);
    for (size_t k = 0; k + 1 < cuts.size(); ++k)
      build_alias_table(weight, cuts[k], cuts[k + 1], prob, alias);
  }
  SgnsStats train(const SgnsSpec& t, const AliasView& all, float* syn0, NodeId rows0, float* syn1,
                  NodeId rows1) const {
    SgnsStats st;
    ref::sgns(Span<const int32_t>{w.data(), static_cast<int64_t>(w.size())}, walks, t, all, all,
              MatrixView<float>{syn0, rows0, dim, dim}, MatrixView<float>{syn1, rows1, dim, dim},
              &st);
    return st;
  }
};

TEST(SgnsRef, RangesCoveringEverythingChangeNothing) {
  PartitionCase pc;
  std::vector<float> prob, a0 = pc.init0, a1 = pc.init1, b0 = pc.init0, b1 = pc.init1;
  std::vector<int32_t> alias;
  pc.tables({0, pc.n}, prob, alias);
  AliasView all{prob.data(), alias.data(), pc.n};
  const SgnsStats sa = pc.train(pc.s, all, a0.data(), pc.n, a1.data(), pc.n);
  SgnsSpec t = pc.s;
  t.centre_begin = t.context_begin = 0;
  t.centre_end = t.context_end = pc.n;
  const SgnsStats sb = pc.train(t, all, b0.data(), pc.n, b1.data(), pc.n);
  EXPECT_GT(sa.pairs, 0u);
  EXPECT_EQ(sa.pairs, sb.pairs);
  EXPECT_EQ(sa.loss, sb.loss);
  EXPECT_EQ(a0, b0);
  EXPECT_EQ(a1, b1);
}

// The chunk's draws taken once up front (SgnsSpec::position_draws, as the CPU rounds do) train
// exactly what drawing them in the pass does: with subsampling, a walk that ends early, whole
// and restricted passes.
TEST(SgnsRef, PositionDrawsTakenUpFrontChangeNothing) {
  PartitionCase pc;
  std::vector<float> prob, keep(pc.n);
  std::vector<int32_t> alias;
  for (NodeId v = 0; v < pc.n; ++v) keep[v] = 0.3f + 0.1f * static_cast<float>(v % 8);
  std::vector<int64_t> cuts = {0, 15, pc.n};
  pc.tables(cuts, prob, alias);
  AliasView all{prob.data(), alias.data(), pc.n};
  SgnsSpec base = pc.s;
  base.keep = keep.data();
  base.first_walk = 5;
  std::vector<uint8_t> drawn(pc.w.size());
  for (int64_t k = 0; k < PartitionCase::walks; ++k)
    for (int j = 0; j < base.length; ++j)
      drawn[k * base.length + j] = sgns_detail::position_draw(
          base, pc.w.data() + k * base.length, static_cast<uint32_t>(base.first_walk + k), j);
  for (int restricted = 0; restricted < 2; ++restricted) {
    SgnsSpec t = base;
    if (restricted) {
      t.centre_begin = t.context_begin = 15;
      t.centre_end = t.context_end = pc.n;
    }
    std::vector<float> a0 = pc.init0, a1 = pc.init1, b0 = pc.init0, b1 = pc.init1;
    const SgnsStats sa = pc.train(t, all, a0.data(), pc.n, a1.data(), pc.n);
    t.position_draws = drawn.data();
    const SgnsStats sb = pc.train(t, all, b0.data(), pc.n, b1.data(), pc.n);
    EXPECT_GT(sa.pairs, 0u);
    EXPECT_EQ(sa.pairs, sb.pairs) << restricted;
    EXPECT_EQ(sa.loss, sb.loss) << restricted;
    EXPECT_EQ(a0, b0) << restricted;
    EXPECT_EQ(a1, b1) << restricted;
  }
}

// All P x P (centre block, context block) passes, each on copies of its two blocks (as the
// trainer does), train exactly the pairs of one unrestricted pass.
TEST(SgnsRef, BlockPassesTrainEveryPairOnce) {
  PartitionCase pc;
  std::vector<float> prob, a0 = pc.init0, a1 = pc.init1;
  std::vector<int32_t> alias;
  pc.tables({0, pc.n}, prob, alias);
  const SgnsStats whole =
      pc.train(pc.s, AliasView{prob.data(), alias.data(), pc.n}, a0.data(), pc.n, a1.data(), pc.n);
  for (int P : {2, 3, 7}) {
    std::vector<int64_t> cuts(P + 1);
    for (int k = 0; k <= P; ++k) cuts[k] = int64_t{pc.n} * k / P;
    pc.tables(cuts, prob, alias);
    AliasView all{prob.data(), alias.data(), pc.n};
    std::vector<float> s0 = pc.init0, s1 = pc.init1;
    unsigned long long pairs = 0;
    for (int a = 0; a < P; ++a)
      for (int b = 0; b < P; ++b) {
        const int64_t d = PartitionCase::dim;
        std::vector<float> blk0(s0.begin() + cuts[a] * d, s0.begin() + cuts[a + 1] * d);
        std::vector<float> blk1(s1.begin() + cuts[b] * d, s1.begin() + cuts[b + 1] * d);
        SgnsSpec t = pc.s;
        t.centre_begin = static_cast<NodeId>(cuts[a]);
        t.centre_end = static_cast<NodeId>(cuts[a + 1]);
        t.context_begin = static_cast<NodeId>(cuts[b]);
        t.context_end = static_cast<NodeId>(cuts[b + 1]);
        pairs += pc.train(t, all, blk0.data(), static_cast<NodeId>(cuts[a + 1] - cuts[a]),
                          blk1.data(), static_cast<NodeId>(cuts[b + 1] - cuts[b]))
                     .pairs;
        std::copy(blk0.begin(), blk0.end(), s0.begin() + cuts[a] * d);
        std::copy(blk1.begin(), blk1.end(), s1.begin() + cuts[b] * d);
      }
    EXPECT_EQ(pairs, whole.pairs) << P << " partitions";
    EXPECT_NE(s0, pc.init0);
  }
}

// A restricted pass touches only its blocks: syn0 rows outside the centre range and syn1 rows
// outside the context range stay as they were (the views point into the whole tables, so a
// wrong row or a negative drawn outside the context block would show), and every negative drawn
// lies in the context range intersected with the context's type.
TEST(SgnsRef, RestrictedPassStaysInsideItsBlocks) {
  PartitionCase pc;
  const NodeId c0 = 10, c1 = 23, u0 = 17, u1 = 33;
  std::vector<float> prob;
  std::vector<int32_t> alias;
  pc.tables({0, u0, u1, pc.n}, prob, alias);
  AliasView all{prob.data(), alias.data(), pc.n};
  SgnsSpec t = pc.s;
  t.centre_begin = c0;
  t.centre_end = c1;
  t.context_begin = u0;
  t.context_end = u1;
  std::vector<float> s0 = pc.init0, s1 = pc.init1;
  const int64_t d = PartitionCase::dim;
  const SgnsStats st = pc.train(t, all, s0.data() + c0 * d, c1 - c0, s1.data() + u0 * d, u1 - u0);
  EXPECT_GT(st.pairs, 0u);
  bool inside0 = false, inside1 = false;
  for (NodeId v = 0; v < pc.n; ++v)
    for (int64_t k = 0; k < d; ++k) {
      const size_t i = static_cast<size_t>(v * d + k);
      if (v < c0 || v >= c1)
        ASSERT_EQ(s0[i], pc.init0[i]) << "syn0 row " << v << " outside the centre range";
      else
        inside0 |= s0[i] != pc.init0[i];
      if (v < u0 || v >= u1)
        ASSERT_EQ(s1[i], pc.init1[i]) << "syn1 row " << v << " outside the context range";
      else
        inside1 |= s1[i] != pc.init1[i];
    }
  EXPECT_TRUE(inside0);
  EXPECT_TRUE(inside1);
  // Negatives directly, typed too: types [0, 20) and [20, 40), so a context of type 0 draws
  // from [17, 20) and one of type 1 from [20, 33).
  SgnsSpec ty = t;
  ty.typed_negatives = true;
  ty.num_types = 2;
  ty.type_begin[0] = 0;
  ty.type_begin[1] = 20;
  ty.type_begin[2] = pc.n;
  std::vector<float> tprob;
  std::vector<int32_t> talias;
  pc.tables({0, u0, 20, u1, pc.n}, tprob, talias);
  AliasView typed{tprob.data(), talias.data(), pc.n};
  std::vector<int> seen(pc.n, 0);
  for (uint32_t walk = 0; walk < 3000; ++walk)
    for (int k = 0; k < 4; ++k) {
      const NodeId a = sgns_detail::negative(t, all, all, walk, 2, 1, k, u0 + 1);
      ASSERT_GE(a, u0);
      ASSERT_LT(a, u1);
      const NodeId b = sgns_detail::negative(ty, all, typed, walk, 2, 1, k, 18);
      ASSERT_GE(b, u0);
      ASSERT_LT(b, 20);
      const NodeId c = sgns_detail::negative(ty, all, typed, walk, 2, 1, k, 25);
      ASSERT_GE(c, 20);
      ASSERT_LT(c, u1);
      ++seen[a];
    }
  for (NodeId v = u0; v < u1; ++v) EXPECT_GT(seen[v], 0) << v;
}

// A span covering every slot of the widest window is one draw per window: span 0 exactly.
TEST(SgnsRef, SharedSpanCoveringTheWindowIsOneDraw) {
  PartitionCase pc;
  std::vector<float> prob;
  std::vector<int32_t> alias;
  pc.tables({0, pc.n}, prob, alias);
  const AliasView all{prob.data(), alias.data(), pc.n};
  SgnsSpec t = pc.s;
  t.share_negatives = true;
  std::vector<float> a0 = pc.init0, a1 = pc.init1, b0 = pc.init0, b1 = pc.init1;
  std::vector<float> c0 = pc.init0, c1 = pc.init1;
  const SgnsStats sa = pc.train(t, all, a0.data(), pc.n, a1.data(), pc.n);
  t.shared_span = 2 * t.window;
  const SgnsStats sb = pc.train(t, all, b0.data(), pc.n, b1.data(), pc.n);
  t.shared_span = 2;
  const SgnsStats sc = pc.train(t, all, c0.data(), pc.n, c1.data(), pc.n);
  EXPECT_EQ(sa.loss, sb.loss);
  EXPECT_EQ(a0, b0);
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(sa.pairs, sc.pairs);
  EXPECT_NE(a1, c1);
}

// The lock-step model of the GPU kernel's concurrency (ref::sgns_lockstep): one warp is the
// serial reference bit for bit, with stores or atomic adds, over whole and restricted ranges and
// with subsampling; more warps train the same pairs in another order.
TEST(SgnsRef, LockstepWithOneWarpIsTheSerialReference) {
  PartitionCase pc;
  std::vector<float> prob, keep(pc.n);
  std::vector<int32_t> alias;
  pc.tables({0, 10, 30, pc.n}, prob, alias);  // negatives drawn inside the block [10, 30)
  for (NodeId v = 0; v < pc.n; ++v) keep[v] = v % 5 == 0 ? 0.5f : 1.0f;
  const AliasView all{prob.data(), alias.data(), pc.n};
  const Span<const int32_t> walks{pc.w.data(), static_cast<int64_t>(pc.w.size())};
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    SgnsSpec t = pc.s;
    t.atomic_updates = variant == 1;
    NodeId first = 0, rows = pc.n;
    if (variant == 2) {  // one (centre block, context block) pass, with subsampling
      t.keep = keep.data();
      t.centre_begin = t.context_begin = first = 10;
      t.centre_end = t.context_end = 30;
      rows = 20;
    }
    auto view = [&](std::vector<float>& m) {
      return MatrixView<float>{m.data() + first * pc.dim, rows, pc.dim, pc.dim};
    };
    std::vector<float> a0 = pc.init0, a1 = pc.init1, b0 = pc.init0, b1 = pc.init1;
    std::vector<float> c0 = pc.init0, c1 = pc.init1;
    SgnsStats sa, sb, sc;
    ref::sgns(walks, pc.walks, t, all, all, view(a0), view(a1), &sa);
    ref::sgns_lockstep(walks, pc.walks, t, all, all, view(b0), view(b1), &sb, 1);
    ref::sgns_lockstep(walks, pc.walks, t, all, all, view(c0), view(c1), &sc, 7);
    EXPECT_GT(sa.pairs, 0u);
    EXPECT_EQ(sa.pairs, sb.pairs);
    EXPECT_EQ(sa.loss, sb.loss);
    EXPECT_EQ(a0, b0);
    EXPECT_EQ(a1, b1);
    EXPECT_EQ(sa.pairs, sc.pairs);
    EXPECT_NE(a1, c1);
  }
}

// The L1 model: one SM's cache sees every write to its rows (its own warps make them all), so
// with up to 64 warps it changes nothing; with several SMs, reads of rows other SMs have
// written since go stale and the training changes.
TEST(SgnsRef, LockstepL1IsCoherentWithinAnSmOnly) {
  PartitionCase pc;
  std::vector<float> prob;
  std::vector<int32_t> alias;
  pc.tables({0, pc.n}, prob, alias);
  const AliasView all{prob.data(), alias.data(), pc.n};
  const Span<const int32_t> walks{pc.w.data(), static_cast<int64_t>(pc.w.size())};
  auto view = [&](std::vector<float>& m) {
    return MatrixView<float>{m.data(), pc.n, pc.dim, pc.dim};
  };
  for (bool atomic : {false, true}) {
    SCOPED_TRACE(atomic);
    SgnsSpec t = pc.s;
    t.atomic_updates = atomic;
    auto train = [&](int warps, int l1_rows, std::vector<float>& s0, std::vector<float>& s1) {
      s0 = pc.init0, s1 = pc.init1;
      SgnsStats st;
      ref::sgns_lockstep(walks, pc.walks, t, all, all, view(s0), view(s1), &st, warps, l1_rows);
      return st;
    };
    std::vector<float> a0, a1, b0, b1;
    const SgnsStats sa = train(50, 0, a0, a1);
    const SgnsStats sb = train(50, 8, b0, b1);  // one SM: 8 rows, evicting all the time
    EXPECT_EQ(sa.loss, sb.loss);
    EXPECT_EQ(a0, b0);
    EXPECT_EQ(a1, b1);
    train(200, 0, a0, a1);   // four SMs (the last one partly used)
    train(200, 80, b0, b1);  // every row fits: nothing ever refetched
    EXPECT_NE(a1, b1);
  }
}

// Two warps update one output row in the same step: a store keeps the last warp's update only,
// an atomic add keeps both. The centre rows get both deltas either way.
TEST(SgnsRef, LockstepStoresLoseConcurrentUpdatesAtomicsKeepThem) {
  // Two copies of walk [0, 1], window 1, no negatives: four centres, all in the first step.
  const int64_t dim = 3;
  const std::vector<float> s0 = {0.1f, -0.2f, 0.3f, 0.05f, 0.4f, -0.1f};
  const std::vector<float> s1 = {0.2f, 0.1f, -0.3f, -0.4f, 0.2f, 0.5f};
  std::vector<int32_t> walks = {0, 1, 0, 1};
  SgnsSpec s;
  s.length = 2;
  s.window = 1;
  s.negatives = 0;
  s.lr0 = 0.5f;
  s.total_walks = 2;  // walk 0 trains at lr 0.5, walk 1 at 0.25
  std::vector<float> prob = {1, 1};
  std::vector<int32_t> alias = {0, 1};
  AliasView all{prob.data(), alias.data(), 2};
  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  for (bool atomic : {false, true}) {
    SCOPED_TRACE(atomic);
    s.atomic_updates = atomic;
    std::vector<float> syn0 = s0, syn1 = s1;
    SgnsStats st;
    ref::sgns_lockstep(Span<const int32_t>{walks.data(), 4}, 2, s, all, all,
                       MatrixView<float>{syn0.data(), 2, dim, dim},
                       MatrixView<float>{syn1.data(), 2, dim, dim}, &st, 4);
    EXPECT_EQ(st.pairs, 4u);
    // Centre a against context b (both read before any write), at the two walks' rates.
    for (int a = 0; a < 2; ++a) {
      const int b = 1 - a;
      double f = 0;
      for (int k = 0; k < dim; ++k) f += s0[a * dim + k] * s1[b * dim + k];
      const double g0 = 0.5 * (1 - sig(f)), g1 = 0.25 * (1 - sig(f));
      for (int k = 0; k < dim; ++k) {
        const double out = s1[b * dim + k] + (atomic ? g0 + g1 : g1) * s0[a * dim + k];
        EXPECT_NEAR(syn1[b * dim + k], out, 1e-6) << "syn1 row " << b << " dim " << k;
        const double in = s0[a * dim + k] + (g0 + g1) * s1[b * dim + k];
        EXPECT_NEAR(syn0[a * dim + k], in, 1e-6) << "syn0 row " << a << " dim " << k;
      }
    }
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
