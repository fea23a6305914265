// Link prediction (host/train/link_prediction.h): the edge split is exact (counts, held-out edges
// gone from the residual graph, negatives non-edges of the original, components kept, the same
// for a seed on any thread count), and the scorers give known answers on hand-made inputs.
#include "host/train/link_prediction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/synthetic.h"
#include "kernels/common/philox.h"
#include "tests/cpu/scoped_threads.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

using test::ScopedThreads;

bool has_edge(const Csr& csr, NodeId u, NodeId v) {
  std::span<const NodeId> row = csr.neighbors(u);
  return std::binary_search(row.begin(), row.end(), v);
}

// Connected components (a label per node: the smallest node id of its component).
std::vector<NodeId> components(const Csr& csr) {
  const NodeId n = csr.num_rows();
  std::vector<NodeId> comp(n, -1), stack;
  for (NodeId s = 0; s < n; ++s) {
    if (comp[s] >= 0) continue;
    comp[s] = s;
    stack.push_back(s);
    while (!stack.empty()) {
      NodeId v = stack.back();
      stack.pop_back();
      for (NodeId u : csr.neighbors(v))
        if (comp[u] < 0) comp[u] = s, stack.push_back(u);
    }
  }
  return comp;
}

Graph sbm(NodeId nodes, double degree) {
  SbmParams p;
  p.nodes = nodes;
  p.classes = 6;
  p.feature_dim = 4;
  p.degree = degree;
  p.seed = 3;
  return make_sbm(p);
}

TEST(LinkSplit, IsExact) {
  const Graph g = sbm(3000, 6);
  EdgeSplitConfig c;
  c.fraction = 0.3;
  c.negatives_per_positive = 2;
  c.seed = 5;
  const EdgeSplit s = split_edges(g, c);
  ASSERT_EQ(s.edges, g.num_edges());
  const int64_t held = std::llround(0.3 * static_cast<double>(g.num_edges()));
  ASSERT_EQ(static_cast<int64_t>(s.positives.size()), held);
  ASSERT_EQ(static_cast<int64_t>(s.negatives.size()), 2 * held);
  const Graph& r = s.residual;
  ASSERT_EQ(r.num_nodes(), g.num_nodes());
  EXPECT_EQ(r.num_edges(), g.num_edges() - held);
  EXPECT_FALSE(r.directed);
  std::set<std::pair<NodeId, NodeId>> pos(s.positives.begin(), s.positives.end());
  ASSERT_EQ(pos.size(), s.positives.size()) << "a positive is held out twice";
  for (const auto& [u, v] : s.positives) {
    EXPECT_LT(u, v);
    EXPECT_TRUE(has_edge(g.csr, u, v));
    EXPECT_FALSE(has_edge(r.csr, u, v)) << u << "-" << v << " is held out but in the residual";
    EXPECT_FALSE(has_edge(r.csr, v, u));
  }
  // Every other edge stays, in both directions.
  for (NodeId u = 0; u < g.num_nodes(); ++u)
    for (NodeId v : g.csr.neighbors(u))
      if (!pos.count({std::min(u, v), std::max(u, v)})) {
        ASSERT_TRUE(has_edge(r.csr, u, v)) << u << "-" << v;
      }
  std::set<std::pair<NodeId, NodeId>> neg(s.negatives.begin(), s.negatives.end());
  EXPECT_EQ(neg.size(), s.negatives.size()) << "a negative is drawn twice";
  for (const auto& [u, v] : s.negatives) {
    EXPECT_LT(u, v);
    EXPECT_FALSE(has_edge(g.csr, u, v)) << u << "-" << v << " is an edge of the original graph";
  }
  // The residual keeps every component connected, so no node loses its last edge.
  EXPECT_EQ(components(r.csr), components(g.csr));
  for (NodeId v = 0; v < g.num_nodes(); ++v)
    if (g.csr.degree(v) > 0) {
      ASSERT_GT(r.csr.degree(v), 0) << "node " << v;
    }
  // The protected forest has a tree per component: nodes - components edges.
  const std::vector<NodeId> comp = components(g.csr);
  const int64_t roots = std::count_if(comp.begin(), comp.end(),
                                      [v = NodeId{0}](NodeId c) mutable { return c == v++; });
  EXPECT_EQ(s.protected_edges, g.num_nodes() - roots);
  // Features, labels and names come along.
  EXPECT_EQ(r.features.dim, g.features.dim);
  EXPECT_EQ(r.labels.single, g.labels.single);
  EXPECT_EQ(r.ids.name(17), g.ids.name(17));
  EXPECT_EQ(r.stats.get("held_out_edges"), held);
}

