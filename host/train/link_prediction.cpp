// Link prediction: the edge split (spanning forest kept, held-out edges and negatives drawn by
// counter-based randomness) and the node2vec and OGB scorers. See link_prediction.h.
#include "host/train/link_prediction.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <span>
#include <unordered_set>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/io/embedding_io.h"
#include "host/io/text_reader.h"
#include "host/train/embedding_eval.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

uint64_t key64(const Philox4& r) { return (static_cast<uint64_t>(r.v[0]) << 32) | r.v[1]; }

// The random rank of edge (u, v) in one of the split's two orders (0: the spanning forest's
// Kruskal order, 1: the hold-out order). Keyed by the edge itself, never by its position.
uint64_t edge_key(uint64_t seed, NodeId u, NodeId v, uint32_t order) {
  return key64(philox(seed, RandomPurpose::kEdgeSplit, static_cast<uint32_t>(u),
                      static_cast<uint32_t>(v), order));
}

// Union-find with path halving and union by size, for the spanning forest.
struct DisjointSets {
  std::vector<NodeId> parent, size;
  explicit DisjointSets(NodeId n) : parent(n), size(n, 1) {
    std::iota(parent.begin(), parent.end(), NodeId{0});
  }
  NodeId find(NodeId x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  bool unite(NodeId a, NodeId b) {
    a = find(a), b = find(b);
    if (a == b) return false;
    if (size[a] < size[b]) std::swap(a, b);
    parent[b] = a;
    size[a] += size[b];
    return true;
  }
};

bool has_edge(const Csr& csr, NodeId u, NodeId v) {
  std::span<const NodeId> row = csr.neighbors(u);
  return std::binary_search(row.begin(), row.end(), v);
}

}  // namespace

void validate(const EdgeSplitConfig& c) {
  if (!(c.fraction > 0 && c.fraction < 1)) throw ConfigError("{fraction} must be in (0, 1)");
  if (c.negatives_per_positive < 1)
    throw ConfigError("{negatives_per_positive} must be at least 1");
}

