// BlogCatalog loader (ASU social-network form), multi-label node classification.
//
//   DIR/edges.csv        `a b` or `a,b`: one undirected friendship per line
//   DIR/group-edges.csv  `node group`: one group membership per line
//   DIR/nodes.csv        optional, one node id per line: defines the node set
//   DIR/groups.csv       optional, one group id per line: defines the label set
//
// Ids are integers (1-based in the real data); internal ids follow ascending external ids,
// for nodes and groups alike. Each file may also be gzipped (NAME.gz).
#include <algorithm>
#include <limits>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/io/loaders.h"
#include "host/io/text_reader.h"

namespace grl {
namespace {

// `path` or `path.gz` if either exists, else "".
// Reads a list of integer ids, one per line; rejects duplicates. Returns them sorted.
std::vector<int64_t> read_id_list(const std::string& file, const char* what) {
  LineReader reader(file);
  std::vector<std::pair<int64_t, int64_t>> ids;  // (id, line)
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, fields);
    if (fields.size() != 1)
      reader.fail(std::string("expected 1 field (") + what + "), got " +
                  std::to_string(fields.size()));
    ids.emplace_back(parse_int(fields[0], reader, what), reader.line_number());
  }
  if (ids.empty()) throw InputError(file, 0, std::string("no ") + what + "s found");
  if (ids.size() > static_cast<size_t>(std::numeric_limits<NodeId>::max()))
    throw InputError(file, 0, std::string("too many ") + what + "s");
  std::sort(ids.begin(), ids.end());
  std::vector<int64_t> sorted;
  sorted.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0 && ids[i].first == ids[i - 1].first)
      throw InputError(file, ids[i].second,
                       std::string("duplicate ") + what + " " + std::to_string(ids[i].first) +
                           " (first on line " + std::to_string(ids[i - 1].second) + ")");
    sorted.push_back(ids[i].first);
  }
  return sorted;
}

// The id set a column must come from, when a nodes.csv / groups.csv file defines one.
struct KnownIds {
  const std::vector<int64_t>* ids = nullptr;  // sorted; null: any id
  const char* file = "";
};

// Reads `a b` integer pairs; every value must be in its column's KnownIds.
// `shape` describes a line in errors.
void read_pairs(const std::string& file, const char* shape, const char* a_what, const char* b_what,
                KnownIds known_a, KnownIds known_b, std::vector<int64_t>& a,
                std::vector<int64_t>& b) {
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  auto check = [&](int64_t v, KnownIds known, const char* what) {
    if (known.ids && !std::binary_search(known.ids->begin(), known.ids->end(), v))
      reader.fail(std::string(what) + " " + std::to_string(v) + " not in " + known.file);
  };
  while (reader.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, fields);
    if (fields.size() != 2)
      reader.fail(std::string("expected 2 fields (") + shape + "), got " +
                  std::to_string(fields.size()));
    int64_t u = parse_int(fields[0], reader, a_what);
    int64_t v = parse_int(fields[1], reader, b_what);
    check(u, known_a, a_what);
    check(v, known_b, b_what);
    a.push_back(u);
    b.push_back(v);
  }
}

std::vector<int64_t> sorted_unique(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// Dense id of each raw id (all present in `sorted`).
std::vector<NodeId> to_dense(const std::vector<int64_t>& raw, const std::vector<int64_t>& sorted) {
  std::vector<NodeId> out(raw.size());
  parallel_for(static_cast<int64_t>(raw.size()), [&](int64_t i) {
    out[i] = static_cast<NodeId>(std::lower_bound(sorted.begin(), sorted.end(), raw[i]) -
                                 sorted.begin());
  });
  return out;
}

}  // namespace

