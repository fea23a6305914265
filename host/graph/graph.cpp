#include "host/graph/graph.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numeric>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "kernels/common/philox.h"

namespace grl {

int64_t Labels::num_labelled() const {
  if (empty()) return 0;
  int64_t n = 0;
  if (multi_label) {
    for (size_t v = 0; v + 1 < multi_offsets.size(); ++v)
      n += multi_offsets[v + 1] > multi_offsets[v];
  } else {
    for (int32_t c : single) n += c >= 0;
  }
  return n;
}

int64_t Labels::num_assignments() const {
  if (empty()) return 0;
  return multi_label ? static_cast<int64_t>(multi_classes.size()) : num_labelled();
}

IdMap IdMap::identity(NodeId n) {
  IdMap m;
  m.kind_ = Kind::kIdentity;
  m.size_ = n;
  return m;
}

IdMap IdMap::integers(std::vector<int64_t> ids) {
  IdMap m;
  m.kind_ = Kind::kInteger;
  m.size_ = static_cast<NodeId>(ids.size());
  m.ints_ = std::move(ids);
  return m;
}

bool is_integer_literal(std::string_view id) {
  size_t i = !id.empty() && (id[0] == '+' || id[0] == '-') ? 1 : 0;
  if (i == id.size()) return false;
  for (; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return false;
  return true;
}

std::string canonical_id(std::string_view id) {
  if (!is_integer_literal(id)) return std::string(id);
  const bool negative = id[0] == '-';
  size_t i = id[0] == '+' || id[0] == '-' ? 1 : 0;
  while (i + 1 < id.size() && id[i] == '0') ++i;
  std::string digits(id.substr(i));
  if (digits == "0" || !negative) return digits;
  return "-" + digits;
}

IdMap IdMap::strings(std::vector<std::string> ids) {
  for (std::string& s : ids)
    if (is_integer_literal(s)) s = canonical_id(s);
  IdMap m;
  m.kind_ = Kind::kString;
  m.size_ = static_cast<NodeId>(ids.size());
  m.strs_ = std::move(ids);
  return m;
}

std::string IdMap::name(NodeId v) const {
  switch (kind_) {
    case Kind::kIdentity:
      return std::to_string(v);
    case Kind::kInteger:
      return std::to_string(ints_[v]);
    case Kind::kString:
      return strs_[v];
  }
  return {};
}

std::optional<NodeId> IdMap::find(std::string_view name) const {
  if (kind_ == Kind::kIdentity) {
    int64_t v = 0;
    const std::string c_name = canonical_id(name);
    if (c_name.empty() || c_name.size() > 10) return std::nullopt;
    for (char c : c_name) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    if (v >= size_) return std::nullopt;
    return static_cast<NodeId>(v);
  }
  if (!index_) {
    auto index = std::make_shared<std::unordered_map<std::string, NodeId>>();
    index->reserve(size_);
    for (NodeId v = 0; v < size_; ++v) index->emplace(this->name(v), v);
    index_ = std::move(index);
  }
  auto it = index_->find(canonical_id(name));
  if (it == index_->end()) return std::nullopt;
  return it->second;
}

void LoadStats::add(const std::string& name, int64_t value) {
  for (auto& [k, v] : counters)
    if (k == name) {
      v += value;
      return;
    }
  counters.emplace_back(name, value);
}

int64_t LoadStats::get(const std::string& name) const {
  for (const auto& [k, v] : counters)
    if (k == name) return v;
  return 0;
}

EdgeIndex Graph::num_edges() const {
  if (directed) return csr.num_edges();
  // Undirected: every non-loop edge is stored twice, a self-loop once.
  EdgeIndex loops = 0;
  for (NodeId v = 0; v < num_nodes(); ++v)
    for (NodeId u : csr.neighbors(v)) loops += (u == v);
  return (csr.num_edges() - loops) / 2 + loops;
}

int32_t Graph::node_type_of(NodeId v) const {
  for (size_t t = 0; t < node_types.size(); ++t)
    if (v >= node_types[t].begin && v < node_types[t].begin + node_types[t].count)
      return static_cast<int32_t>(t);
  return 0;
}

int32_t Graph::find_node_type(std::string_view name) const {
  for (size_t t = 0; t < node_types.size(); ++t)
    if (node_types[t].name == name) return static_cast<int32_t>(t);
  return -1;
}

const Csr& Graph::reverse() const {
  if (!directed) return csr;
  if (!reverse_) reverse_ = std::make_shared<Csr>(transpose(csr, num_nodes()));
  return *reverse_;
}

Csr transpose(const Csr& csr, NodeId num_cols) {
  std::vector<EdgeIndex> offsets(static_cast<size_t>(num_cols) + 1, 0);
  for (NodeId c : csr.indices) ++offsets[c + 1];
  for (NodeId c = 0; c < num_cols; ++c) offsets[c + 1] += offsets[c];
  std::vector<EdgeIndex> cursor(offsets.begin(), offsets.end() - 1);
  std::vector<NodeId> indices(csr.indices.size());
  std::vector<float> weights(csr.weights.size());
  // Rows are visited in order, so every transposed row comes out sorted.
  for (NodeId r = 0; r < csr.num_rows(); ++r)
    for (EdgeIndex e = csr.offsets[r]; e < csr.offsets[r + 1]; ++e) {
      EdgeIndex p = cursor[csr.indices[e]]++;
      indices[p] = r;
      if (!weights.empty()) weights[p] = csr.weights[e];
    }
  Csr t;
  t.offsets = Array<EdgeIndex>(std::move(offsets));
  t.indices = Array<NodeId>(std::move(indices));
  if (!weights.empty()) t.weights = Array<float>(std::move(weights));
  return t;
}

Csr build_csr(EdgeList&& edges, NodeId num_rows, NodeId num_cols, const CsrBuildOptions& opt,
              CsrBuildStats* stats_out) {
  const int64_t m = static_cast<int64_t>(edges.size());
  const bool weighted = !edges.weight.empty();
  if (opt.symmetrize && num_rows != num_cols)
    throw Error("build_csr: cannot symmetrise a non-square edge list");
  for (int64_t i = 0; i < m; ++i) {
    if (edges.src[i] < 0 || edges.src[i] >= num_rows || edges.dst[i] < 0 ||
        edges.dst[i] >= num_cols)
      throw Error("build_csr: edge " + std::to_string(i) + " (" + std::to_string(edges.src[i]) +
                  ", " + std::to_string(edges.dst[i]) + ") out of range");
  }
  CsrBuildStats stats;
  stats.input_edges = m;

  // 1. Degrees (atomic counts; the order of increments does not matter).
  std::vector<EdgeIndex> offsets(static_cast<size_t>(num_rows) + 1, 0);
  std::atomic<int64_t> loops{0};
  parallel_chunks(m, [&](int64_t b, int64_t e, int) {
    int64_t local_loops = 0;
    for (int64_t i = b; i < e; ++i) {
      NodeId s = edges.src[i], d = edges.dst[i];
      if (s == d && opt.drop_self_loops) {
        ++local_loops;
        continue;
      }
      std::atomic_ref<EdgeIndex>(offsets[s + 1]).fetch_add(1, std::memory_order_relaxed);
      if (opt.symmetrize && s != d)
        std::atomic_ref<EdgeIndex>(offsets[d + 1]).fetch_add(1, std::memory_order_relaxed);
    }
    loops += local_loops;
  });
  stats.self_loops = loops.load();
  for (NodeId r = 0; r < num_rows; ++r) offsets[r + 1] += offsets[r];
  const EdgeIndex total = offsets[num_rows];

  // 2. Scatter into rows (order within a row is arbitrary until step 3 sorts it).
  std::vector<EdgeIndex> cursor(offsets.begin(), offsets.end() - 1);
  std::vector<NodeId> indices(total);
  std::vector<float> weights(weighted ? total : 0);
  parallel_chunks(m, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      NodeId s = edges.src[i], d = edges.dst[i];
      if (s == d && opt.drop_self_loops) continue;
      EdgeIndex p = std::atomic_ref<EdgeIndex>(cursor[s]).fetch_add(1, std::memory_order_relaxed);
      indices[p] = d;
      if (weighted) weights[p] = edges.weight[i];
      if (opt.symmetrize && s != d) {
        EdgeIndex q = std::atomic_ref<EdgeIndex>(cursor[d]).fetch_add(1, std::memory_order_relaxed);
        indices[q] = s;
        if (weighted) weights[q] = edges.weight[i];
      }
    }
  });
  edges = EdgeList{};
  cursor = {};