TEST(LinkSplit, SameSeedSameSplitOnAnyThreadCount) {
  // Large enough that the parallel loops really split (chunks of 4096 items).
  const Graph g = sbm(20000, 8);
  EdgeSplitConfig c;
  c.seed = 9;
  std::optional<EdgeSplit> one, two;
  {
    ScopedThreads t(1);
    one = split_edges(g, c);
  }
  {
    ScopedThreads t(2);
    two = split_edges(g, c);
  }
  EXPECT_EQ(one->positives, two->positives);
  EXPECT_EQ(one->negatives, two->negatives);
  EXPECT_EQ(one->residual.csr.offsets.to_vector(), two->residual.csr.offsets.to_vector());
  EXPECT_EQ(one->residual.csr.indices.to_vector(), two->residual.csr.indices.to_vector());
  c.seed = 10;
  const EdgeSplit other = split_edges(g, c);
  EXPECT_NE(other.positives, one->positives);
  EXPECT_NE(other.negatives, one->negatives);
}

TEST(LinkSplit, HeldOutEdgesAreUniformOutsideTheForest) {
  // Every edge of a complete graph is as likely as any other to be held out (its symmetry makes
  // it so for any unbiased draw): over seeds each of K6's 15 edges goes 3 / 15 of the time. A
  // draw in edge order, or one favouring low ids, fails.
  // Negatives need non-edges, which K6 lacks: a seventh, isolated node provides them.
  EdgeList e;
  for (NodeId u = 0; u < 6; ++u)
    for (NodeId v = u + 1; v < 6; ++v) e.src.push_back(u), e.dst.push_back(v);
  Graph g;
  g.csr = build_csr(std::move(e), 7, 7, CsrBuildOptions{});
  g.ids = IdMap::identity(7);
  std::vector<int> count(36, 0);
  EdgeSplitConfig c;
  c.fraction = 0.2;  // 3 edges of 15; 10 can go
  constexpr int kSeeds = 2000;
  for (int seed = 0; seed < kSeeds; ++seed) {
    c.seed = seed;
    for (const auto& [u, v] : split_edges(g, c).positives) ++count[u * 6 + v];
  }
  for (NodeId u = 0; u < 6; ++u)
    for (NodeId v = u + 1; v < 6; ++v)
      EXPECT_NEAR(count[u * 6 + v] / static_cast<double>(kSeeds), 3.0 / 15, 0.04) << u << "-" << v;
}

TEST(LinkSplit, RefusesWhatItCannotSplit) {
  EdgeSplitConfig c;
  c.fraction = 0;
  EXPECT_THROW(validate(c), ConfigError);
  c.fraction = 1;
  EXPECT_THROW(validate(c), ConfigError);
  c.fraction = 0.5;
  c.negatives_per_positive = 0;
  try {
    validate(c);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "negatives_per_positive must be at least 1");
  }
  c.negatives_per_positive = 1;
  // A path is its own spanning tree: no edge can go.
  EdgeList e;
  for (NodeId v = 0; v + 1 < 10; ++v) e.src.push_back(v), e.dst.push_back(v + 1);
  Graph path;
  path.csr = build_csr(std::move(e), 10, 10, CsrBuildOptions{});
  path.ids = IdMap::identity(10);
  try {
    split_edges(path, c);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("without disconnecting"), std::string::npos) << e.what();
  }
  Graph directed = sbm(200, 4);
  directed.directed = true;
  EXPECT_THROW(split_edges(directed, c), UsageError);
  EXPECT_THROW(split_edges(make_academic(AcademicParams{}), c), UsageError);
}

