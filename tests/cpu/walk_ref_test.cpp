// Random walks (CPU reference): walks follow edges, dead ends end walks and are counted,
// node2vec's p and q change return and out-move frequencies exactly as the paper's weights say,
// meta-path walks follow the node types, and everything is a pure function of the seed.
#include "host/reference/walk_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "host/io/synthetic.h"
#include "host/train/skipgram.h"

namespace grl {
namespace {

Csr undirected(NodeId n, const std::vector<std::pair<NodeId, NodeId>>& edges) {
  EdgeList e;
  for (auto [a, b] : edges) {
    e.src.push_back(a);
    e.dst.push_back(b);
  }
  return build_csr(std::move(e), n, n, CsrBuildOptions{});
}

Csr cycle(NodeId n) {
  std::vector<std::pair<NodeId, NodeId>> e;
  for (NodeId v = 0; v < n; ++v) e.emplace_back(v, (v + 1) % n);
  return undirected(n, e);
}

std::vector<int32_t> run(const Csr& g, const WalkSpec& s, const std::vector<NodeId>& starts,
                         int64_t walks, unsigned long long* ended = nullptr) {
  std::vector<int32_t> out(walks * s.length, -7);
  ref::random_walks(g.view(), s,
                    Span<const NodeId>{starts.data(), static_cast<int64_t>(starts.size())}, walks,
                    out.data(), ended);
  return out;
}

TEST(WalkRef, UniformWalksFollowEdgesAndAreDeterministic) {
  SbmParams p;
  p.nodes = 500;
  p.degree = 6;
  Graph g = make_sbm(p);
  WalkSpec s;
  s.length = 30;
  s.seed = 9;
  std::vector<NodeId> starts(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) starts[v] = v;
  auto a = run(g.csr, s, starts, 1000), b = run(g.csr, s, starts, 1000);
  ASSERT_EQ(a, b);
  for (int64_t w = 0; w < 1000; ++w) {
    EXPECT_EQ(a[w * s.length], starts[w % starts.size()]);
    for (int t = 1; t < s.length; ++t) {
      const NodeId x = a[w * s.length + t - 1], y = a[w * s.length + t];
      if (y < 0) break;
      auto nb = g.csr.neighbors(x);
      ASSERT_TRUE(std::binary_search(nb.begin(), nb.end(), y)) << "walk " << w << " step " << t;
    }
  }
  // A chunk that starts later in the walk sequence equals the tail of the whole run.
  WalkSpec tail = s;
  tail.first_walk = 300;
  tail.start_offset = 300;
  auto c = run(g.csr, tail, starts, 700);
  ASSERT_TRUE(std::equal(c.begin(), c.end(), a.begin() + 300 * s.length));
  s.seed = 10;
  EXPECT_NE(run(g.csr, s, starts, 1000), a);
}

// Shuffled starts: each pass starts a walk at every start exactly once, passes (and seeds) differ
// in their order, and a later chunk is the tail of the whole run, as in node order.
TEST(WalkRef, ShuffledStartsVisitEveryStartOncePerPass) {
  const Csr g = cycle(37);
  std::vector<NodeId> starts;
  for (NodeId v = 0; v < 37; v += 2) starts.push_back(v);  // 19 starts: not a power of two
  const int64_t n = static_cast<int64_t>(starts.size());
  WalkSpec s;
  s.length = 3;
  s.seed = 5;
  s.shuffle_starts = true;
  const auto a = run(g, s, starts, 3 * n);
  std::vector<std::vector<NodeId>> order(3);
  for (int64_t w = 0; w < 3 * n; ++w) order[w / n].push_back(a[w * s.length]);
  for (auto& o : order) {
    std::vector<NodeId> sorted = o;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, starts);
  }
  EXPECT_NE(order[0], starts);  // 1 / 19! odds of equality for a random order
  EXPECT_NE(order[0], order[1]);
  EXPECT_NE(order[1], order[2]);
  WalkSpec tail = s;
  tail.first_walk = 25;
  tail.start_offset = 25;
  const auto c = run(g, tail, starts, 3 * n - 25);
  EXPECT_TRUE(std::equal(c.begin(), c.end(), a.begin() + 25 * s.length));
  s.seed = 6;
  const auto b = run(g, s, starts, n);
  std::vector<NodeId> other;
  for (int64_t w = 0; w < n; ++w) other.push_back(b[w * s.length]);
  EXPECT_NE(other, order[0]);
}

TEST(WalkRef, DeadEndsEndWalksAndAreCounted) {
  // Directed path 0 -> 1 -> 2 (2 is a sink) and an isolated node 3.
  EdgeList e;
  e.src = {0, 1};
  e.dst = {1, 2};
  CsrBuildOptions o;
  o.symmetrize = false;
  Csr g = build_csr(std::move(e), 4, 4, o);
  WalkSpec s;
  s.length = 5;
  unsigned long long ended = 0;
  auto w = run(g, s, {0, 3}, 2, &ended);
  EXPECT_EQ(std::vector<int32_t>(w.begin(), w.begin() + 5),
            (std::vector<int32_t>{0, 1, 2, -1, -1}));
  EXPECT_EQ(std::vector<int32_t>(w.begin() + 5, w.end()),
            (std::vector<int32_t>{3, -1, -1, -1, -1}));
  EXPECT_EQ(ended, 2u);
  std::vector<int64_t> counts(4, 0);
  ref::count_nodes(Span<const int32_t>{w.data(), static_cast<int64_t>(w.size())}, counts.data());
  EXPECT_EQ(counts, (std::vector<int64_t>{1, 1, 1, 1}));
}

// 32-bit offsets (WalkSpec::offsets32) give the same uniform and node2vec walks; a wrong
// offsets copy (shifted by one edge) gives different ones.
TEST(WalkRef, ThirtyTwoBitOffsetsGiveTheSameWalks) {
  SbmParams p;
  p.nodes = 400;
  p.degree = 7;
  Graph g = make_sbm(p);
  const std::vector<uint32_t> off32 = g.csr.offsets32();
  std::vector<NodeId> starts(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) starts[v] = v;
  for (auto kind : {WalkSpec::kUniform, WalkSpec::kNode2vec}) {
    WalkSpec s;
    s.kind = kind;
    s.length = 24;
    s.seed = 4;
    s.p = 0.5f;
    s.q = 2.0f;
    const auto want = run(g.csr, s, starts, 800);
    s.offsets32 = off32.data();
    EXPECT_EQ(run(g.csr, s, starts, 800), want) << "kind " << kind;
    std::vector<uint32_t> shifted = off32;
    for (size_t v = 1; v + 1 < shifted.size(); ++v) shifted[v] -= shifted[v] > 0 ? 1 : 0;
    s.offsets32 = shifted.data();
    EXPECT_NE(run(g.csr, s, starts, 800), want) << "kind " << kind;
  }
}

// On a cycle every step after the first has two choices: back (weight 1/p) or on (distance 2
// from the previous node, weight 1/q). On a complete graph K_n: back (1/p) or one of n - 2
// neighbours of the previous node (weight 1 each).
double return_fraction(const Csr& g, float p, float q, int64_t walks, int length) {
  WalkSpec s;
  s.kind = WalkSpec::kNode2vec;
  s.length = length;
  s.p = p;
  s.q = q;
  s.seed = 5;
  std::vector<NodeId> starts(g.num_rows());
  for (NodeId v = 0; v < g.num_rows(); ++v) starts[v] = v;
  auto w = run(g, s, starts, walks);
  int64_t back = 0, total = 0;
  for (int64_t k = 0; k < walks; ++k)
    for (int t = 2; t < length; ++t) {
      ++total;
      back += w[k * length + t] == w[k * length + t - 2];
    }
  return static_cast<double>(back) / total;
}

TEST(WalkRef, Node2vecReturnAndOutMovesFollowPAndQ) {
  const Csr ring = cycle(101);
  const int64_t walks = 4000;
  const int len = 25;
  // Expected P(return) = (1/p) / (1/p + 1/q); binomial standard error ~0.002 here.
  struct Case {
    float p, q;
  };
  for (Case c :
       {Case{1, 1}, Case{0.25f, 1}, Case{4, 1}, Case{1, 0.25f}, Case{1, 4}, Case{2, 0.5f}}) {
    const double expect = (1.0 / c.p) / (1.0 / c.p + 1.0 / c.q);
    const double got = return_fraction(ring, c.p, c.q, walks, len);
    EXPECT_NEAR(got, expect, 0.01) << "cycle p=" << c.p << " q=" << c.q;
  }
  // Complete graph K_6: P(return) = (1/p) / (1/p + 4), whatever q (no move leaves prev's
  // neighbourhood).
  std::vector<std::pair<NodeId, NodeId>> e;
  for (NodeId a = 0; a < 6; ++a)
    for (NodeId b = a + 1; b < 6; ++b) e.emplace_back(a, b);
  const Csr k6 = undirected(6, e);
  for (float p : {0.5f, 1.0f, 2.0f})
    for (float q : {0.5f, 2.0f}) {
      const double expect = (1.0 / p) / (1.0 / p + 4.0);
      EXPECT_NEAR(return_fraction(k6, p, q, walks, len), expect, 0.01)
          << "K6 p=" << p << " q=" << q;
    }
}

TEST(WalkRef, MetapathWalksFollowTheTypes) {
  Graph g = make_academic(AcademicParams{});
  const int32_t A = g.find_node_type("author"), P = g.find_node_type("paper"),
                V = g.find_node_type("venue");
  ASSERT_GE(A, 0);
  auto rel = [&](int32_t s, int32_t d) -> const Relation& {
    for (const Relation& r : g.relations)
      if (r.src_type == s && r.dst_type == d) return r;
    throw std::runtime_error("no relation");
  };
  WalkSpec s;
  s.kind = WalkSpec::kMetapath;
  s.length = 17;
  s.cycle = 4;  // author-paper-venue-paper-author
  const int32_t path[5] = {A, P, V, P, A};
  for (int k = 0; k < 4; ++k) {
    s.steps[k].csr = rel(path[k], path[k + 1]).csr.view();
    s.steps[k].src_begin = g.node_types[path[k]].begin;
  }
  std::vector<NodeId> starts;
  for (NodeId v = 0; v < g.node_types[A].count; ++v) starts.push_back(g.node_types[A].begin + v);
  unsigned long long ended = 0;
  auto w = run(g.csr, s, starts, static_cast<int64_t>(starts.size()), &ended);
  int64_t checked = 0;
  for (size_t k = 0; k < starts.size(); ++k)
    for (int t = 0; t < s.length; ++t) {
      const NodeId v = w[k * s.length + t];
      if (v < 0) break;
      ASSERT_EQ(g.node_type_of(v), path[t % 4]) << "walk " << k << " step " << t;
      ++checked;
    }
  EXPECT_GT(checked, static_cast<int64_t>(starts.size()) * 10);
  // Authors without papers cannot move: their walks end at once and are counted.
  int64_t lonely = 0;
  for (NodeId v : starts) lonely += rel(A, P).csr.degree(v - g.node_types[A].begin) == 0;
  EXPECT_EQ(static_cast<int64_t>(ended), lonely);
}

}  // namespace
}  // namespace grl