EdgeSplit split_edges(const Graph& g, const EdgeSplitConfig& c) {
  validate(c);
  if (g.heterogeneous())
    throw UsageError("link prediction splits homogeneous graphs only; " + g.source +
                     " has node types");
  if (g.directed)
    throw UsageError("link prediction splits undirected graphs only; " + g.source +
                     " was loaded directed");
  const NodeId n = g.num_nodes();
  const Csr& csr = g.csr;
  // Edge lookups below binary-search the rows: build_csr sorts them, but a grl: file is only
  // as good as its writer.
  bool sorted = true;
  for (NodeId v = 0; v < n && sorted; ++v) {
    std::span<const NodeId> row = csr.neighbors(v);
    sorted = std::adjacent_find(row.begin(), row.end(), std::greater_equal<NodeId>()) == row.end();
  }
  if (!sorted) throw Error(g.source + ": neighbour lists are not sorted and unique");

  // The undirected edges, once each as (u, v) with u < v.
  std::vector<std::pair<NodeId, NodeId>> edges;
  for (NodeId u = 0; u < n; ++u)
    for (NodeId v : csr.neighbors(u))
      if (u < v) edges.emplace_back(u, v);
  EdgeSplit out;
  out.edges = static_cast<int64_t>(edges.size());
  const int64_t target = std::llround(c.fraction * static_cast<double>(out.edges));
  if (target < 1)
    throw ConfigError("{fraction} " + std::to_string(c.fraction) + " of " +
                      std::to_string(out.edges) + " edges holds out no edge");

  // The spanning forest: Kruskal over the edges in a random order, so which tree edges are
  // protected is itself random rather than, say, every node's first neighbour.
  std::vector<std::pair<uint64_t, int64_t>> order(edges.size());
  parallel_for(static_cast<int64_t>(edges.size()), [&](int64_t e) {
    order[e] = {edge_key(c.seed, edges[e].first, edges[e].second, 0), e};
  });
  std::sort(order.begin(), order.end());
  std::vector<uint8_t> in_forest(edges.size(), 0);
  DisjointSets sets(n);
  for (const auto& [key, e] : order)
    if (sets.unite(edges[e].first, edges[e].second)) in_forest[e] = 1, ++out.protected_edges;
  const int64_t available = out.edges - out.protected_edges;
  if (target > available)
    throw ConfigError("{fraction} " + std::to_string(c.fraction) + " would hold out " +
                      std::to_string(target) + " of " + std::to_string(out.edges) +
                      " edges, but only " + std::to_string(available) +
                      " can go without disconnecting the graph (a spanning forest keeps " +
                      std::to_string(out.protected_edges) + ")");

  // The held-out edges: the first `target` of the others in a second random order.
  order.clear();
  for (int64_t e = 0; e < out.edges; ++e)
    if (!in_forest[e]) order.emplace_back(edge_key(c.seed, edges[e].first, edges[e].second, 1), e);
  std::sort(order.begin(), order.end());
  out.positives.reserve(target);
  for (int64_t i = 0; i < target; ++i) out.positives.push_back(edges[order[i].second]);
  std::sort(out.positives.begin(), out.positives.end());
  edges = {};
  order = {};

  // Negatives: pairs u != v that are not edges of the original graph, distinct. Negative i
  // draws (u, v) keyed by (i, attempt) until it finds one; serial, so the set of earlier
  // negatives (which a draw must avoid) does not depend on the thread count.
  const int64_t need = target * c.negatives_per_positive;
  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  if (static_cast<double>(need) > pairs - static_cast<double>(out.edges) ||
      need > std::numeric_limits<uint32_t>::max())
    throw ConfigError("{negatives_per_positive} " + std::to_string(c.negatives_per_positive) +
                      " asks for " + std::to_string(need) +
                      " non-edges, more than the graph has (or than 2^32)");
  constexpr uint32_t kMaxAttempts = 1u << 20;
  std::unordered_set<uint64_t> drawn;
  drawn.reserve(static_cast<size_t>(need) * 2);
  out.negatives.reserve(need);
  for (int64_t i = 0; i < need; ++i) {
    uint32_t attempt = 0;
    for (;; ++attempt) {
      if (attempt == kMaxAttempts)
        throw Error("could not sample a non-edge in " + std::to_string(kMaxAttempts) +
                    " draws: the graph is too dense for " + std::to_string(need) + " negatives");
      Philox4 r =
          philox(c.seed, RandomPurpose::kEdgeNegative, static_cast<uint32_t>(i), attempt, 0);
      NodeId u = static_cast<NodeId>(random_below(r.v[0], static_cast<uint32_t>(n)));
      NodeId v = static_cast<NodeId>(random_below(r.v[1], static_cast<uint32_t>(n)));
      if (u == v) continue;
      if (u > v) std::swap(u, v);
      if (has_edge(csr, u, v)) continue;
      if (!drawn.insert(static_cast<uint64_t>(u) * static_cast<uint64_t>(n) + v).second) continue;
      out.negatives.emplace_back(u, v);
      break;
    }
  }
  std::sort(out.negatives.begin(), out.negatives.end());

  // The residual graph: every CSR entry but the held-out edges' two directions.
  auto held_out = [&](NodeId u, NodeId v) {
    if (u > v) std::swap(u, v);
    return u != v && std::binary_search(out.positives.begin(), out.positives.end(),
                                        std::pair<NodeId, NodeId>{u, v});
  };
  std::vector<EdgeIndex> offsets(static_cast<size_t>(n) + 1, 0);
  parallel_for(n, [&](int64_t v) {
    EdgeIndex k = 0;
    for (NodeId u : csr.neighbors(static_cast<NodeId>(v)))
      k += !held_out(static_cast<NodeId>(v), u);
    offsets[v + 1] = k;
  });
  for (NodeId v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  std::vector<NodeId> indices(offsets[n]);
  std::vector<float> weights(csr.weighted() ? offsets[n] : 0);
  parallel_for(n, [&](int64_t v) {
    EdgeIndex w = offsets[v];
    for (EdgeIndex k = csr.offsets[v]; k < csr.offsets[v + 1]; ++k) {
      if (held_out(static_cast<NodeId>(v), csr.indices[k])) continue;
      if (csr.weighted()) weights[w] = csr.weights[k];
      indices[w++] = csr.indices[k];
    }
  });

  Graph& r = out.residual;
  r.source = g.source + " minus " + std::to_string(target) + " held-out edges";
  r.directed = false;
  r.csr.offsets = Array<EdgeIndex>(std::move(offsets));
  r.csr.indices = Array<NodeId>(std::move(indices));
  if (csr.weighted()) r.csr.weights = Array<float>(std::move(weights));
  r.features = g.features;
  r.labels = g.labels;
  r.split = g.split;
  r.ids = g.ids;
  r.stats = g.stats;
  r.stats.add("held_out_edges", target);
  return out;
}

void write_link_pairs(const std::string& path, const Graph& g, const EdgeSplit& s) {
  std::string text;
  text.reserve((s.positives.size() + s.negatives.size()) * 16);
  auto add = [&](const std::vector<std::pair<NodeId, NodeId>>& pairs, const char* label) {
    for (const auto& [u, v] : pairs) {
      text += g.ids.name(u);
      text += '\t';
      text += g.ids.name(v);
      text += '\t';
      text += label;
      text += '\n';
    }
  };
  add(s.positives, "1");
  add(s.negatives, "0");
  write_file_atomic(path, text);
}

LinkPairs read_link_pairs(const std::string& path,
                          const std::unordered_map<std::string, int64_t>& row_of,
                          const std::string& embeddings) {
  LinkPairs out;
  LineReader r(path);
  std::string_view line;
  std::vector<std::string_view> f;
  while (r.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, f);
    if (f.size() != 3)
      r.fail("expected 'src dst label', got " + std::to_string(f.size()) + " fields");
    int64_t rows[2];
    for (int k = 0; k < 2; ++k) {
      auto it = row_of.find(canonical_id(f[k]));
      if (it == row_of.end())
        r.fail("node " + quote_field(f[k]) + " has no embedding in " + embeddings);
      rows[k] = it->second;
    }
    if (f[2] != "0" && f[2] != "1") r.fail("label " + quote_field(f[2]) + " is not 0 or 1");
    out.a.push_back(rows[0]);
    out.b.push_back(rows[1]);
    out.label.push_back(f[2] == "1" ? 1 : 0);
  }
  return out;
}

