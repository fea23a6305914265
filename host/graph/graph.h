// Graph storage: CSR topology, node features, labels, splits, external ids, and for
// heterogeneous graphs typed node ranges plus one CSR per relation.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "host/core/array.h"
#include "kernels/common/types.h"
#include "kernels/common/views.h"

namespace grl {

// Compressed sparse rows. Row r's neighbours are indices[offsets[r] .. offsets[r+1]), sorted
// ascending and without duplicates when built by build_csr.
struct Csr {
  Array<EdgeIndex> offsets;  // num_rows + 1 (empty for a graph with no rows)
  Array<NodeId> indices;
  Array<float> weights;  // empty when unweighted, else one per edge

  NodeId num_rows() const { return offsets.empty() ? 0 : static_cast<NodeId>(offsets.size() - 1); }
  EdgeIndex num_edges() const { return static_cast<EdgeIndex>(indices.size()); }
  bool weighted() const { return !weights.empty(); }
  EdgeIndex degree(NodeId r) const { return offsets[r + 1] - offsets[r]; }
  std::span<const NodeId> neighbors(NodeId r) const {
    return {indices.data() + offsets[r], static_cast<size_t>(degree(r))};
  }
  CsrView view() const {
    return CsrView{offsets.data(), indices.data(), weights.empty() ? nullptr : weights.data(),
                   num_rows(), num_edges()};
  }
  // The offsets as 32 bits (WalkSpec::offsets32); only for num_edges() < 2^32.
  std::vector<uint32_t> offsets32() const {
    std::vector<uint32_t> o(offsets.size());
    for (size_t v = 0; v < o.size(); ++v) o[v] = static_cast<uint32_t>(offsets[v]);
    return o;
  }
};

// Dense float32 node features, row-major, rows == number of nodes (or 0: no features).
struct Features {
  int64_t rows = 0;
  int64_t dim = 0;
  Array<float> values;  // rows * dim
  // Word counts or indicators (every value a non-negative integer), as a loader that knows its
  // format says: GraphSAGE then row-normalises them by default (--feature-norm).
  bool bag_of_words = false;
  bool empty() const { return dim == 0; }
  const float* row(int64_t r) const { return values.data() + r * dim; }
  MatrixView<const float> view() const { return {values.data(), rows, dim, dim}; }
};

// Node labels: none, one class per node, or a set of classes per node (multi-label).
struct Labels {
  int32_t num_classes = 0;  // 0: no labels
  bool multi_label = false;
  std::vector<int32_t> single;           // single-label: class per node, -1 = unlabelled
  std::vector<int64_t> multi_offsets;    // multi-label: num_nodes + 1
  std::vector<int32_t> multi_classes;    // multi-label: class ids, sorted per node
  std::vector<std::string> class_names;  // optional, num_classes entries

  bool empty() const { return num_classes == 0; }
  bool has_label(NodeId v) const {
    if (multi_label) return multi_offsets[v + 1] > multi_offsets[v];
    return single[v] >= 0;
  }
  int64_t num_labelled() const;
  int64_t num_assignments() const;  // memberships for multi-label, labelled nodes otherwise
};

// Train / validation / test node sets (node ids, each set sorted ascending).
struct Split {
  std::vector<NodeId> train, valid, test;
  bool empty() const { return train.empty() && valid.empty() && test.empty(); }
};

// How grl reads node ids, in every file format: an id that is an integer literal (optional
// sign, then digits) names the node with that integer value, so "007", "+7" and "7" are one
// node, written back as "7"; any other id is a string, compared exactly. A file whose ids are
// all integers that fit in 64 bits numbers its nodes in ascending order of value (IdMap kInteger);
// otherwise in order of first appearance (kString, integer-looking ids in canonical form).
bool is_integer_literal(std::string_view id);
// The form an id is compared and written in: integer literals without '+' and leading zeros
// ("-0" is "0"), anything else unchanged.
std::string canonical_id(std::string_view id);

// External ids of nodes: identity (0..n-1), integers from a file, or strings.
class IdMap {
 public:
  enum class Kind { kIdentity, kInteger, kString };
  IdMap() = default;
  static IdMap identity(NodeId n);
  static IdMap integers(std::vector<int64_t> ids);
  // The names are stored in canonical form (canonical_id); they must be distinct in it.
  static IdMap strings(std::vector<std::string> ids);

  Kind kind() const { return kind_; }
  NodeId size() const { return size_; }
  std::string name(NodeId v) const;
  // Internal id of an external name (any spelling canonical_id maps to it); nullopt when
  // absent. Builds an index on first use.
  std::optional<NodeId> find(std::string_view name) const;
  // "integer" or "string": which rule named the nodes (see canonical_id), for the run's report.
  const char* rule() const { return kind_ == Kind::kString ? "string" : "integer"; }
  const std::vector<int64_t>& integer_ids() const { return ints_; }
  const std::vector<std::string>& string_ids() const { return strs_; }

