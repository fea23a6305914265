// The CPU sampler (host/reference/sampling_ref.cpp), the oracle of the GPU sampler: the layout's
// bounds and errors, exact output on a hand-made graph, the invariants of kernels/sampling.h on
// random graphs (every sampled edge exists, counts are min(degree, fanout), nodes are unique and
// numbered in order of first occurrence, nested prefixes), determinism and keying of the draws,
// chi-square tests of uniformity, and Floyd's algorithm against a hand-written one.
#include "host/reference/sampling_ref.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "host/core/error.h"
#include "host/graph/graph.h"
#include "host/pipeline/sample_plan.h"
#include "kernels/common/philox.h"

namespace grl {
namespace {

constexpr int32_t kPoison = 0x7F7F7F7F;  // an unwritten element fails every range check
constexpr int kGuard = 16;               // poisoned elements past the end of `nodes`

// A simple graph (no self-loops, no duplicate edges, rows sorted).
Csr make_graph(NodeId n, const std::vector<std::pair<NodeId, NodeId>>& edges,
               bool symmetrize = true) {
  EdgeList el;
  for (auto [u, v] : edges) {
    el.src.push_back(u);
    el.dst.push_back(v);
  }
  CsrBuildOptions opt;
  opt.symmetrize = symmetrize;
  return build_csr(std::move(el), n, n, opt);
}

// n nodes: random edges among [0, n - 1 - isolated), `isolated` nodes just below the top id with
// no edges, and the top id n - 1 a hub adjacent to `hub_degree` random nodes. Degrees spread
// from 0 to far above typical fanouts.
Csr random_graph(uint32_t seed, NodeId n, int64_t num_edges, int hub_degree, int isolated) {
  std::mt19937 rng(seed);
  const NodeId regular = n - 1 - isolated;
  std::uniform_int_distribution<NodeId> pick(0, regular - 1);
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (int64_t e = 0; e < num_edges; ++e) edges.emplace_back(pick(rng), pick(rng));
  for (int e = 0; e < hub_degree; ++e) edges.emplace_back(n - 1, pick(rng));
  return make_graph(n, edges);
}

struct Sample {
  std::vector<NodeId> nodes;
  std::vector<int32_t> hop_end, seed_local, cnt, nbr;
};

Sample run_sampler(const Csr& g, const std::vector<NodeId>& seeds, const SampleLayout& L,
                   const SampleParams& p) {
  Sample s;
  s.nodes.assign(L.max_nodes + kGuard, kPoison);
  s.hop_end.assign(L.num_hops + 1, kPoison);
  s.seed_local.assign(seeds.size(), kPoison);
  s.cnt.assign(L.total_rows, kPoison);
  s.nbr.assign(L.total_slots, kPoison);
  SampleOutput out{s.nodes.data(), s.hop_end.data(), s.seed_local.data(), s.cnt.data(),
                   s.nbr.data()};
  ref::sample_neighbors(g.view(), Span<const NodeId>{seeds.data(), int64_t(seeds.size())}, L, p,
                        out);
  return s;
}

bool is_neighbor(const Csr& g, NodeId u, NodeId v) {
  auto row = g.neighbors(u);
  return std::find(row.begin(), row.end(), v) != row.end();
}

bool has_duplicates(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}

// Every invariant of kernels/sampling.h that can be checked from the output alone, plus the
// rows' exact content: row r of hop h holds the CSR entries at ref::sample_positions(u, h)
// (whose draws are checked against a hand-written Floyd below).
void check_sample(const Csr& g, const std::vector<NodeId>& seeds, const SampleLayout& L,
                  const SampleParams& p, const Sample& s) {
  const int K = L.num_hops;
  // Seeds: unique, in order of first occurrence; seed_local maps each seed to its node.
  std::vector<NodeId> unique_seeds;
  for (NodeId v : seeds)
    if (std::find(unique_seeds.begin(), unique_seeds.end(), v) == unique_seeds.end())
      unique_seeds.push_back(v);
  ASSERT_EQ(s.hop_end[0], static_cast<int32_t>(unique_seeds.size()));
  for (size_t i = 0; i < unique_seeds.size(); ++i)
    ASSERT_EQ(s.nodes[i], unique_seeds[i]) << "seed node " << i;
  for (size_t b = 0; b < seeds.size(); ++b) {
    ASSERT_GE(s.seed_local[b], 0) << "seed " << b;
    ASSERT_LT(s.seed_local[b], s.hop_end[0]) << "seed " << b;
    ASSERT_EQ(s.nodes[s.seed_local[b]], seeds[b]) << "seed " << b;
  }
  // hop_end: non-decreasing and within the layout's bounds.
  for (int h = 0; h <= K; ++h) {
    ASSERT_LE(s.hop_end[h], L.max_hop_end[h]) << "hop " << h;
    if (h > 0) {
      ASSERT_LE(s.hop_end[h - 1], s.hop_end[h]) << "hop " << h;
    }
  }
  ASSERT_LE(s.hop_end[K], L.max_nodes);
  for (int i = 0; i < kGuard; ++i) ASSERT_EQ(s.nodes[L.max_nodes + i], kPoison) << "guard " << i;
  // Every node once, a valid id.
  std::vector<NodeId> sorted(s.nodes.begin(), s.nodes.begin() + s.hop_end[K]);
  for (size_t i = 0; i < sorted.size(); ++i) {
    ASSERT_GE(sorted[i], 0) << "node " << i;
    ASSERT_LT(sorted[i], g.num_rows()) << "node " << i;
  }
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "repeated node";

  // Hops: row r of hop h is node hop_begin + r; new nodes numbered in row-major slot order.
  int32_t next = s.hop_end[0];
  std::vector<int64_t> pos(kMaxFanout, -1);
  for (int h = 1; h <= K; ++h) {
    const int f = L.fanouts[h - 1];
    const int32_t begin = h == 1 ? 0 : s.hop_end[h - 2], end = s.hop_end[h - 1];
    ASSERT_LE(end - begin, L.max_rows[h - 1]) << "hop " << h;
    for (int32_t r = 0; r < end - begin; ++r) {
      const NodeId u = s.nodes[begin + r];
      const EdgeIndex deg = g.degree(u);
      const int c = s.cnt[L.row_offset[h - 1] + r];
      const int64_t want = deg == 0 ? 0 : p.replace ? f : std::min<int64_t>(deg, f);
      ASSERT_EQ(c, want) << "hop " << h << " row " << r << " node " << u << " degree " << deg;
      ASSERT_EQ(ref::sample_positions(deg, f, u, h, p, pos.data()), c);
      std::vector<int64_t> picked;
      for (int j = 0; j < c; ++j) {
        const int32_t l = s.nbr[L.slot_offset[h - 1] + int64_t{r} * f + j];
        auto where = [&] {
          return "hop " + std::to_string(h) + " row " + std::to_string(r) + " node " +
                 std::to_string(u) + " slot " + std::to_string(j);
        };
        ASSERT_GE(l, 0) << where();
        ASSERT_LT(l, s.hop_end[h]) << where();
        ASSERT_LE(l, next) << where()
                           << ": local ids must be assigned in order of first occurrence";
        if (l == next) ++next;
        const NodeId v = s.nodes[l];
        ASSERT_TRUE(is_neighbor(g, u, v)) << where() << ": " << v << " is not a neighbour";
        ASSERT_EQ(v, g.indices[g.offsets[u] + pos[j]]) << where();
        if (!p.replace && deg <= f) {
          ASSERT_EQ(v, g.indices[g.offsets[u] + j]) << where() << ": CSR order";
        }
        picked.push_back(v);
      }
      if (!p.replace) {
        ASSERT_FALSE(has_duplicates(std::vector<int64_t>(pos.begin(), pos.begin() + c)));
        ASSERT_FALSE(has_duplicates(picked));  // simple graphs: distinct positions, distinct nodes
      }
    }
    ASSERT_EQ(next, s.hop_end[h]) << "hop " << h << ": a new node that no slot produced";
  }
}

// ---- make_sample_layout ---------------------------------------------------------------------

TEST(SamplingRef, LayoutBoundsHandComputed) {
  SampleLayout L = make_sample_layout(4, {3, 2}, 100);
  EXPECT_EQ(L.num_hops, 2);
  EXPECT_EQ(L.fanouts[0], 3);
  EXPECT_EQ(L.fanouts[1], 2);
  EXPECT_EQ(L.max_seeds, 4);
  EXPECT_EQ(L.max_rows[0], 4);
  EXPECT_EQ(L.max_rows[1], 12);
  EXPECT_EQ(L.row_offset[0], 0);
  EXPECT_EQ(L.row_offset[1], 4);
  EXPECT_EQ(L.slot_offset[0], 0);
  EXPECT_EQ(L.slot_offset[1], 12);
  EXPECT_EQ(L.max_hop_end[0], 4);
  EXPECT_EQ(L.max_hop_end[1], 16);
  EXPECT_EQ(L.max_hop_end[2], 40);
  EXPECT_EQ(L.max_nodes, 40);
  EXPECT_EQ(L.total_rows, 16);
  EXPECT_EQ(L.total_slots, 36);
  EXPECT_EQ(L.max_hop_slots, 24);
  EXPECT_EQ(L.hash_capacity, 128);

  // The graph is smaller than the fan-out: node counts clamp to num_nodes.
  SampleLayout C = make_sample_layout(10, {5, 5}, 20);
  EXPECT_EQ(C.max_rows[0], 10);
  EXPECT_EQ(C.max_rows[1], 20);
  EXPECT_EQ(C.max_hop_end[0], 10);
  EXPECT_EQ(C.max_hop_end[1], 20);
  EXPECT_EQ(C.max_hop_end[2], 20);
  EXPECT_EQ(C.max_nodes, 20);
  EXPECT_EQ(C.total_rows, 30);
  EXPECT_EQ(C.total_slots, 150);
  EXPECT_EQ(C.max_hop_slots, 100);

  // More seeds than nodes: unique seeds clamp too, the seed buffer does not.
  SampleLayout S = make_sample_layout(50, {2}, 8);
  EXPECT_EQ(S.max_hop_end[0], 8);
  EXPECT_EQ(S.max_rows[0], 8);
  EXPECT_EQ(S.max_nodes, 8);
  EXPECT_EQ(S.max_hop_slots, 50);
}

TEST(SamplingRef, LayoutBoundsConsistent) {
  const std::vector<std::vector<int>> fanout_sets = {
      {1}, {10}, {255}, {25, 10}, {3, 3, 3}, {15, 10, 5}, {1, 2, 3, 4, 5, 6}, {255, 1}};
  for (int64_t seeds : {1, 7, 512, 4096})
    for (int64_t n : {1, 2, 100, 10000, 2000000})
      for (const auto& fo : fanout_sets) {
        SampleLayout L = make_sample_layout(seeds, fo, n);
        SCOPED_TRACE("seeds " + std::to_string(seeds) + " n " + std::to_string(n) + " hops " +
                     std::to_string(fo.size()) + " fanout0 " + std::to_string(fo[0]));
        ASSERT_EQ(L.num_hops, static_cast<int>(fo.size()));
        ASSERT_EQ(L.max_hop_end[0], std::min(seeds, n));
        int64_t rows = 0, slots = 0, max_slots = seeds, frontier = std::min(seeds, n);
        for (int h = 0; h < L.num_hops; ++h) {
          ASSERT_EQ(L.fanouts[h], fo[h]);
          ASSERT_EQ(L.row_offset[h], rows);
          ASSERT_EQ(L.slot_offset[h], slots);
          ASSERT_EQ(L.max_rows[h], frontier);
          // Rows of hop h + 1 are nodes new at hop h: at most its slots, at most all nodes.
          rows += L.max_rows[h];
          slots += L.max_rows[h] * fo[h];
          max_slots = std::max(max_slots, L.max_rows[h] * fo[h]);
          frontier = std::min(L.max_rows[h] * fo[h], n);
          ASSERT_LE(L.max_hop_end[h], L.max_hop_end[h + 1]);
          ASSERT_LE(L.max_hop_end[h + 1], std::min(n, L.max_hop_end[h] + L.max_rows[h] * fo[h]));
          ASSERT_LE(L.max_hop_end[h + 1], n);
        }
        ASSERT_EQ(L.total_rows, rows);
        ASSERT_EQ(L.total_slots, slots);
        ASSERT_EQ(L.max_hop_slots, max_slots);
        ASSERT_EQ(L.max_nodes, L.max_hop_end[L.num_hops]);
        ASSERT_GE(L.hash_capacity, 2 * L.max_nodes);
        ASSERT_EQ(L.hash_capacity & (L.hash_capacity - 1), 0) << L.hash_capacity;
        ASSERT_LT(L.hash_capacity, std::max<int64_t>(128, 4 * L.max_nodes));  // the smallest
      }
}

TEST(SamplingRef, LayoutErrors) {
  EXPECT_THROW(make_sample_layout(4, {}, 10), UsageError);
  EXPECT_THROW(make_sample_layout(4, {2, 2, 2, 2, 2, 2, 2}, 10), UsageError);
  EXPECT_NO_THROW(make_sample_layout(4, {2, 2, 2, 2, 2, 2}, 10));
  EXPECT_THROW(make_sample_layout(4, {0}, 10), UsageError);
  EXPECT_THROW(make_sample_layout(4, {5, 0}, 10), UsageError);
  EXPECT_THROW(make_sample_layout(4, {-1}, 10), UsageError);
  EXPECT_THROW(make_sample_layout(4, {256}, 10), UsageError);
  EXPECT_NO_THROW(make_sample_layout(4, {255}, 10));
  EXPECT_THROW(make_sample_layout(0, {5}, 10), UsageError);
  // 2^24 sampled nodes per batch is one too many.
  EXPECT_THROW(make_sample_layout(int64_t{1} << 24, {1}, int64_t{1} << 25), UsageError);
  EXPECT_NO_THROW(make_sample_layout((int64_t{1} << 24) - 1, {1}, (int64_t{1} << 24) - 1));
  EXPECT_THROW(make_sample_layout(100000, {25, 10}, 100000000), UsageError);
}

// ---- sample_neighbors: exact output ------------------------------------------------------------

// 0-1, 0-2, 1-3, 2-3, 3-4; node 5 isolated. With every degree <= fanout the sample is fixed.
TEST(SamplingRef, HandGraphExact) {
  Csr g = make_graph(6, {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}});
  SampleLayout L = make_sample_layout(2, {3, 2}, 6);
  ASSERT_EQ(L.slot_offset[1], 6);
  ASSERT_EQ(L.row_offset[1], 2);
  SampleParams p{.seed = 5, .epoch = 1, .replace = false};
  std::vector<NodeId> seeds = {3, 5};
  Sample s = run_sampler(g, seeds, L, p);
  EXPECT_EQ(s.hop_end, (std::vector<int32_t>{2, 5, 6}));
  EXPECT_EQ(std::vector<NodeId>(s.nodes.begin(), s.nodes.begin() + 6),
            (std::vector<NodeId>{3, 5, 1, 2, 4, 0}));
  EXPECT_EQ(s.seed_local, (std::vector<int32_t>{0, 1}));
  // Hop 1: node 3 takes 1, 2, 4 (CSR order); node 5 nothing. Hop 2 expands nodes 1, 2, 4.
  EXPECT_EQ(std::vector<int32_t>(s.cnt.begin(), s.cnt.begin() + 5),
            (std::vector<int32_t>{3, 0, 2, 2, 1}));
  EXPECT_EQ(std::vector<int32_t>(s.nbr.begin(), s.nbr.begin() + 3),
            (std::vector<int32_t>{2, 3, 4}));
  EXPECT_EQ(s.nbr[6], 5);   // node 1 -> 0 (new)
  EXPECT_EQ(s.nbr[7], 0);   // node 1 -> 3
  EXPECT_EQ(s.nbr[8], 5);   // node 2 -> 0
  EXPECT_EQ(s.nbr[9], 0);   // node 2 -> 3
  EXPECT_EQ(s.nbr[10], 0);  // node 4 -> 3
  ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, p, s));
}