const char* edge_operator_name(EdgeOperator op) {
  switch (op) {
    case EdgeOperator::kHadamard:
      return "hadamard";
    case EdgeOperator::kAverage:
      return "average";
    case EdgeOperator::kL1:
      return "l1";
    case EdgeOperator::kL2:
      return "l2";
  }
  return "?";
}

void edge_features(EdgeOperator op, const float* a, const float* b, int64_t dim, float* out) {
  for (int64_t k = 0; k < dim; ++k) {
    switch (op) {
      case EdgeOperator::kHadamard:
        out[k] = a[k] * b[k];
        break;
      case EdgeOperator::kAverage:
        out[k] = 0.5f * (a[k] + b[k]);
        break;
      case EdgeOperator::kL1:
        out[k] = std::fabs(a[k] - b[k]);
        break;
      case EdgeOperator::kL2:
        out[k] = (a[k] - b[k]) * (a[k] - b[k]);
        break;
    }
  }
}

double roc_auc(const std::vector<double>& scores, const std::vector<int8_t>& labels) {
  const size_t n = scores.size();
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the positives' ranks (1-based, ties sharing their mean rank).
  double rank_sum = 0;
  int64_t pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[idx[j]] == scores[idx[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + 1 + j);
    for (size_t k = i; k < j; ++k)
      if (labels[idx[k]]) rank_sum += mean_rank, ++pos;
    i = j;
  }
  const int64_t neg = static_cast<int64_t>(n) - pos;
  if (pos == 0 || neg == 0)
    throw UsageError("ROC-AUC needs at least one positive and one negative");
  const double p = static_cast<double>(pos);
  return (rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(neg));
}

