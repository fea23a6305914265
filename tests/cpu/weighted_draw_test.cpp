// Draws in proportion to edge weights (kernels/weighted_draw.h, host/graph/alias_table.h): the
// alias tables hold exactly the weights' distribution, and at a fixed seed the empirical
// frequencies of weighted walk steps (first order and node2vec's w * alpha), of neighbour
// sampling with replacement and of successive sampling without replacement pass a chi-square
// goodness-of-fit test at the 0.1% level, where uniform draws fail it. Zero weights are never
// drawn; rows of zero weight only end walks and sample nothing.
#include "kernels/weighted_draw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "host/core/error.h"
#include "host/graph/alias_table.h"
#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/pipeline/graph_store.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/sampling_ref.h"
#include "host/reference/walk_ref.h"
#include "host/train/walk_plan.h"

namespace grl {
namespace {

// Chi-square statistic of observed counts against expected probabilities (all > 0).
double chi_square(const std::vector<int64_t>& observed, const std::vector<double>& p) {
  const double n = static_cast<double>(std::accumulate(observed.begin(), observed.end(), 0LL));
  double x = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double e = n * p[i];
    x += (observed[i] - e) * (observed[i] - e) / e;
  }
  return x;
}

// The 0.999 quantile of chi-square with k = 1..10 degrees of freedom.
double chi_square_999(int k) {
  static const double q[] = {0,     10.83, 13.82, 16.27, 18.47, 20.52,
                             22.46, 24.32, 26.12, 27.88, 29.59};
  return q[k];
}

// An undirected weighted graph from (u, v, w) triples, both directions weighing w.
Csr weighted_graph(NodeId n, const std::vector<std::tuple<NodeId, NodeId, float>>& edges) {
  EdgeList e;
  for (auto [u, v, w] : edges) {
    e.src.push_back(u);
    e.dst.push_back(v);
    e.weight.push_back(w);
  }
  CsrBuildOptions o;
  o.symmetrize = true;
  return build_csr(std::move(e), n, n, o);
}

// c's view, drawing through its alias tables a.
CsrView weighted_view(const Csr& c, const Array<EdgeAlias>& a) {
  CsrView g = c.view();
  g.alias = a.data();
  return g;
}

// Probability of each position under an alias table, in exact arithmetic on its entries.
std::vector<double> alias_mass(const std::vector<float>& prob, const std::vector<int32_t>& alias) {
  const size_t n = prob.size();
  std::vector<double> m(n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    m[j] += prob[j] / static_cast<double>(n);
    m[alias[j]] += (1.0 - prob[j]) / static_cast<double>(n);
  }
  return m;
}

TEST(AliasTable, HoldsTheWeightsExactlyAndNeverDrawsAZero) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> ln(0.0, 2.0);
  for (int n : {1, 2, 7, 100, 1000}) {
    std::vector<double> w(n);
    for (double& x : w) x = rng() % 5 == 0 ? 0.0 : ln(rng);
    w[0] = w[0] > 0 ? w[0] : 1.0;  // at least one positive
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    std::vector<float> prob(n);
    std::vector<int32_t> alias(n);
    vose_alias(w.data(), n, prob.data(), alias.data());
    const std::vector<double> m = alias_mass(prob, alias);
    for (int i = 0; i < n; ++i) {
      EXPECT_NEAR(m[i], w[i] / total, 1e-6) << "n " << n << " position " << i;
      if (w[i] == 0) {
        EXPECT_EQ(m[i], 0.0) << "a zero weight is drawn: n " << n << " position " << i;
      }
    }
  }
  // All-zero weights give uniform (skip-gram's negative tables rely on it).
  std::vector<double> zero(4, 0.0);
  std::vector<float> prob(4);
  std::vector<int32_t> alias(4);
  vose_alias(zero.data(), 4, prob.data(), alias.data());
  for (double x : alias_mass(prob, alias)) EXPECT_DOUBLE_EQ(x, 0.25);
}