// A directed CSR built by hand: row 1 lists node 2 twice (a multigraph), rows need not be sorted.
TEST(SamplingRef, HandBuiltCsrView) {
  Csr g;
  g.offsets = Array<EdgeIndex>(std::vector<EdgeIndex>{0, 2, 5, 5, 6});
  g.indices = Array<NodeId>(std::vector<NodeId>{3, 1, 2, 0, 2, 0});
  SampleLayout L = make_sample_layout(3, {2}, 4);
  SampleParams p{.seed = 1, .epoch = 0, .replace = false};
  std::vector<NodeId> seeds = {0, 2, 3};
  Sample s = run_sampler(g, seeds, L, p);
  EXPECT_EQ(s.hop_end, (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(std::vector<NodeId>(s.nodes.begin(), s.nodes.begin() + 4),
            (std::vector<NodeId>{0, 2, 3, 1}));
  EXPECT_EQ(std::vector<int32_t>(s.cnt.begin(), s.cnt.begin() + 3),
            (std::vector<int32_t>{2, 0, 1}));
  EXPECT_EQ(s.nbr[0], 2);  // node 0 -> 3, CSR order
  EXPECT_EQ(s.nbr[1], 3);  // node 0 -> 1 (new)
  EXPECT_EQ(s.nbr[4], 0);  // node 3 -> 0
  // Node 1 (degree 3 > 2, with a repeated neighbour) is never expanded in one hop; expand it.
  std::vector<NodeId> one = {1};
  for (uint32_t e = 0; e < 20; ++e) {
    p.epoch = e;
    Sample t = run_sampler(g, one, L, p);
    ASSERT_EQ(t.cnt[0], 2);
    std::vector<int64_t> pos(kMaxFanout);
    ASSERT_EQ(ref::sample_positions(3, 2, 1, 1, p, pos.data()), 2);
    ASSERT_NE(pos[0], pos[1]);  // distinct positions, possibly the same node
    for (int j = 0; j < 2; ++j) ASSERT_EQ(t.nodes[t.nbr[j]], g.indices[2 + pos[j]]);
  }
}

// ---- sample_neighbors: invariants on random graphs ---------------------------------------------

TEST(SamplingRef, RandomGraphInvariants) {
  const std::vector<std::vector<int>> fanout_sets = {
      {5}, {10, 5}, {3, 3, 3}, {25, 10}, {1, 1, 1, 1, 1, 1}, {2, 4, 8, 16}, {255}};
  for (uint32_t gs = 1; gs <= 3; ++gs) {
    const NodeId n = 300;
    Csr g = random_graph(gs, n, 3 * n, 60, 5);
    ASSERT_EQ(g.degree(n - 2), 0);
    ASSERT_GE(g.degree(n - 1), 50);
    std::mt19937 rng(100 + gs);
    std::uniform_int_distribution<NodeId> node(0, n - 1);
    for (const auto& fo : fanout_sets)
      for (bool replace : {false, true})
        for (int64_t batch : {1, 17, 64}) {
          std::vector<NodeId> seeds;
          for (int64_t b = 0; b < batch; ++b) seeds.push_back(node(rng));
          if (batch > 1) {
            seeds[1] = seeds[0];   // a repeated seed
            seeds.back() = n - 1;  // the top id (the hub)
          }
          if (batch > 2) seeds[2] = n - 3;  // an isolated seed
          SampleLayout L = make_sample_layout(batch, fo, n);
          SampleParams p{
              .seed = 1000 + gs, .epoch = static_cast<uint32_t>(batch), .replace = replace};
          SCOPED_TRACE("graph " + std::to_string(gs) + " hops " + std::to_string(fo.size()) +
                       " fanout0 " + std::to_string(fo[0]) + " replace " + std::to_string(replace) +
                       " batch " + std::to_string(batch));
          Sample s = run_sampler(g, seeds, L, p);
          ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, p, s));
        }
  }
}