RankingMetrics ranking_metrics(const std::vector<double>& pos, const std::vector<double>& neg,
                               const std::vector<int64_t>& hits_at) {
  if (pos.empty()) throw UsageError("ranking metrics need at least one positive");
  RankingMetrics m;
  std::vector<double> sorted(neg);
  std::sort(sorted.begin(), sorted.end(), std::greater<double>());
  for (int64_t k : hits_at) {
    double hits = 1.0;  // OGB: fewer than K negatives count every positive as a hit
    if (static_cast<int64_t>(sorted.size()) >= k) {
      const double kth = sorted[k - 1];
      int64_t above = 0;
      for (double s : pos) above += s > kth;
      hits = static_cast<double>(above) / static_cast<double>(pos.size());
    }
    m.hits.emplace_back(k, hits);
  }
  double rr = 0;
  for (double s : pos) {
    // sorted is descending: [begin, lower) scores > s, [lower, upper) scores == s.
    auto lower = std::lower_bound(sorted.begin(), sorted.end(), s, std::greater<double>());
    auto upper = std::upper_bound(sorted.begin(), sorted.end(), s, std::greater<double>());
    const double higher = static_cast<double>(lower - sorted.begin());
    const double ties = static_cast<double>(upper - lower);
    rr += 1.0 / (1.0 + higher + 0.5 * ties);
  }
  m.mrr = rr / static_cast<double>(pos.size());
  return m;
}

void validate(const LinkEvalConfig& c) {
  if (c.repeats < 1) throw ConfigError("{repeats} must be at least 1");
  if (c.hits_at.empty()) throw ConfigError("{hits} is empty");
  for (int64_t k : c.hits_at)
    if (k < 1) throw ConfigError("{hits} must list positive integers");
}