TEST(AliasTable, EdgeTablesAreRowLocalAndMarkRowsOfZeroWeight) {
  const Csr c = weighted_graph(5, {{0, 1, 1.0f}, {0, 2, 3.0f}, {0, 3, 0.0f}, {4, 3, 0.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  ASSERT_EQ(a.size(), static_cast<size_t>(c.num_edges()));
  for (NodeId v = 0; v < c.num_rows(); ++v) {
    const EdgeIndex lo = c.offsets[v], d = c.degree(v);
    for (EdgeIndex k = 0; k < d; ++k) {
      EXPECT_GE(a[lo + k].alias, 0);
      EXPECT_LT(a[lo + k].alias, d);
    }
  }
  for (EdgeIndex e = c.offsets[4]; e < c.offsets[5]; ++e) EXPECT_LT(a[e].prob, 0.0f);
  // Row 0: neighbours 1, 2, 3 with weights 1, 3, 0.
  std::vector<float> prob;
  std::vector<int32_t> alias;
  for (EdgeIndex e = c.offsets[0]; e < c.offsets[1]; ++e) {
    prob.push_back(a[e].prob);
    alias.push_back(a[e].alias);
  }
  const std::vector<double> m = alias_mass(prob, alias);
  EXPECT_NEAR(m[0], 0.25, 1e-7);
  EXPECT_NEAR(m[1], 0.75, 1e-7);
  EXPECT_EQ(m[2], 0.0);
}

TEST(AliasTable, NegativeWeightsAreRefusedNamingTheEdge) {
  Graph g;
  g.csr = weighted_graph(3, {{0, 1, 1.0f}, {1, 2, -0.5f}});
  g.ids = IdMap::identity(3);
  try {
    check_draw_weights(g);
    FAIL() << "a negative weight was accepted";
  } catch (const ConfigError& e) {
    const std::string m = e.render([](const std::string& f) { return "--" + f; });
    EXPECT_NE(m.find("edge 1 2 has weight -0.5"), std::string::npos) << m;
    EXPECT_NE(m.find("--ignore_weights"), std::string::npos) << m;
  }
}

// Counts of walks[w][t] over the nodes, for walks whose step t - 1 is at `from`.
std::vector<int64_t> step_counts(const std::vector<int32_t>& walks, int length, int t, NodeId from,
                                 NodeId n, NodeId before = -1) {
  std::vector<int64_t> c(n, 0);
  for (size_t w = 0; w * length < walks.size(); ++w) {
    const int32_t* r = walks.data() + w * length;
    if (r[t - 1] != from || (before >= 0 && r[t - 2] != before) || r[t] < 0) continue;
    ++c[r[t]];
  }
  return c;
}

std::vector<int32_t> run_walks(CsrView g, WalkSpec s, NodeId start, int64_t walks,
                               unsigned long long* ended = nullptr) {
  std::vector<NodeId> starts{start};
  std::vector<int32_t> out(walks * s.length);
  ref::random_walks(g, s, Span<const NodeId>{starts.data(), 1}, walks, out.data(), ended);
  return out;
}

TEST(WeightedWalks, FirstOrderStepsFollowTheWeights) {
  // A star: centre 0, leaves 1..4 weighing 1, 2, 3, 4.
  const Csr c = weighted_graph(5, {{0, 1, 1.0f}, {0, 2, 2.0f}, {0, 3, 3.0f}, {0, 4, 4.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  const CsrView g = weighted_view(c, a);
  WalkSpec s;
  s.length = 2;
  s.seed = 11;
  const std::vector<int64_t> got = step_counts(run_walks(g, s, 0, 40000), 2, 1, 0, 5);
  const std::vector<int64_t> obs(got.begin() + 1, got.end());
  const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  EXPECT_LT(chi_square(obs, p), chi_square_999(3));
  // The same test refuses uniform draws: it can fail.
  const std::vector<int64_t> uni = step_counts(run_walks(c.view(), s, 0, 40000), 2, 1, 0, 5);
  EXPECT_GT(chi_square(std::vector<int64_t>(uni.begin() + 1, uni.end()), p), 1000.0);
}

TEST(WeightedWalks, Node2vecStepsFollowWeightTimesBias) {
  // prev 0 - cur 1 (weight 2); cur's other neighbours: 2 (also a neighbour of 0, weight 1) and
  // 3 (two hops from 0, weight 3); 0 - 2 weighs 5. From 1 after 0 with p = 0.5, q = 2 the
  // second step goes to 0, 2, 3 in proportion to 2 / p, 1 * 1, 3 / q = 4, 1, 1.5.
  const Csr c = weighted_graph(4, {{0, 1, 2.0f}, {1, 2, 1.0f}, {1, 3, 3.0f}, {0, 2, 5.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  const CsrView g = weighted_view(c, a);
  WalkSpec s;
  s.kind = WalkSpec::kNode2vec;
  s.length = 3;
  s.seed = 5;
  s.p = 0.5f;
  s.q = 2.0f;
  const std::vector<int32_t> walks = run_walks(g, s, 0, 120000);
  // The first step is first order: to 1 with 2 / 7, to 2 with 5 / 7.
  const std::vector<int64_t> first = step_counts(walks, 3, 1, 0, 4);
  EXPECT_LT(chi_square({first[1], first[2]}, {2.0 / 7, 5.0 / 7}), chi_square_999(1));
  const std::vector<int64_t> second = step_counts(walks, 3, 2, 1, 4, 0);
  const std::vector<double> p = {4 / 6.5, 1 / 6.5, 1.5 / 6.5};
  EXPECT_LT(chi_square({second[0], second[2], second[3]}, p), chi_square_999(2));
  // Unweighted node2vec (1 / p, 1, 1 / q = 2, 1, 0.5) fails the weighted test.
  const std::vector<int64_t> u = step_counts(run_walks(c.view(), s, 0, 120000), 3, 2, 1, 4, 0);
  EXPECT_GT(chi_square({u[0], u[2], u[3]}, p), 1000.0);
}

TEST(WeightedWalks, RowsOfZeroWeightEndTheWalkAndZeroEdgesAreNeverTaken) {
  // 0 - 1 weighs 1, 0 - 2 weighs 0; node 3's only edge (to 2) weighs 0.
  const Csr c = weighted_graph(4, {{0, 1, 1.0f}, {0, 2, 0.0f}, {2, 3, 0.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  const CsrView g = weighted_view(c, a);
  WalkSpec s;
  s.length = 6;
  s.seed = 2;
  const std::vector<int32_t> w = run_walks(g, s, 0, 2000);
  for (int32_t x : w) EXPECT_TRUE(x == 0 || x == 1) << x;  // 0 and 1 only, never 2
  unsigned long long ended = 0;
  const std::vector<int32_t> dead = run_walks(g, s, 3, 10, &ended);
  EXPECT_EQ(ended, 10u);
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(dead[k * 6], 3);
    EXPECT_EQ(dead[k * 6 + 1], -1);
  }
}

// Draws of row 0 of `c` over `epochs` epochs (each its own draws), as the sampler makes them.
std::vector<std::vector<int32_t>> sample_epochs(const Csr& c, const Array<EdgeAlias>& a, int fanout,
                                                bool replace, uint32_t epochs) {
  const CsrView g = weighted_view(c, a);
  std::vector<std::vector<int32_t>> out;
  std::vector<int32_t> pos(fanout);
  for (uint32_t e = 0; e < epochs; ++e) {
    const int k = weighted::sample_row(g, c.offsets[0], c.degree(0), fanout, replace, 99, 0, e, 1,
                                       pos.data());
    out.emplace_back(pos.begin(), pos.begin() + k);
  }
  return out;
}

TEST(WeightedSampling, WithReplacementFollowsTheWeights) {
  const Csr c = weighted_graph(5, {{0, 1, 1.0f}, {0, 2, 2.0f}, {0, 3, 3.0f}, {0, 4, 4.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  std::vector<int64_t> counts(4, 0);
  for (const auto& draw : sample_epochs(c, a, 5, true, 8000)) {
    ASSERT_EQ(draw.size(), 5u);
    for (int32_t p : draw) ++counts[p];
  }
  EXPECT_LT(chi_square(counts, {0.1, 0.2, 0.3, 0.4}), chi_square_999(3));
}

// P(the unordered pair {i, j}) under successive sampling of two from weights w.
std::vector<double> pair_probabilities(const std::vector<double>& w,
                                       std::vector<std::pair<int, int>>& pairs) {
  const double W = std::accumulate(w.begin(), w.end(), 0.0);
  std::vector<double> p;
  for (size_t i = 0; i < w.size(); ++i)
    for (size_t j = i + 1; j < w.size(); ++j) {
      pairs.emplace_back(i, j);
      p.push_back(w[i] / W * w[j] / (W - w[i]) + w[j] / W * w[i] / (W - w[j]));
    }
  return p;
}

std::vector<int64_t> pair_counts(const std::vector<std::vector<int32_t>>& draws,
                                 const std::vector<std::pair<int, int>>& pairs) {
  std::vector<int64_t> counts(pairs.size(), 0);
  for (const auto& d : draws) {
    EXPECT_EQ(d.size(), 2u);
    EXPECT_NE(d[0], d[1]) << "without replacement drew a position twice";
    const std::pair<int, int> key(std::min(d[0], d[1]), std::max(d[0], d[1]));
    for (size_t k = 0; k < pairs.size(); ++k)
      if (pairs[k] == key) ++counts[k];
  }
  return counts;
}

TEST(WeightedSampling, WithoutReplacementIsSuccessiveSampling) {
  const Csr c = weighted_graph(5, {{0, 1, 1.0f}, {0, 2, 2.0f}, {0, 3, 3.0f}, {0, 4, 4.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  std::vector<std::pair<int, int>> pairs;
  const std::vector<double> p = pair_probabilities({1, 2, 3, 4}, pairs);
  const std::vector<int64_t> got = pair_counts(sample_epochs(c, a, 2, false, 30000), pairs);
  EXPECT_LT(chi_square(got, p), chi_square_999(5));
  // Inclusion in proportion to the weights alone (a common mistake) is refused.
  std::vector<double> naive;
  for (auto [i, j] : pairs) naive.push_back((i + 1.0) * (j + 1.0));
  const double z = std::accumulate(naive.begin(), naive.end(), 0.0);
  for (double& x : naive) x /= z;
  EXPECT_GT(chi_square(got, naive), 100.0);
}

TEST(WeightedSampling, AHeavyEdgeSendsTheRestToTheExactScan) {
  // One edge with nearly all the weight: rejection keeps drawing it, so the other picks come
  // from the exact scan; they must still be successive sampling (here: the heavy edge first,
  // then two of the five light ones uniformly, except the zero-weight one, never).
  std::vector<std::tuple<NodeId, NodeId, float>> e = {{0, 1, 1e7f}};
  for (NodeId v = 2; v <= 6; ++v) e.emplace_back(0, v, 1.0f);
  e.emplace_back(0, 7, 0.0f);
  const Csr c = weighted_graph(8, e);
  const Array<EdgeAlias> a = build_edge_alias(c);
  std::vector<std::vector<int32_t>> light;
  for (const auto& d : sample_epochs(c, a, 3, false, 20000)) {
    ASSERT_EQ(d.size(), 3u);
    ASSERT_EQ(d[0], 0) << "the heavy edge comes first";
    for (int32_t x : d) ASSERT_NE(x, 6) << "the zero-weight edge was drawn";
    light.push_back({d[1] - 1, d[2] - 1});  // light positions 1..5 as 0..4
  }
  std::vector<std::pair<int, int>> pairs;
  const std::vector<double> p = pair_probabilities({1, 1, 1, 1, 1}, pairs);
  EXPECT_LT(chi_square(pair_counts(light, pairs), p), chi_square_999(9));
}

TEST(WeightedSampling, FewPositiveWeightsAreTakenWhole) {
  // Degree 6 above fanout 4, only 3 positive weights: those 3, never a zero one; degree below
  // the fanout: the positive ones in row order without drawing; all zero: nothing.
  const Csr c = weighted_graph(10, {{0, 1, 0.0f},
                                    {0, 2, 5.0f},
                                    {0, 3, 0.0f},
                                    {0, 4, 1.0f},
                                    {0, 5, 0.0f},
                                    {0, 6, 2.0f},
                                    {8, 9, 0.0f}});
  const Array<EdgeAlias> a = build_edge_alias(c);
  for (const auto& d : sample_epochs(c, a, 4, false, 200)) {
    std::vector<int32_t> s = d;
    std::sort(s.begin(), s.end());
    ASSERT_EQ(s, (std::vector<int32_t>{1, 3, 5}));
  }
  ASSERT_EQ(sample_epochs(c, a, 8, false, 1)[0], (std::vector<int32_t>{1, 3, 5}));
  // Through the reference sampler: seeds 0 and 8 (zero weight only), two hops.
  const CsrView g = weighted_view(c, a);
  const SampleLayout L = make_sample_layout(2, {4, 2}, c.num_rows());
  std::vector<NodeId> nodes(L.max_nodes), seeds{0, 8};
  std::vector<int32_t> hop(3), seed_local(2), cnt(L.total_rows), nbr(L.total_slots);
  ref::sample_neighbors(
      g, Span<const NodeId>{seeds.data(), 2}, L, SampleParams{1, 0, false},
      SampleOutput{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()});
  EXPECT_EQ(cnt[L.row_offset[0] + 0], 3);
  EXPECT_EQ(cnt[L.row_offset[0] + 1], 0);
  for (int32_t k = 0; k < hop[2]; ++k) EXPECT_EQ(nodes[k] % 2, 0) << nodes[k];  // 0, 8, 2, 4, 6
}

// The trainers' graph views: weighted draws exactly where the graph keeps its weights.
TEST(WeightedViews, StoreAndWalkGraphFollowTheGraph) {
  auto be = make_cpu_backend();
  Graph g;
  g.csr = weighted_graph(4, {{0, 1, 1.0f}, {1, 2, 2.0f}, {2, 3, 0.5f}});
  g.ids = IdMap::identity(4);
  g.features.rows = 4;
  g.features.dim = 2;
  g.features.values = Array<float>(std::vector<float>(8, 1.0f));
  std::vector<WalkPlan> plans = plan_walks(g, WalkPlanOptions{});
  {
    size_t bytes = 0;
    GraphStore store(*be, g, GraphStoreOptions{}, 0, bytes);
    EXPECT_NE(store.csr().alias, nullptr);
    EXPECT_NE(store.csr().weights, nullptr);
    WalkGraph walks(*be, g, plans);
    EXPECT_NE(walks.homogeneous().alias, nullptr);
  }
  g.csr.weights = {};  // as --ignore-weights leaves it
  size_t bytes = 0;
  GraphStore store(*be, g, GraphStoreOptions{}, 0, bytes);
  EXPECT_EQ(store.csr().alias, nullptr);
  WalkGraph walks(*be, g, plans);
  EXPECT_EQ(walks.homogeneous().alias, nullptr);
}

}  // namespace
}  // namespace grl