 private:
  Kind kind_ = Kind::kIdentity;
  NodeId size_ = 0;
  std::vector<int64_t> ints_;
  std::vector<std::string> strs_;
  mutable std::shared_ptr<std::unordered_map<std::string, NodeId>> index_;
};

// Heterogeneous graphs: node type t owns the global ids [begin, begin + count).
struct NodeType {
  std::string name;
  NodeId begin = 0;
  NodeId count = 0;
};

// One relation (source type, name, destination type). Its CSR has one row per node of the
// source type (row i is global node src.begin + i); indices are global node ids.
struct Relation {
  int32_t src_type = 0;
  std::string name;
  int32_t dst_type = 0;
  Csr csr;
  int32_t reverse_of = -1;  // the relation this one repeats the other way; -1: none
};

// Named counters of what a loader did to its input (duplicates merged, self-loops dropped,
// citations of unknown papers skipped, ...), reported by `grl info`.
struct LoadStats {
  std::vector<std::pair<std::string, int64_t>> counters;
  void add(const std::string& name, int64_t value);
  int64_t get(const std::string& name) const;  // 0 when absent
};

struct Graph {
  std::string source;     // the spec it was loaded from
  bool directed = false;  // undirected graphs store each edge in both directions
  Csr csr;                // all edges between global node ids
  Features features;
  Labels labels;
  Split split;  // the dataset's own split, if any
  IdMap ids;
  std::vector<NodeType> node_types;  // empty for homogeneous graphs
  std::vector<Relation> relations;   // empty for homogeneous graphs
  LoadStats stats;
  // Loaded with weights, dropped for uniform draws (--ignore-weights).
  bool weights_ignored = false;

  NodeId num_nodes() const { return csr.num_rows(); }
  EdgeIndex num_edge_entries() const { return csr.num_edges(); }
  // Edges as the user counts them: CSR entries for directed graphs, pairs for undirected ones.
  EdgeIndex num_edges() const;
  bool heterogeneous() const { return !node_types.empty(); }
  // Type of a node (0 for homogeneous graphs).
  int32_t node_type_of(NodeId v) const;
  int32_t find_node_type(std::string_view name) const;  // -1 when absent
  // Incoming-edge CSR (transpose), built on first use; the CSR itself for undirected graphs.
  const Csr& reverse() const;

 private:
  mutable std::shared_ptr<Csr> reverse_;
};

// g with each feature row divided by its sum (by 1 when the sum is below 1), as PyG's
// NormalizeFeatures does; everything else shared with g.
Graph with_row_normalized_features(const Graph& g);

// Transpose of a CSR with `num_cols` columns: a CSR with num_cols rows.
Csr transpose(const Csr& csr, NodeId num_cols);

// Edge list as parsed, before it becomes a CSR.
struct EdgeList {
  std::vector<NodeId> src, dst;
  std::vector<float> weight;  // empty or one per edge
  size_t size() const { return src.size(); }
};

struct CsrBuildOptions {
  bool symmetrize = true;        // add (v, u) for every (u, v)
  bool drop_self_loops = true;   // remove (v, v), counted
  bool merge_duplicates = true;  // keep one copy of repeated (u, v) (the largest weight), counted
};

struct CsrBuildStats {
  int64_t input_edges = 0;
  int64_t self_loops = 0;  // dropped
  int64_t duplicates = 0;  // merged away (entries, after symmetrisation)
};

// Builds a CSR with `num_rows` rows; columns must lie in [0, num_cols). Rows come out sorted.
// Parallel; deterministic. Consumes the edge list.
Csr build_csr(EdgeList&& edges, NodeId num_rows, NodeId num_cols, const CsrBuildOptions& options,
              CsrBuildStats* stats = nullptr);

// Random split of the labelled nodes by fractions (train, valid, test), keyed by seed.
Split random_split(const Labels& labels, NodeId num_nodes, double train, double valid, double test,
                   uint64_t seed);

// The subgraph induced by `keep` (distinct node ids): nodes renumbered in the order given, edges
// between kept nodes only, features, labels and external ids carried over; no split.
// Homogeneous graphs only.
Graph induced_subgraph(const Graph& g, const std::vector<NodeId>& keep);

// Degree summary for `grl info`.
struct DegreeStats {
  EdgeIndex min = 0, max = 0;
  double mean = 0;
  int64_t isolated = 0;
};
DegreeStats degree_stats(const Csr& csr);

}  // namespace grl