LinkEvalResult evaluate_link_prediction(const std::vector<float>& x, int64_t dim,
                                        const LinkPairs& pairs, const LinkEvalConfig& c) {
  validate(c);
  LinkEvalResult res;
  std::vector<int64_t> pos, neg;  // pair indices by label
  for (int64_t i = 0; i < pairs.size(); ++i) (pairs.label[i] ? pos : neg).push_back(i);
  res.positives = static_cast<int64_t>(pos.size());
  res.negatives = static_cast<int64_t>(neg.size());
  if (res.positives < 2 || res.negatives < 2)
    throw UsageError("link prediction needs at least two positive and two negative pairs; got " +
                     std::to_string(res.positives) + " and " + std::to_string(res.negatives));
  auto row = [&](int64_t r) { return x.data() + r * dim; };
  // A NaN would make every ranking below meaningless (and the sorts undefined).
  for (int64_t i = 0; i < pairs.size(); ++i)
    for (int64_t r : {pairs.a[i], pairs.b[i]})
      for (int64_t k = 0; k < dim; ++k)
        if (!std::isfinite(row(r)[k]))
          throw Error("embedding row " + std::to_string(r) + " is not finite");

  // OGB: dot products, no training.
  std::vector<double> dots(pairs.size()), pos_dots, neg_dots;
  for (int64_t i = 0; i < pairs.size(); ++i) {
    double s = 0;
    const float *a = row(pairs.a[i]), *b = row(pairs.b[i]);
    for (int64_t k = 0; k < dim; ++k) s += static_cast<double>(a[k]) * b[k];
    dots[i] = s;
    (pairs.label[i] ? pos_dots : neg_dots).push_back(s);
  }
  res.dot_auc = roc_auc(dots, pairs.label);
  res.ranking = ranking_metrics(pos_dots, neg_dots, c.hits_at);

  // node2vec: per operator and repeat, a regression on a stratified random half. Half of each
  // label (rounded down) trains, the rest is scored; the halves are keyed by (pair, repeat).
  const int64_t train_pos = res.positives / 2, train_neg = res.negatives / 2;
  res.train_pairs = train_pos + train_neg;
  res.test_pairs = pairs.size() - res.train_pairs;
  std::vector<std::vector<int64_t>> train(c.repeats), test(c.repeats);
  for (int rep = 0; rep < c.repeats; ++rep) {
    for (int label = 0; label < 2; ++label) {
      const std::vector<int64_t>& ids = label ? pos : neg;
      std::vector<std::pair<uint64_t, int64_t>> keyed(ids.size());
      for (size_t j = 0; j < ids.size(); ++j)
        keyed[j] = {
            key64(philox(c.seed, RandomPurpose::kLinkEvalSplit, static_cast<uint32_t>(ids[j]),
                         static_cast<uint32_t>(rep), static_cast<uint32_t>(ids[j] >> 32))),
            ids[j]};
      std::sort(keyed.begin(), keyed.end());
      const size_t cut = static_cast<size_t>(label ? train_pos : train_neg);
      for (size_t j = 0; j < keyed.size(); ++j)
        (j < cut ? train[rep] : test[rep]).push_back(keyed[j].second);
    }
  }
  constexpr int kOps = static_cast<int>(std::size(kEdgeOperators));
  std::vector<double> aucs(static_cast<size_t>(kOps) * c.repeats);
  parallel_for(
      static_cast<int64_t>(aucs.size()),
      [&](int64_t task) {
        const EdgeOperator op = kEdgeOperators[task / c.repeats];
        const int rep = static_cast<int>(task % c.repeats);
        const std::vector<int64_t>& tr = train[rep];
        std::vector<float> f(tr.size() * dim);
        std::vector<int8_t> y(tr.size());
        for (size_t j = 0; j < tr.size(); ++j) {
          edge_features(op, row(pairs.a[tr[j]]), row(pairs.b[tr[j]]), dim, f.data() + j * dim);
          y[j] = pairs.label[tr[j]] ? 1 : -1;
        }
        const std::vector<double> w = train_logistic_regression(
            f.data(), y.data(), static_cast<int64_t>(tr.size()), dim, c.C);
        const std::vector<int64_t>& te = test[rep];
        std::vector<double> scores(te.size());
        std::vector<int8_t> labels(te.size());
        std::vector<float> fe(dim);
        for (size_t j = 0; j < te.size(); ++j) {
          edge_features(op, row(pairs.a[te[j]]), row(pairs.b[te[j]]), dim, fe.data());
          double z = w[dim];
          for (int64_t k = 0; k < dim; ++k) z += w[k] * fe[k];
          scores[j] = z;
          labels[j] = pairs.label[te[j]];
        }
        aucs[task] = roc_auc(scores, labels);
      },
      1);
  for (int o = 0; o < kOps; ++o) {
    OperatorAuc a{kEdgeOperators[o]};
    const double* v = aucs.data() + static_cast<size_t>(o) * c.repeats;
    a.mean = std::accumulate(v, v + c.repeats, 0.0) / c.repeats;
    double ss = 0;
    for (int r = 0; r < c.repeats; ++r) ss += (v[r] - a.mean) * (v[r] - a.mean);
    a.std = c.repeats > 1 ? std::sqrt(ss / (c.repeats - 1)) : 0.0;
    res.auc.push_back(a);
  }
  return res;
}

}  // namespace grl
