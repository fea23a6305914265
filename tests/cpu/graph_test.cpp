// The graph layer: build_csr (symmetrisation, self-loops, duplicates, weights, errors),
// transpose, Graph::reverse and num_edges, random_split, IdMap and degree_stats.
#include "host/graph/graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "host/core/error.h"

namespace grl {
namespace {

EdgeList edges(std::vector<NodeId> src, std::vector<NodeId> dst, std::vector<float> w = {}) {
  EdgeList e;
  e.src = std::move(src);
  e.dst = std::move(dst);
  e.weight = std::move(w);
  return e;
}

template <class T>
std::vector<T> vec(const Array<T>& a) {
  return a.to_vector();
}

std::vector<NodeId> row(const Csr& csr, NodeId r) {
  auto nb = csr.neighbors(r);
  return {nb.begin(), nb.end()};
}

CsrBuildOptions options(bool symmetrize, bool drop_self_loops, bool merge_duplicates = true) {
  CsrBuildOptions o;
  o.symmetrize = symmetrize;
  o.drop_self_loops = drop_self_loops;
  o.merge_duplicates = merge_duplicates;
  return o;
}

// ---- build_csr ---------------------------------------------------------------------------------

TEST(CsrTest, DirectedRowsSorted) {
  CsrBuildStats st;
  Csr c = build_csr(edges({0, 0, 2, 0, 1}, {3, 1, 0, 2, 3}), 4, 4, options(false, true), &st);
  EXPECT_EQ(vec(c.offsets), (std::vector<EdgeIndex>{0, 3, 4, 5, 5}));
  EXPECT_EQ(vec(c.indices), (std::vector<NodeId>{1, 2, 3, 3, 0}));
  EXPECT_FALSE(c.weighted());
  EXPECT_EQ(c.num_rows(), 4);
  EXPECT_EQ(c.num_edges(), 5);
  EXPECT_EQ(c.degree(0), 3);
  EXPECT_EQ(c.degree(3), 0);
  EXPECT_EQ(st.input_edges, 5);
  EXPECT_EQ(st.self_loops, 0);
  EXPECT_EQ(st.duplicates, 0);
}

TEST(CsrTest, SymmetrizeStoresBothDirections) {
  Csr c = build_csr(edges({0, 1, 3}, {1, 2, 1}), 4, 4, options(true, true));
  EXPECT_EQ(row(c, 0), (std::vector<NodeId>{1}));
  EXPECT_EQ(row(c, 1), (std::vector<NodeId>{0, 2, 3}));
  EXPECT_EQ(row(c, 2), (std::vector<NodeId>{1}));
  EXPECT_EQ(row(c, 3), (std::vector<NodeId>{1}));
  EXPECT_EQ(c.num_edges(), 6);
}

TEST(CsrTest, SelfLoopsDroppedAndCounted) {
  CsrBuildStats st;
  Csr c = build_csr(edges({0, 1, 1, 2}, {0, 1, 2, 2}), 3, 3, options(true, true), &st);
  EXPECT_EQ(st.self_loops, 3);
  EXPECT_EQ(row(c, 0), (std::vector<NodeId>{}));
  EXPECT_EQ(row(c, 1), (std::vector<NodeId>{2}));
  EXPECT_EQ(row(c, 2), (std::vector<NodeId>{1}));
}

TEST(CsrTest, SelfLoopsKeptOnceWhenSymmetrising) {
  CsrBuildStats st;
  Csr c = build_csr(edges({0, 1, 1}, {0, 1, 2}), 3, 3, options(true, false), &st);
  EXPECT_EQ(st.self_loops, 0);
  EXPECT_EQ(row(c, 0), (std::vector<NodeId>{0}));  // stored once, not twice
  EXPECT_EQ(row(c, 1), (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(row(c, 2), (std::vector<NodeId>{1}));
  Csr d = build_csr(edges({2}, {2}), 3, 3, options(false, false));
  EXPECT_EQ(row(d, 2), (std::vector<NodeId>{2}));
}

TEST(CsrTest, DuplicatesMergedAndCounted) {
  CsrBuildStats st;
  // (0,1) three times, (1,0) once: after symmetrisation row 0 holds 1 four times, row 1 holds 0
  // four times; six entries are merged away.
  Csr c = build_csr(edges({0, 0, 1, 0}, {1, 1, 0, 1}), 2, 2, options(true, true), &st);
  EXPECT_EQ(st.duplicates, 6);
  EXPECT_EQ(vec(c.indices), (std::vector<NodeId>{1, 0}));
  CsrBuildStats st_directed;
  Csr d = build_csr(edges({0, 0, 1, 0}, {1, 1, 0, 1}), 2, 2, options(false, true), &st_directed);
  EXPECT_EQ(st_directed.duplicates, 2);
  EXPECT_EQ(row(d, 0), (std::vector<NodeId>{1}));
  EXPECT_EQ(row(d, 1), (std::vector<NodeId>{0}));
}

TEST(CsrTest, DuplicatesKeptWhenNotMerging) {
  CsrBuildStats st;
  Csr c = build_csr(edges({0, 0, 0}, {1, 1, 2}), 3, 3, options(false, true, false), &st);
  EXPECT_EQ(st.duplicates, 0);
  EXPECT_EQ(row(c, 0), (std::vector<NodeId>{1, 1, 2}));
}

TEST(CsrTest, WeightsFollowEdgesAndDuplicateKeepsLargest) {
  CsrBuildStats st;
  Csr c = build_csr(edges({0, 0, 0, 2}, {2, 1, 2, 0}, {0.5f, 3.0f, 7.0f, 2.0f}), 3, 3,
                    options(false, true), &st);
  ASSERT_TRUE(c.weighted());
  EXPECT_EQ(st.duplicates, 1);
  EXPECT_EQ(row(c, 0), (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(vec(c.weights), (std::vector<float>{3.0f, 7.0f, 2.0f}));
  // Symmetrised: the reverse entry carries the same weight; the largest of (0,2)=0.5,
  // (0,2)=7 and (2,0)=2 wins in both rows.
  Csr s = build_csr(edges({0, 0, 0, 2}, {2, 1, 2, 0}, {0.5f, 3.0f, 7.0f, 2.0f}), 3, 3,
                    options(true, true));
  EXPECT_EQ(vec(s.offsets), (std::vector<EdgeIndex>{0, 2, 3, 4}));
  EXPECT_EQ(vec(s.indices), (std::vector<NodeId>{1, 2, 0, 0}));
  EXPECT_EQ(vec(s.weights), (std::vector<float>{3.0f, 7.0f, 3.0f, 7.0f}));
}

TEST(CsrTest, OutOfRangeThrows) {
  EXPECT_THROW(build_csr(edges({0, 3}, {1, 0}), 3, 3, options(true, true)), Error);
  EXPECT_THROW(build_csr(edges({0}, {3}), 3, 3, options(false, true)), Error);
  EXPECT_THROW(build_csr(edges({-1}, {0}), 3, 3, options(false, true)), Error);
  EXPECT_THROW(build_csr(edges({0}, {-2}), 3, 3, options(false, true)), Error);
  // Rectangular edge lists cannot be symmetrised.
  EXPECT_THROW(build_csr(edges({0}, {1}), 2, 3, options(true, true)), Error);
  Csr rect = build_csr(edges({0, 1}, {2, 0}), 2, 3, options(false, true));
  EXPECT_EQ(rect.num_rows(), 2);
  EXPECT_EQ(vec(rect.indices), (std::vector<NodeId>{2, 0}));
}

TEST(CsrTest, EmptyEdgeListAndIsolatedNodes) {
  CsrBuildStats st;
  Csr none = build_csr(EdgeList{}, 0, 0, options(true, true), &st);
  EXPECT_EQ(none.num_rows(), 0);
  EXPECT_EQ(none.num_edges(), 0);
  EXPECT_EQ(st.input_edges, 0);
  Csr isolated = build_csr(EdgeList{}, 4, 4, options(true, true));
  EXPECT_EQ(isolated.num_rows(), 4);
  EXPECT_EQ(vec(isolated.offsets), (std::vector<EdgeIndex>{0, 0, 0, 0, 0}));
  Csr some = build_csr(edges({1}, {3}), 6, 6, options(true, true));
  EXPECT_EQ(vec(some.offsets), (std::vector<EdgeIndex>{0, 0, 1, 1, 2, 2, 2}));
}

TEST(CsrTest, LargeRandomMatchesSetModel) {
  // Enough edges for several worker chunks; compare with a std::set model.
  const NodeId n = 500;
  EdgeList e;
  std::vector<std::set<NodeId>> model(n);
  int64_t loops = 0;
  uint32_t x = 12345;
  for (int i = 0; i < 40000; ++i) {
    x = x * 1664525u + 1013904223u;
    NodeId s = static_cast<NodeId>((x >> 8) % n);
    x = x * 1664525u + 1013904223u;
    NodeId d = static_cast<NodeId>((x >> 8) % (i % 7 == 0 ? 20 : n));  // some dense rows
    e.src.push_back(s);
    e.dst.push_back(d);
    if (s == d) {
      ++loops;
      continue;
    }
    model[s].insert(d);
    model[d].insert(s);
  }
  CsrBuildStats st;
  Csr c = build_csr(std::move(e), n, n, options(true, true), &st);
  EXPECT_EQ(st.self_loops, loops);
  int64_t entries = 0;
  for (NodeId v = 0; v < n; ++v) {
    ASSERT_EQ(row(c, v), std::vector<NodeId>(model[v].begin(), model[v].end())) << "row " << v;
    entries += static_cast<int64_t>(model[v].size());
  }
  EXPECT_EQ(st.duplicates, 2 * (40000 - loops) - entries);
}

// ---- transpose ---------------------------------------------------------------------------------

TEST(CsrTest, TransposeRoundTripWithWeights) {
  Csr c = build_csr(edges({0, 0, 1, 2, 2}, {1, 3, 3, 0, 1}, {1.f, 2.f, 3.f, 4.f, 5.f}), 3, 4,
                    options(false, true));
  Csr t = transpose(c, 4);
  ASSERT_EQ(t.num_rows(), 4);
  EXPECT_EQ(row(t, 0), (std::vector<NodeId>{2}));
  EXPECT_EQ(row(t, 1), (std::vector<NodeId>{0, 2}));
  EXPECT_EQ(row(t, 2), (std::vector<NodeId>{}));
  EXPECT_EQ(row(t, 3), (std::vector<NodeId>{0, 1}));
  EXPECT_EQ(vec(t.weights), (std::vector<float>{4.f, 1.f, 5.f, 2.f, 3.f}));
  Csr back = transpose(t, 3);
  EXPECT_EQ(vec(back.offsets), vec(c.offsets));
  EXPECT_EQ(vec(back.indices), vec(c.indices));
  EXPECT_EQ(vec(back.weights), vec(c.weights));
  Csr unweighted = transpose(build_csr(edges({0}, {1}), 2, 2, options(false, true)), 2);
  EXPECT_FALSE(unweighted.weighted());
}

// ---- Graph -------------------------------------------------------------------------------------

TEST(GraphTest, ReverseOfDirectedIsTranspose) {
  Graph g;
  g.directed = true;
  g.csr = build_csr(edges({0, 0, 2}, {1, 2, 1}), 3, 3, options(false, true));
  const Csr& r = g.reverse();
  EXPECT_EQ(row(r, 0), (std::vector<NodeId>{}));
  EXPECT_EQ(row(r, 1), (std::vector<NodeId>{0, 2}));
  EXPECT_EQ(row(r, 2), (std::vector<NodeId>{0}));
  EXPECT_EQ(&g.reverse(), &r);  // built once
  EXPECT_EQ(g.num_edges(), 3);
}

TEST(GraphTest, ReverseOfUndirectedIsItself) {
  Graph g;
  g.csr = build_csr(edges({0, 1}, {1, 2}), 3, 3, options(true, true));
  EXPECT_EQ(&g.reverse(), &g.csr);
  EXPECT_EQ(g.num_edges(), 2);
  EXPECT_EQ(g.num_edge_entries(), 4);
}

TEST(GraphTest, NumEdgesCountsUndirectedSelfLoopsOnce) {
  Graph g;
  g.csr = build_csr(edges({0, 1, 2, 2}, {1, 1, 2, 0}), 3, 3, options(true, false));
  // Entries: 0-1 both ways, 2-0 both ways, loops 1-1 and 2-2 once each.
  EXPECT_EQ(g.num_edge_entries(), 6);
  EXPECT_EQ(g.num_edges(), 4);
  g.directed = true;
  EXPECT_EQ(g.num_edges(), 6);
}

TEST(GraphTest, NodeTypesAndStats) {
  Graph g;
  g.csr = build_csr(EdgeList{}, 5, 5, options(true, true));
  EXPECT_FALSE(g.heterogeneous());
  EXPECT_EQ(g.node_type_of(3), 0);
  g.node_types = {{"author", 0, 2}, {"paper", 2, 3}};
  EXPECT_TRUE(g.heterogeneous());
  EXPECT_EQ(g.node_type_of(1), 0);
  EXPECT_EQ(g.node_type_of(2), 1);
  EXPECT_EQ(g.node_type_of(4), 1);
  EXPECT_EQ(g.find_node_type("paper"), 1);
  EXPECT_EQ(g.find_node_type("venue"), -1);
  g.stats.add("dups", 2);
  g.stats.add("dups", 3);
  EXPECT_EQ(g.stats.get("dups"), 5);
  EXPECT_EQ(g.stats.get("absent"), 0);
}

TEST(GraphTest, DegreeStats) {
  Csr c = build_csr(edges({0, 0, 0, 1}, {1, 2, 3, 2}), 5, 5, options(true, true));
  DegreeStats d = degree_stats(c);
  EXPECT_EQ(d.min, 0);
  EXPECT_EQ(d.max, 3);
  EXPECT_EQ(d.isolated, 1);
  EXPECT_DOUBLE_EQ(d.mean, 8.0 / 5);
  DegreeStats none = degree_stats(Csr{});
  EXPECT_EQ(none.max, 0);
  EXPECT_EQ(none.isolated, 0);
}

// ---- random_split
// --------------------------------------------------------------------------------

Labels single_labels(std::vector<int32_t> y, int32_t k) {
  Labels l;
  l.num_classes = k;
  l.single = std::move(y);
  return l;
}

TEST(SplitTest, DisjointCoversLabelledOnlyWithSizes) {
  const NodeId n = 1000;
  std::vector<int32_t> y(n);
  for (NodeId v = 0; v < n; ++v) y[v] = v % 10 == 0 ? -1 : v % 3;  // 100 unlabelled
  Labels labels = single_labels(y, 3);
  Split s = random_split(labels, n, 0.6, 0.2, 0.2, 7);
  EXPECT_EQ(s.train.size(), 540u);
  EXPECT_EQ(s.valid.size(), 180u);
  EXPECT_EQ(s.test.size(), 180u);
  std::set<NodeId> all;
  for (const auto* part : {&s.train, &s.valid, &s.test}) {
    EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
    for (NodeId v : *part) {
      EXPECT_GE(y[v], 0) << "unlabelled node " << v << " in a split";
      EXPECT_TRUE(all.insert(v).second) << "node " << v << " in two sets";
    }
  }
  EXPECT_EQ(all.size(), 900u);
}

TEST(SplitTest, PartialFractionsLeaveNodesOut) {
  Split s = random_split(Labels{}, 200, 0.1, 0.1, 0.3, 1);  // no labels: every node counts
  EXPECT_EQ(s.train.size(), 20u);
  EXPECT_EQ(s.valid.size(), 20u);
  EXPECT_EQ(s.test.size(), 60u);
}

TEST(SplitTest, MultiLabelCountsNodesWithAnyLabel) {
  Labels l;
  l.num_classes = 2;
  l.multi_label = true;
  l.multi_offsets = {0, 1, 1, 3, 4};  // node 1 has no label
  l.multi_classes = {0, 0, 1, 1};
  Split s = random_split(l, 4, 1.0, 0.0, 0.0, 3);
  EXPECT_EQ(s.train, (std::vector<NodeId>{0, 2, 3}));
  EXPECT_TRUE(s.valid.empty());
  EXPECT_TRUE(s.test.empty());
}

TEST(SplitTest, DeterministicPerSeed) {
  Labels none;
  Split a = random_split(none, 5000, 0.5, 0.25, 0.25, 11);
  Split b = random_split(none, 5000, 0.5, 0.25, 0.25, 11);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.valid, b.valid);
  EXPECT_EQ(a.test, b.test);
  Split c = random_split(none, 5000, 0.5, 0.25, 0.25, 12);
  EXPECT_NE(a.train, c.train);
  EXPECT_EQ(a.train.size(), c.train.size());
}

TEST(SplitTest, BadFractionsAreUsageErrors) {
  Labels none;
  EXPECT_THROW(random_split(none, 10, -0.1, 0.5, 0.5, 1), UsageError);
  EXPECT_THROW(random_split(none, 10, 0.6, 0.3, 0.3, 1), UsageError);
  EXPECT_THROW(random_split(none, 10, 0, 0, 0, 1), UsageError);
  EXPECT_NO_THROW(random_split(none, 10, 0.7, 0.2, 0.1, 1));
  EXPECT_NO_THROW(random_split(none, 0, 0.7, 0.2, 0.1, 1));
}

// ---- IdMap
// ---------------------------------------------------------------------------------------

TEST(IdMapTest, Identity) {
  IdMap m = IdMap::identity(12);
  EXPECT_EQ(m.kind(), IdMap::Kind::kIdentity);
  EXPECT_EQ(m.size(), 12);
  EXPECT_EQ(m.name(7), "7");
  EXPECT_EQ(m.find("11"), 11);
  EXPECT_EQ(m.find("0"), 0);
  EXPECT_EQ(m.find("12"), std::nullopt);
  EXPECT_EQ(m.find("-1"), std::nullopt);
  EXPECT_EQ(m.find("x"), std::nullopt);
  EXPECT_EQ(m.find(""), std::nullopt);
  EXPECT_EQ(m.find("99999999999"), std::nullopt);
}

TEST(IdMapTest, Integers) {
  IdMap m = IdMap::integers({42, -7, 1000000000000});
  EXPECT_EQ(m.kind(), IdMap::Kind::kInteger);
  EXPECT_EQ(m.size(), 3);
  EXPECT_EQ(m.name(0), "42");
  EXPECT_EQ(m.name(1), "-7");
  EXPECT_EQ(m.name(2), "1000000000000");
  EXPECT_EQ(m.find("-7"), 1);
  EXPECT_EQ(m.find("1000000000000"), 2);
  EXPECT_EQ(m.find("0"), std::nullopt);
  EXPECT_EQ(m.integer_ids(), (std::vector<int64_t>{42, -7, 1000000000000}));
}

TEST(IdMapTest, Strings) {
  IdMap m = IdMap::strings({"alice", "bob", "3"});
  EXPECT_EQ(m.kind(), IdMap::Kind::kString);
  EXPECT_EQ(m.size(), 3);
  EXPECT_EQ(m.name(1), "bob");
  EXPECT_EQ(m.find("alice"), 0);
  EXPECT_EQ(m.find("3"), 2);
  EXPECT_EQ(m.find("carol"), std::nullopt);
  IdMap copy = m;  // copies share the lazily built index and still answer
  EXPECT_EQ(copy.find("bob"), 1);
}

}  // namespace
}  // namespace grl