TEST(SamplingRef, RepeatedAndIsolatedSeeds) {
  Csr g = make_graph(8, {{0, 1}, {1, 2}, {2, 3}, {3, 0}});  // 4..7 isolated
  SampleLayout L = make_sample_layout(6, {2, 2}, 8);
  for (bool replace : {false, true}) {
    SampleParams p{.seed = 9, .epoch = 3, .replace = replace};
    std::vector<NodeId> isolated = {5, 7, 5, 4, 7, 7};
    Sample s = run_sampler(g, isolated, L, p);
    EXPECT_EQ(s.hop_end, (std::vector<int32_t>{3, 3, 3}));
    EXPECT_EQ(s.seed_local, (std::vector<int32_t>{0, 1, 0, 2, 1, 1}));
    EXPECT_EQ(std::vector<int32_t>(s.cnt.begin(), s.cnt.begin() + 3),
              (std::vector<int32_t>{0, 0, 0}));
    ASSERT_NO_FATAL_FAILURE(check_sample(g, isolated, L, p, s));

    std::vector<NodeId> repeated = {2, 2, 6, 2, 0, 6};
    Sample t = run_sampler(g, repeated, L, p);
    EXPECT_EQ(t.hop_end[0], 3);
    EXPECT_EQ(t.seed_local, (std::vector<int32_t>{0, 0, 1, 0, 2, 1}));
    EXPECT_EQ(t.cnt[1], 0);  // node 6
    ASSERT_NO_FATAL_FAILURE(check_sample(g, repeated, L, p, t));
  }
}