TEST(LinkSplit, ResidualKeepsNamesThroughTheBinaryFormat) {
  auto dir = test::scratch_dir();
  std::string edges;
  for (int i = 0; i < 40; ++i)
    for (int d : {1, 2, 5})
      edges += "n" + std::to_string(i) + " n" + std::to_string((i + d) % 40) + "\n";
  test::write_file(dir / "e.txt", edges);
  const Graph g = load_graph("edgelist:" + (dir / "e.txt").string());
  EdgeSplitConfig c;
  c.fraction = 0.25;
  const EdgeSplit s = split_edges(g, c);
  save_grl(s.residual, (dir / "r").string());
  const Graph r = load_graph("grl:" + (dir / "r").string());
  ASSERT_EQ(r.num_nodes(), g.num_nodes());
  EXPECT_EQ(r.num_edges(), g.num_edges() - static_cast<int64_t>(s.positives.size()));
  for (NodeId v = 0; v < r.num_nodes(); ++v) EXPECT_EQ(r.ids.name(v), g.ids.name(v));
  write_link_pairs((dir / "t.tsv").string(), g, s);
  std::unordered_map<std::string, int64_t> row_of;
  for (NodeId v = 0; v < g.num_nodes(); ++v) row_of[g.ids.name(v)] = v;
  const LinkPairs p = read_link_pairs((dir / "t.tsv").string(), row_of, "emb.npy");
  ASSERT_EQ(p.size(), static_cast<int64_t>(s.positives.size() + s.negatives.size()));
  for (size_t i = 0; i < s.positives.size(); ++i) {
    EXPECT_EQ(p.a[i], s.positives[i].first);
    EXPECT_EQ(p.b[i], s.positives[i].second);
    EXPECT_EQ(p.label[i], 1);
  }
  EXPECT_EQ(p.label.back(), 0);
}

TEST(LinkSplit, KeepsWeightsAndSelfLoops) {
  auto dir = test::scratch_dir();
  std::string edges;
  for (int i = 0; i < 30; ++i) {
    for (int d : {1, 3}) {
      edges += std::to_string(i) + " " + std::to_string((i + d) % 30) + " " +
               std::to_string(i + d * 0.25) + "\n";
    }
    if (i % 5 == 0) edges += std::to_string(i) + " " + std::to_string(i) + " 9\n";
  }
  test::write_file(dir / "e.txt", edges);
  LoadOptions o;
  o.keep_self_loops = true;
  const Graph g = load_graph("edgelist:" + (dir / "e.txt").string(), o);
  ASSERT_TRUE(g.csr.weighted());
  EdgeSplitConfig c;
  c.fraction = 0.4;
  const EdgeSplit s = split_edges(g, c);
  EXPECT_EQ(s.edges, 60);  // self-loops are neither counted nor held out
  EXPECT_EQ(static_cast<int64_t>(s.positives.size()), 24);
  const Csr& r = s.residual.csr;
  ASSERT_TRUE(r.weighted());
  for (NodeId v = 0; v < r.num_rows(); ++v) {
    EXPECT_EQ(has_edge(r, v, v), has_edge(g.csr, v, v)) << "self-loop of " << v;
    for (EdgeIndex k = r.offsets[v]; k < r.offsets[v + 1]; ++k) {
      const NodeId u = r.indices[k];
      const auto row = g.csr.neighbors(v);
      const EdgeIndex at =
          g.csr.offsets[v] + (std::lower_bound(row.begin(), row.end(), u) - row.begin());
      EXPECT_EQ(r.weights[k], g.csr.weights[at]) << v << "-" << u;
    }
  }
}