  // 3. Sort each row; with weights sort (column, weight) pairs so the result is deterministic,
  //    and a merged duplicate keeps the largest weight.
  std::vector<EdgeIndex> kept(static_cast<size_t>(num_rows), 0);
  parallel_chunks(
      num_rows,
      [&](int64_t b, int64_t e, int) {
        std::vector<std::pair<NodeId, float>> tmp;
        for (int64_t r = b; r < e; ++r) {
          EdgeIndex lo = offsets[r], hi = offsets[r + 1];
          NodeId* row = indices.data() + lo;
          size_t n = static_cast<size_t>(hi - lo);
          if (!weighted) {
            std::sort(row, row + n);
            kept[r] = opt.merge_duplicates ? std::unique(row, row + n) - row : n;
          } else {
            tmp.resize(n);
            for (size_t k = 0; k < n; ++k) tmp[k] = {row[k], weights[lo + k]};
            std::sort(tmp.begin(), tmp.end(), [](auto& x, auto& y) {
              return x.first != y.first ? x.first < y.first : x.second > y.second;
            });
            size_t out = 0;
            for (size_t k = 0; k < n; ++k) {
              if (opt.merge_duplicates && out > 0 && tmp[k].first == row[out - 1]) continue;
              row[out] = tmp[k].first;
              weights[lo + out] = tmp[k].second;
              ++out;
            }
            kept[r] = out;
          }
        }
      },
      1024);