TEST(SamplingRef, EmptySeedList) {
  Csr g = random_graph(4, 50, 200, 10, 2);
  SampleLayout L = make_sample_layout(8, {4, 3, 2}, 50);
  std::vector<NodeId> none;
  for (bool replace : {false, true}) {
    Sample s = run_sampler(g, none, L, {.seed = 1, .epoch = 0, .replace = replace});
    EXPECT_EQ(s.hop_end, (std::vector<int32_t>{0, 0, 0, 0}));
    ASSERT_NO_FATAL_FAILURE(check_sample(g, none, L, {.seed = 1, .replace = replace}, s));
  }
}

// Degree below, equal to and far above the fanout; with replacement a degree-1 node fills every
// slot with its only neighbour.
TEST(SamplingRef, DegreeAgainstFanout) {
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId v = 1; v <= 3; ++v) edges.emplace_back(0, v);      // node 0: degree 3
  for (NodeId v = 5; v <= 9; ++v) edges.emplace_back(4, v);      // node 4: degree 5
  for (NodeId v = 11; v <= 110; ++v) edges.emplace_back(10, v);  // node 10: degree 100
  edges.emplace_back(111, 112);                                  // node 111: degree 1
  Csr g = make_graph(113, edges);
  SampleLayout L = make_sample_layout(4, {5}, 113);
  std::vector<NodeId> seeds = {0, 4, 10, 111};
  for (uint32_t e = 0; e < 5; ++e) {
    SampleParams p{.seed = 77, .epoch = e, .replace = false};
    Sample s = run_sampler(g, seeds, L, p);
    EXPECT_EQ(std::vector<int32_t>(s.cnt.begin(), s.cnt.begin() + 4),
              (std::vector<int32_t>{3, 5, 5, 1}));
    for (int j = 0; j < 3; ++j) EXPECT_EQ(s.nodes[s.nbr[j]], 1 + j);
    for (int j = 0; j < 5; ++j) EXPECT_EQ(s.nodes[s.nbr[5 + j]], 5 + j);
    ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, p, s));
    p.replace = true;
    Sample r = run_sampler(g, seeds, L, p);
    EXPECT_EQ(std::vector<int32_t>(r.cnt.begin(), r.cnt.begin() + 4),
              (std::vector<int32_t>{5, 5, 5, 5}));
    for (int j = 0; j < 5; ++j) EXPECT_EQ(r.nodes[r.nbr[15 + j]], 112);
    ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, p, r));
  }
}