TEST(LinkPairsFile, ErrorsNameFileAndLine) {
  auto dir = test::scratch_dir();
  std::unordered_map<std::string, int64_t> row_of = {{"a", 0}, {"b", 1}};
  auto message = [&](const std::string& content) -> std::string {
    test::write_file(dir / "p.tsv", content);
    try {
      read_link_pairs((dir / "p.tsv").string(), row_of, "emb.npy");
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string f = (dir / "p.tsv").string();
  EXPECT_EQ(message("a\tb\t1\n# note\nb\tzz\t0\n"),
            f + ":3: node 'zz' has no embedding in emb.npy");
  EXPECT_EQ(message("a\tb\t2\n"), f + ":1: label '2' is not 0 or 1");
  EXPECT_EQ(message("a\tb\t1\na\tb\n"), f + ":2: expected 'src dst label', got 2 fields");
}

TEST(LinkScores, EdgeOperators) {
  const float a[3] = {1, -2, 3}, b[3] = {4, 5, -1};
  float out[3];
  edge_features(EdgeOperator::kHadamard, a, b, 3, out);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{4, -10, -3}));
  edge_features(EdgeOperator::kAverage, a, b, 3, out);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{2.5f, 1.5f, 1}));
  edge_features(EdgeOperator::kL1, a, b, 3, out);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{3, 7, 4}));
  edge_features(EdgeOperator::kL2, a, b, 3, out);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{9, 49, 16}));
}

TEST(LinkScores, RocAuc) {
  // scikit-learn's roc_auc_score example: 0.75.
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);
  EXPECT_DOUBLE_EQ(roc_auc({0.1, 0.2, 0.3, 0.9}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0.9, 0.8, 0.3, 0.1}, {0, 0, 1, 1}), 0.0);
  // Ties count one half: positive 0.5 ties one of the two negatives and beats the other.
  EXPECT_DOUBLE_EQ(roc_auc({0.5, 0.5, 0.2}, {1, 0, 0}), 0.75);
  EXPECT_DOUBLE_EQ(roc_auc({1, 1, 1, 1}, {1, 0, 1, 0}), 0.5);
  EXPECT_THROW(roc_auc({1, 2}, {1, 1}), UsageError);
}

TEST(LinkScores, HitsAndMrrByHand) {
  // Negatives 4, 2, 2, 0 (descending); positives 5, 3, 1, 2.
  RankingMetrics m = ranking_metrics({5, 3, 1, 2}, {2, 0, 4, 2}, {1, 2, 3, 4, 5});
  ASSERT_EQ(m.hits.size(), 5u);
  EXPECT_EQ(m.hits[0].first, 1);
  EXPECT_DOUBLE_EQ(m.hits[0].second, 1.0 / 4);  // above 4: only 5
  EXPECT_DOUBLE_EQ(m.hits[1].second, 2.0 / 4);  // above 2: 5 and 3 (2 itself is not above)
  EXPECT_DOUBLE_EQ(m.hits[2].second, 2.0 / 4);  // the 3rd is 2 as well
  EXPECT_DOUBLE_EQ(m.hits[3].second, 1.0);      // above 0: all
  EXPECT_DOUBLE_EQ(m.hits[4].second, 1.0);      // fewer than 5 negatives: OGB counts all
  // Ranks: 5 -> 1; 3 -> 2 (4 above); 1 -> 4 (4, 2, 2 above); 2 -> 1 + 1 + 2 / 2 = 3 (4 above, two
  // ties).
  EXPECT_DOUBLE_EQ(m.mrr, (1.0 + 1.0 / 2 + 1.0 / 4 + 1.0 / 3) / 4);
}