  // 4. Compact rows left (sequential: destinations never pass their sources).
  EdgeIndex write = 0;
  for (NodeId r = 0; r < num_rows; ++r) {
    EdgeIndex lo = offsets[r];
    if (write != lo) {
      std::memmove(indices.data() + write, indices.data() + lo, kept[r] * sizeof(NodeId));
      if (weighted)
        std::memmove(weights.data() + write, weights.data() + lo, kept[r] * sizeof(float));
    }
    offsets[r] = write;
    write += kept[r];
  }
  offsets[num_rows] = write;
  stats.duplicates = total - write;
  indices.resize(write);
  indices.shrink_to_fit();
  if (weighted) {
    weights.resize(write);
    weights.shrink_to_fit();
  }
  if (stats_out) *stats_out = stats;

  Csr csr;
  csr.offsets = Array<EdgeIndex>(std::move(offsets));
  csr.indices = Array<NodeId>(std::move(indices));
  if (weighted) csr.weights = Array<float>(std::move(weights));
  return csr;
}

Split random_split(const Labels& labels, NodeId num_nodes, double train, double valid, double test,
                   uint64_t seed) {
  if (train < 0 || valid < 0 || test < 0 || train + valid + test > 1.0 + 1e-9 ||
      train + valid + test <= 0)
    throw UsageError("split fractions must be non-negative and sum to at most 1 (got " +
                     std::to_string(train) + ", " + std::to_string(valid) + ", " +
                     std::to_string(test) + ")");
  // Order the labelled nodes by a Philox key per node: independent of thread count and order.
  std::vector<std::pair<uint64_t, NodeId>> keyed;
  for (NodeId v = 0; v < num_nodes; ++v) {
    if (!labels.empty() && !labels.has_label(v)) continue;
    Philox4 r = philox(seed, RandomPurpose::kSplit, static_cast<uint32_t>(v), 0, 0);
    keyed.emplace_back((static_cast<uint64_t>(r.v[0]) << 32) | r.v[1], v);
  }
  std::sort(keyed.begin(), keyed.end());
  const int64_t n = static_cast<int64_t>(keyed.size());
  int64_t n_train = std::llround(train * n), n_valid = std::llround(valid * n);
  int64_t n_test = std::min<int64_t>(std::llround(test * n), n - n_train - n_valid);
  if (train + valid + test > 1.0 - 1e-9) n_test = n - n_train - n_valid;  // fractions sum to 1
  Split s;
  for (int64_t i = 0; i < n; ++i) {
    NodeId v = keyed[i].second;
    if (i < n_train)
      s.train.push_back(v);
    else if (i < n_train + n_valid)
      s.valid.push_back(v);
    else if (i < n_train + n_valid + n_test)
      s.test.push_back(v);
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

Graph induced_subgraph(const Graph& g, const std::vector<NodeId>& keep) {
  if (g.heterogeneous())
    throw UsageError("induced_subgraph: heterogeneous graphs are not supported");
  const NodeId n = static_cast<NodeId>(keep.size());
  std::vector<NodeId> new_id(static_cast<size_t>(g.num_nodes()), -1);
  for (NodeId i = 0; i < n; ++i) {
    if (keep[i] < 0 || keep[i] >= g.num_nodes() || new_id[keep[i]] >= 0)
      throw UsageError("induced_subgraph: node ids must be distinct and in range");
    new_id[keep[i]] = i;
  }
  Graph h;
  h.source = g.source + " (induced subgraph)";
  h.directed = g.directed;
  EdgeList e;
  for (NodeId i = 0; i < n; ++i) {
    const NodeId v = keep[i];
    for (EdgeIndex k = g.csr.offsets[v]; k < g.csr.offsets[v + 1]; ++k) {
      const NodeId u = new_id[g.csr.indices[k]];
      if (u < 0) continue;
      e.src.push_back(i);
      e.dst.push_back(u);
      if (g.csr.weighted()) e.weight.push_back(g.csr.weights[k]);
    }
  }
  CsrBuildOptions o;
  o.symmetrize = false;  // both directions are already present for undirected graphs
  o.drop_self_loops = false;
  h.csr = build_csr(std::move(e), n, n, o);
  if (!g.features.empty()) {
    std::vector<float> f(static_cast<size_t>(n) * g.features.dim);
    for (NodeId i = 0; i < n; ++i)
      std::copy(g.features.row(keep[i]), g.features.row(keep[i]) + g.features.dim,
                f.begin() + int64_t{i} * g.features.dim);
    h.features.rows = n;
    h.features.dim = g.features.dim;
    h.features.values = Array<float>(std::move(f));
  }
  h.labels.num_classes = g.labels.num_classes;
  h.labels.multi_label = g.labels.multi_label;
  h.labels.class_names = g.labels.class_names;
  if (!g.labels.empty()) {
    if (g.labels.multi_label) {
      h.labels.multi_offsets.push_back(0);
      for (NodeId v : keep) {
        for (int64_t k = g.labels.multi_offsets[v]; k < g.labels.multi_offsets[v + 1]; ++k)
          h.labels.multi_classes.push_back(g.labels.multi_classes[k]);
        h.labels.multi_offsets.push_back(static_cast<int64_t>(h.labels.multi_classes.size()));
      }
    } else {
      for (NodeId v : keep) h.labels.single.push_back(g.labels.single[v]);
    }
  }
  std::vector<std::string> names(n);
  for (NodeId i = 0; i < n; ++i) names[i] = g.ids.name(keep[i]);
  h.ids = IdMap::strings(std::move(names));
  return h;
}

DegreeStats degree_stats(const Csr& csr) {
  DegreeStats d;
  NodeId n = csr.num_rows();
  if (n == 0) return d;
  d.min = csr.degree(0);
  for (NodeId v = 0; v < n; ++v) {
    EdgeIndex k = csr.degree(v);
    d.min = std::min(d.min, k);
    d.max = std::max(d.max, k);
    d.isolated += (k == 0);
  }
  d.mean = static_cast<double>(csr.num_edges()) / n;
  return d;
}

Graph with_row_normalized_features(const Graph& g) {
  Graph out = g;
  const int64_t d = g.features.dim;
  std::vector<float> v(g.features.values.begin(), g.features.values.end());
  for (int64_t r = 0; r < g.features.rows; ++r) {
    float* row = v.data() + r * d;
    double sum = 0;
    for (int64_t k = 0; k < d; ++k) sum += row[k];
    const float scale = static_cast<float>(1.0 / std::max(sum, 1.0));
    for (int64_t k = 0; k < d; ++k) row[k] *= scale;
  }
  out.features.values = Array<float>(std::move(v));
  out.features.bag_of_words = false;
  return out;
}

}  // namespace grl