// The top of the id range on a graph of 2^20 nodes: the last id is a seed, a neighbour and a hub.
TEST(SamplingRef, TopNodeId) {
  const NodeId n = NodeId{1} << 20;
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId v = 0; v < 40; ++v) edges.emplace_back(n - 1, n - 2 - v);
  edges.emplace_back(n - 2, 0);
  edges.emplace_back(0, 1);
  Csr g = make_graph(n, edges);
  ASSERT_EQ(g.degree(n - 1), 40);
  SampleLayout L = make_sample_layout(3, {8, 8, 8}, n);
  std::vector<NodeId> seeds = {n - 1, 0, n - 2};
  for (bool replace : {false, true}) {
    SampleParams p{.seed = 0xFFFFFFFFFFFFFFFFull, .epoch = 0xFFFFFFFFu, .replace = replace};
    Sample s = run_sampler(g, seeds, L, p);
    ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, p, s));
    EXPECT_EQ(s.cnt[0], 8);
  }
}

TEST(SamplingRef, MoreSeedsThanLayoutThrows) {
  Csr g = make_graph(4, {{0, 1}});
  SampleLayout L = make_sample_layout(2, {2}, 4);
  std::vector<NodeId> seeds = {0, 1, 2};
  EXPECT_THROW(run_sampler(g, seeds, L, {}), Error);
}