TEST(LinkScores, SeparableEmbeddingsScorePerfectly) {
  // Positive pairs share an embedding (in the positive quadrant), negative pairs are opposite:
  // every operator separates them, and the dot product ranks every positive first.
  constexpr int kPairs = 60, kDim = 3;
  std::vector<float> x;
  LinkPairs p;
  for (int i = 0; i < 2 * kPairs; ++i) {
    float e[kDim];
    for (int k = 0; k < kDim; ++k)
      e[k] = 0.2f + random_unit(philox(1, RandomPurpose::kTest, i, k, 0).v[0]);
    const bool positive = i < kPairs;
    for (int k = 0; k < kDim; ++k) x.push_back(e[k]);
    for (int k = 0; k < kDim; ++k) x.push_back(positive ? e[k] : -e[k]);
    p.a.push_back(2 * i);
    p.b.push_back(2 * i + 1);
    p.label.push_back(positive ? 1 : 0);
  }
  LinkEvalConfig c;
  c.hits_at = {10, 50};
  c.repeats = 3;
  const LinkEvalResult r = evaluate_link_prediction(x, kDim, p, c);
  EXPECT_EQ(r.positives, kPairs);
  EXPECT_EQ(r.negatives, kPairs);
  EXPECT_EQ(r.train_pairs, kPairs);
  EXPECT_EQ(r.test_pairs, kPairs);
  ASSERT_EQ(r.auc.size(), 4u);
  for (const OperatorAuc& a : r.auc) {
    EXPECT_DOUBLE_EQ(a.mean, 1.0) << edge_operator_name(a.op);
    EXPECT_DOUBLE_EQ(a.std, 0.0) << edge_operator_name(a.op);
  }
  EXPECT_DOUBLE_EQ(r.dot_auc, 1.0);
  EXPECT_DOUBLE_EQ(r.ranking.hits[0].second, 1.0);
  EXPECT_DOUBLE_EQ(r.ranking.hits[1].second, 1.0);
  EXPECT_DOUBLE_EQ(r.ranking.mrr, 1.0);
}

TEST(LinkScores, NoSignalScoresChanceAndIsDeterministic) {
  constexpr int kNodes = 400, kDim = 8, kPairs = 600;
  std::vector<float> x(kNodes * kDim);
  for (int i = 0; i < kNodes * kDim; ++i)
    x[i] = random_uniform(philox(2, RandomPurpose::kTest, i, 0, 0).v[0], -1, 1);
  LinkPairs p;
  for (int i = 0; i < kPairs; ++i) {
    Philox4 r = philox(2, RandomPurpose::kTest, i, 1, 0);
    p.a.push_back(random_below(r.v[0], kNodes));
    p.b.push_back(random_below(r.v[1], kNodes));
    p.label.push_back(i % 2);
  }
  LinkEvalConfig c;
  std::optional<LinkEvalResult> one, two;
  {
    ScopedThreads t(1);
    one = evaluate_link_prediction(x, kDim, p, c);
  }
  {
    ScopedThreads t(2);
    two = evaluate_link_prediction(x, kDim, p, c);
  }
  for (size_t o = 0; o < one->auc.size(); ++o) {
    EXPECT_NEAR(one->auc[o].mean, 0.5, 0.06) << edge_operator_name(one->auc[o].op);
    EXPECT_GT(one->auc[o].std, 0.0) << "the repeats should differ";
    EXPECT_EQ(one->auc[o].mean, two->auc[o].mean);
    EXPECT_EQ(one->auc[o].std, two->auc[o].std);
  }
  EXPECT_NEAR(one->dot_auc, 0.5, 0.06);
  c.seed = 1;
  EXPECT_NE(evaluate_link_prediction(x, kDim, p, c).auc[0].mean, one->auc[0].mean);
  // Too few pairs of a label to split in halves.
  LinkPairs tiny{{0, 1, 2}, {1, 2, 3}, {1, 0, 0}};
  EXPECT_THROW(evaluate_link_prediction(x, kDim, tiny, c), UsageError);
  c.repeats = 0;
  EXPECT_THROW(evaluate_link_prediction(x, kDim, p, c), ConfigError);
}

}  // namespace
}  // namespace grl