Graph load_blogcatalog(const std::string& dir, const LoadOptions& options) {
  const std::string edges_file = resolve_maybe_gz(dir + "/edges.csv");
  const std::string members_file = resolve_maybe_gz(dir + "/group-edges.csv");
  const std::string nodes_file = optional_file(dir + "/nodes.csv");
  const std::string groups_file = optional_file(dir + "/groups.csv");

  std::vector<int64_t> nodes, groups;
  if (!nodes_file.empty()) nodes = read_id_list(nodes_file, "node id");
  if (!groups_file.empty()) groups = read_id_list(groups_file, "group id");

  const KnownIds known_nodes{nodes_file.empty() ? nullptr : &nodes, "nodes.csv"};
  const KnownIds known_groups{groups_file.empty() ? nullptr : &groups, "groups.csv"};
  std::vector<int64_t> src, dst;
  read_pairs(edges_file, "node_a node_b", "node id", "node id", known_nodes, known_nodes, src, dst);
  if (src.empty())
    throw InputError(edges_file, 0, "no edges found (expected lines 'node_a node_b')");
  std::vector<int64_t> member_node, member_group;
  read_pairs(members_file, "node group", "node id", "group id", known_nodes, known_groups,
             member_node, member_group);
  if (member_node.empty())
    throw InputError(members_file, 0, "no group memberships found (expected lines 'node group')");

  if (nodes_file.empty()) {
    std::vector<int64_t> all;
    all.reserve(src.size() + dst.size() + member_node.size());
    all.insert(all.end(), src.begin(), src.end());
    all.insert(all.end(), dst.begin(), dst.end());
    all.insert(all.end(), member_node.begin(), member_node.end());
    nodes = sorted_unique(std::move(all));
    if (nodes.size() > static_cast<size_t>(std::numeric_limits<NodeId>::max()))
      throw InputError(edges_file, 0, "too many distinct node ids");
  }
  if (groups_file.empty()) groups = sorted_unique(member_group);
  const NodeId n = static_cast<NodeId>(nodes.size());

  Graph g;
  g.directed = options.directed.value_or(false);
  const int64_t edge_lines = static_cast<int64_t>(src.size());
  EdgeList edges;
  edges.src = to_dense(src, nodes);
  src = {};
  edges.dst = to_dense(dst, nodes);
  dst = {};
  CsrBuildOptions build;
  build.symmetrize = !g.directed;
  build.drop_self_loops = !options.keep_self_loops;
  CsrBuildStats stats;
  g.csr = build_csr(std::move(edges), n, n, build, &stats);

  // Memberships: (node, class) pairs sorted, duplicates merged.
  const int64_t member_lines = static_cast<int64_t>(member_node.size());
  std::vector<NodeId> mnode = to_dense(member_node, nodes);
  std::vector<NodeId> mclass = to_dense(member_group, groups);
  member_node = {};
  member_group = {};
  std::vector<std::pair<NodeId, int32_t>> pairs(mnode.size());
  for (size_t i = 0; i < pairs.size(); ++i) pairs[i] = {mnode[i], mclass[i]};
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  Labels& labels = g.labels;
  labels.multi_label = true;
  labels.num_classes = static_cast<int32_t>(groups.size());
  labels.multi_offsets.assign(static_cast<size_t>(n) + 1, 0);
  labels.multi_classes.reserve(pairs.size());
  for (const auto& [v, c] : pairs) {
    ++labels.multi_offsets[v + 1];
    labels.multi_classes.push_back(c);
  }
  for (NodeId v = 0; v < n; ++v) labels.multi_offsets[v + 1] += labels.multi_offsets[v];
  for (int64_t id : groups) labels.class_names.push_back(std::to_string(id));

  g.ids = IdMap::integers(std::move(nodes));
  g.stats.add("input_edge_lines", edge_lines);
  g.stats.add("self_loops_dropped", stats.self_loops);
  g.stats.add("duplicate_edges_merged", edge_lines - stats.self_loops - g.num_edges());
  g.stats.add("membership_lines", member_lines);
  g.stats.add("duplicate_memberships_merged", member_lines - static_cast<int64_t>(pairs.size()));
  return g;
}

}  // namespace grl