// ---- determinism and keying ------------------------------------------------------------------

// A graph where every node has degree >= 20, so any change of the draws changes the sample.
Csr dense_graph(uint32_t seed, NodeId n) {
  std::mt19937 rng(seed);
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId u = 0; u < n; ++u)
    for (int e = 0; e < 25; ++e) edges.emplace_back(u, static_cast<NodeId>(rng() % n));
  Csr g = make_graph(n, edges);
  return g;
}

TEST(SamplingRef, DeterministicAndKeyed) {
  const NodeId n = 400;
  Csr g = dense_graph(3, n);
  for (NodeId u = 0; u < n; ++u) ASSERT_GE(g.degree(u), 20);
  std::vector<NodeId> seeds;
  for (NodeId v = 0; v < 32; ++v) seeds.push_back(v * 7 % n);
  SampleLayout L = make_sample_layout(32, {10, 5}, n);
  for (bool replace : {false, true}) {
    SampleParams p{.seed = 42, .epoch = 7, .replace = replace};
    Sample a = run_sampler(g, seeds, L, p);
    Sample b = run_sampler(g, seeds, L, p);
    EXPECT_EQ(a.nodes, b.nodes);
    EXPECT_EQ(a.hop_end, b.hop_end);
    EXPECT_EQ(a.cnt, b.cnt);
    EXPECT_EQ(a.nbr, b.nbr);
    EXPECT_EQ(a.seed_local, b.seed_local);
    // Another seed or another epoch: different draws, so different first-hop neighbours.
    SampleParams q = p;
    q.seed = 43;
    Sample c = run_sampler(g, seeds, L, q);
    ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, q, c));
    EXPECT_NE(std::vector<NodeId>(a.nodes.begin(), a.nodes.begin() + a.hop_end[1]),
              std::vector<NodeId>(c.nodes.begin(), c.nodes.begin() + c.hop_end[1]));
    q = p;
    q.epoch = 8;
    Sample d = run_sampler(g, seeds, L, q);
    ASSERT_NO_FATAL_FAILURE(check_sample(g, seeds, L, q, d));
    EXPECT_NE(std::vector<NodeId>(a.nodes.begin(), a.nodes.begin() + a.hop_end[1]),
              std::vector<NodeId>(d.nodes.begin(), d.nodes.begin() + d.hop_end[1]));
    // The seed's upper half matters too.
    q = p;
    q.seed = 42 | (uint64_t{1} << 40);
    Sample e = run_sampler(g, seeds, L, q);
    EXPECT_NE(std::vector<NodeId>(a.nodes.begin(), a.nodes.begin() + a.hop_end[1]),
              std::vector<NodeId>(e.nodes.begin(), e.nodes.begin() + e.hop_end[1]));
  }
}

// Draws are keyed by (node, hop, epoch), not by position in the batch: the same node's
// first-hop neighbours (as global ids, in slot order) do not depend on the other seeds.
TEST(SamplingRef, DrawsKeyedByNodeNotBatchPosition) {
  const NodeId n = 400;
  Csr g = dense_graph(5, n);
  std::vector<NodeId> seeds = {5, 17, 123, 399, 0, 250};
  std::vector<NodeId> reversed(seeds.rbegin(), seeds.rend());
  SampleLayout L = make_sample_layout(6, {12, 3}, n);
  for (bool replace : {false, true}) {
    SampleParams p{.seed = 8, .epoch = 2, .replace = replace};
    Sample a = run_sampler(g, seeds, L, p);
    Sample b = run_sampler(g, reversed, L, p);
    for (size_t i = 0; i < seeds.size(); ++i) {
      const int32_t ra = a.seed_local[i], rb = b.seed_local[seeds.size() - 1 - i];
      ASSERT_EQ(a.cnt[ra], 12);
      ASSERT_EQ(b.cnt[rb], 12);
      for (int j = 0; j < 12; ++j)
        EXPECT_EQ(a.nodes[a.nbr[ra * 12 + j]], b.nodes[b.nbr[rb * 12 + j]]) << "seed " << seeds[i];
    }
  }
}

// ---- uniformity ------------------------------------------------------------------------------

// Chi-square critical values at p = 0.001.
constexpr double kChi2Df19 = 43.82;
constexpr double kChi2Df399 = 492.02;

// Star: node 0 adjacent to 1..20 (degree 20), fanout 5, one draw per epoch.
TEST(SamplingRef, UniformWithoutReplacement) {
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId v = 1; v <= 20; ++v) edges.emplace_back(0, v);
  Csr g = make_graph(21, edges);
  SampleLayout L = make_sample_layout(1, {5}, 21);
  std::vector<NodeId> seeds = {0};
  const int epochs = 40000;
  std::vector<int64_t> count(21, 0);
  for (int e = 0; e < epochs; ++e) {
    Sample s = run_sampler(g, seeds, L, {.seed = 2024, .epoch = uint32_t(e), .replace = false});
    ASSERT_EQ(s.cnt[0], 5);
    std::set<NodeId> picked;
    for (int j = 0; j < 5; ++j) picked.insert(s.nodes[s.nbr[j]]);
    ASSERT_EQ(picked.size(), 5u) << "epoch " << e;
    for (NodeId v : picked) ++count[v];
  }
  // Each neighbour is in the sample with probability k/n = 1/4. Per epoch the 20 indicators are
  // negatively correlated (their sum is fixed): Pearson's statistic is (1 - k/n) n / (n - 1)
  // times a chi-square with n - 1 = 19 degrees of freedom, so divide that factor out.
  const double n = 20, k = 5, expected = epochs * k / n;
  double chi2 = 0;
  for (NodeId v = 1; v <= 20; ++v) chi2 += (count[v] - expected) * (count[v] - expected) / expected;
  chi2 /= (1 - k / n) * n / (n - 1);
  EXPECT_LT(chi2, kChi2Df19);
  EXPECT_GT(chi2, 5.0);  // p(chi2_19 < 5) < 0.001: too good to be random means not random
}

TEST(SamplingRef, UniformWithReplacement) {
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId v = 1; v <= 20; ++v) edges.emplace_back(0, v);
  Csr g = make_graph(21, edges);
  SampleLayout L = make_sample_layout(1, {5}, 21);
  std::vector<NodeId> seeds = {0};
  const int epochs = 40000;
  std::vector<std::vector<int64_t>> slot_count(5, std::vector<int64_t>(20, 0));
  std::vector<int64_t> pair01(400, 0), pair34(400, 0);  // slots 3 and 4 use different blocks
  for (int e = 0; e < epochs; ++e) {
    Sample s = run_sampler(g, seeds, L, {.seed = 2025, .epoch = uint32_t(e), .replace = true});
    ASSERT_EQ(s.cnt[0], 5);
    int v[5];
    for (int j = 0; j < 5; ++j) {
      v[j] = s.nodes[s.nbr[j]] - 1;
      ASSERT_GE(v[j], 0);
      ASSERT_LT(v[j], 20);
      ++slot_count[j][v[j]];
    }
    ++pair01[v[0] * 20 + v[1]];
    ++pair34[v[3] * 20 + v[4]];
  }
  auto chi2 = [](const std::vector<int64_t>& c, double expected) {
    double x = 0;
    for (int64_t o : c) x += (o - expected) * (o - expected) / expected;
    return x;
  };
  for (int j = 0; j < 5; ++j) {
    const double x = chi2(slot_count[j], epochs / 20.0);
    EXPECT_LT(x, kChi2Df19) << "slot " << j;
    EXPECT_GT(x, 5.0) << "slot " << j;
  }
  EXPECT_LT(chi2(pair01, epochs / 400.0), kChi2Df399) << "slots 0 and 1 are not independent";
  EXPECT_LT(chi2(pair34, epochs / 400.0), kChi2Df399) << "slots 3 and 4 are not independent";
}

// ---- sample_positions ------------------------------------------------------------------------

// Floyd's algorithm written from the textbook, with a set and the documented draws:
// slot j of node u at hop h in epoch e uses word j%4 of philox(seed, kNeighborSample, u, e,
// (h << 16) | (j / 4)).
std::vector<int64_t> textbook_floyd(int64_t n, int k, NodeId u, int hop, const SampleParams& p) {
  std::set<int64_t> chosen;
  std::vector<int64_t> order;
  int j = 0;
  for (int64_t i = n - k; i < n; ++i, ++j) {
    const uint32_t word = philox(p.seed, RandomPurpose::kNeighborSample, uint32_t(u), p.epoch,
                                 (uint32_t(hop) << 16) | uint32_t(j / 4))
                              .v[j % 4];
    const int64_t t = random_below(word, uint32_t(i + 1));
    const int64_t pick = chosen.count(t) ? i : t;
    chosen.insert(pick);
    order.push_back(pick);
  }
  return order;
}

TEST(SamplingRef, SamplePositionsMatchTextbookFloyd) {
  std::mt19937 rng(17);
  std::vector<int64_t> pos(kMaxFanout + 1, -1);
  int checked = 0;
  for (int fanout : {1, 2, 3, 4, 5, 7, 10, 25, 64, 255})
    for (int64_t degree : {int64_t{fanout} + 1, 2 * int64_t{fanout}, 10 * int64_t{fanout} + 3,
                           int64_t{1000}, int64_t{3000000}}) {
      if (degree <= fanout) continue;
      for (int trial = 0; trial < 8; ++trial) {
        const uint64_t seed = rng() | (uint64_t{rng()} << 32);
        SampleParams p{.seed = seed, .epoch = static_cast<uint32_t>(rng()), .replace = false};
        const NodeId u = static_cast<NodeId>(rng() & 0x7FFFFFFF);
        const int hop = 1 + trial % kMaxHops;
        pos.assign(kMaxFanout + 1, -1);
        ASSERT_EQ(ref::sample_positions(degree, fanout, u, hop, p, pos.data()), fanout);
        EXPECT_EQ(pos[fanout], -1) << "wrote past the fanout";
        std::vector<int64_t> got(pos.begin(), pos.begin() + fanout);
        ASSERT_EQ(got, textbook_floyd(degree, fanout, u, hop, p))
            << "degree " << degree << " fanout " << fanout << " node " << u << " hop " << hop;
        for (int64_t x : got) {
          ASSERT_GE(x, 0);
          ASSERT_LT(x, degree);
        }
        ASSERT_FALSE(has_duplicates(got)) << "degree " << degree << " fanout " << fanout;
        ++checked;
      }
    }
  EXPECT_GT(checked, 300);
}

TEST(SamplingRef, SamplePositionsWithReplacementAndSmallDegrees) {
  std::vector<int64_t> pos(kMaxFanout, -1);
  SampleParams p{.seed = 99, .epoch = 4, .replace = true};
  for (int64_t degree : {1, 2, 5, 20, 1000})
    for (int fanout : {1, 3, 4, 5, 9, 255}) {
      ASSERT_EQ(ref::sample_positions(degree, fanout, 12, 2, p, pos.data()), fanout);
      for (int j = 0; j < fanout; ++j) {
        const uint32_t word =
            philox(99, RandomPurpose::kNeighborSample, 12, 4, (2u << 16) | uint32_t(j / 4))
                .v[j % 4];
        ASSERT_EQ(pos[j], int64_t(random_below(word, uint32_t(degree))))
            << "degree " << degree << " fanout " << fanout << " slot " << j;
      }
    }
  // Degree 0 gives nothing whatever the mode.
  EXPECT_EQ(ref::sample_positions(0, 5, 12, 1, p, pos.data()), 0);
  p.replace = false;
  EXPECT_EQ(ref::sample_positions(0, 5, 12, 1, p, pos.data()), 0);
  // Degree <= fanout without replacement: every position, in order.
  for (int64_t degree : {1, 4, 5}) {
    pos.assign(kMaxFanout, -1);
    ASSERT_EQ(ref::sample_positions(degree, 5, 12, 1, p, pos.data()), degree);
    for (int j = 0; j < degree; ++j) EXPECT_EQ(pos[j], j);
    EXPECT_EQ(pos[degree], -1);
  }
  // Hops draw independently: the same node at hop 1 and hop 2 picks differently.
  std::vector<int64_t> a(8), b(8);
  ref::sample_positions(1000000, 8, 12, 1, p, a.data());
  ref::sample_positions(1000000, 8, 12, 2, p, b.data());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace grl
