// Heterogeneous graph loader: a folder with one file per relation and optional label files.
//
//   DIR/<srctype>-<relation>-<dsttype>.txt   `src dst` per line, type-local ids (any string)
//   DIR/<type>.nodes                         one id per line: nodes no relation names (optional)
//   DIR/<type>.labels                        `id label` per line (optional)
//
// Node types are ordered alphabetically and own contiguous global id ranges; within a type,
// ids are numbered in order of first appearance, scanning relation files in sorted file-name
// order, then node files. A label file only labels: an id no relation or node file names is an
// error (a typo must not add a node). Label strings become class ids in alphabetical order. Each
// relation gets its own CSR (rows: nodes of the source type, columns: global ids); the whole-graph
// CSR is the union of all relations, symmetrised unless the graph is directed. Files may be gzipped
// (NAME.txt.gz, NAME.nodes.gz, NAME.labels.gz).
#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <unordered_map>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/text_reader.h"

namespace grl {
namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Type-local ids of one node type, numbered in order of first appearance.
struct TypeIds {
  std::unordered_map<std::string, NodeId> index;
  std::vector<std::string> names;
  std::string key;

  NodeId intern(std::string_view name, const LineReader& reader) {
    if (name.empty()) reader.fail("empty node id");
    key = canonical_id(name);
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    if (names.size() >= static_cast<size_t>(std::numeric_limits<NodeId>::max()))
      reader.fail("too many nodes");
    NodeId id = static_cast<NodeId>(names.size());
    index.emplace(key, id);
    names.push_back(key);
    return id;
  }
  // The node's local id if a relation file named it; -1 otherwise.
  NodeId find(std::string_view name) {
    key = canonical_id(name);
    auto it = index.find(key);
    return it == index.end() ? -1 : it->second;
  }
};

struct RelationFile {
  std::string path, src_type, name, dst_type;
  std::vector<NodeId> src, dst;  // type-local ids
};

struct LabelFile {
  std::string path, type;
};

struct NodeFile {
  std::string path, type;
};

}  // namespace

Graph load_hetero(const std::string& dir, const LoadOptions& options) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw InputError(dir, 0, "no such folder");
  if (!fs::is_directory(dir, ec))
    throw InputError(dir, 0,
                     "not a directory (expected a folder of <srctype>-<relation>-<dsttype>.txt "
                     "files)");

  // ---- Find the relation and label files, in sorted name order.
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file()) files.push_back(entry.path().filename().string());
  if (ec) throw InputError(dir, 0, "cannot list the folder: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<RelationFile> relations;
  std::vector<LabelFile> label_files;
  std::vector<NodeFile> node_files;
  std::map<std::string, int32_t> type_index;  // sorted by name
  for (const std::string& file : files) {
    std::string_view name = file;
    if (ends_with(name, ".gz")) name.remove_suffix(3);
    const std::string path = dir + "/" + file;
    if (ends_with(name, ".nodes")) {
      name.remove_suffix(6);
      if (name.empty()) throw InputError(path, 0, "expected a file name <type>.nodes");
      node_files.push_back({path, std::string(name)});
      type_index.emplace(std::string(name), 0);
    } else if (ends_with(name, ".labels")) {
      name.remove_suffix(7);
      if (name.empty()) throw InputError(path, 0, "expected a file name <type>.labels");
      label_files.push_back({path, std::string(name)});
      type_index.emplace(std::string(name), 0);
    } else if (ends_with(name, ".txt")) {
      name.remove_suffix(4);
      std::vector<std::string_view> parts;
      split_on(name, '-', parts);
      if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty())
        throw InputError(path, 0,
                         "expected a file name <srctype>-<relation>-<dsttype>.txt (3 non-empty "
                         "parts separated by '-'), got " +
                             quote_field(file));
      RelationFile r;
      r.path = path;
      r.src_type = parts[0];
      r.name = parts[1];
      r.dst_type = parts[2];
      type_index.emplace(r.src_type, 0);
      type_index.emplace(r.dst_type, 0);
      relations.push_back(std::move(r));
    }
  }
  if (relations.empty())
    throw InputError(dir, 0, "no relation files <srctype>-<relation>-<dsttype>.txt found");
  int32_t num_types = 0;
  for (auto& [name, t] : type_index) t = num_types++;
  std::vector<TypeIds> types(num_types);

  // ---- Relation files: type-local ids.
  int64_t edge_lines = 0;
  for (RelationFile& r : relations) {
    TypeIds& src_ids = types[type_index.at(r.src_type)];
    TypeIds& dst_ids = types[type_index.at(r.dst_type)];
    LineReader reader(r.path);
    std::vector<std::string_view> fields;
    std::string_view line;
    while (reader.next(line)) {
      if (is_blank_or_comment(line)) continue;
      split_fields(line, fields);
      if (fields.size() != 2)
        reader.fail("expected 2 fields (" + r.src_type + " " + r.dst_type + "), got " +
                    std::to_string(fields.size()));
      r.src.push_back(src_ids.intern(fields[0], reader));
      r.dst.push_back(dst_ids.intern(fields[1], reader));
    }
    if (r.src.empty()) throw InputError(r.path, 0, "no edges found (expected lines 'src dst')");
    edge_lines += static_cast<int64_t>(r.src.size());
  }

  // ---- Node files: nodes of a type that no relation names (isolated nodes), appended.
  for (const NodeFile& nf : node_files) {
    TypeIds& ids = types[type_index.at(nf.type)];
    LineReader reader(nf.path);
    std::vector<std::string_view> fields;
    std::string_view line;
    while (reader.next(line)) {
      if (is_blank_or_comment(line)) continue;
      split_fields(line, fields);
      if (fields.size() != 1)
        reader.fail("expected one " + nf.type + " id per line, got " +
                    std::to_string(fields.size()) + " fields");
      ids.intern(fields[0], reader);
    }
  }

  // ---- Label files: (type, local id) -> label string.
  struct Assignment {
    int32_t type;
    NodeId node;
    int32_t label;  // index into label_names
  };
  std::vector<Assignment> assignments;
  std::unordered_map<std::string, int32_t> label_index;
  std::vector<std::string> label_names;
  // (type, node) -> (label, file, line) of its first label, to report conflicts.
  struct Seen {
    int32_t label;
    size_t file;
    int64_t line;
  };
  std::unordered_map<int64_t, Seen> seen;
  for (size_t fi = 0; fi < label_files.size(); ++fi) {
    const LabelFile& lf = label_files[fi];
    const int32_t t = type_index.at(lf.type);
    int64_t label_lines = 0;
    LineReader reader(lf.path);
    std::vector<std::string_view> fields;
    std::string_view line;
    std::string key;
    while (reader.next(line)) {
      if (is_blank_or_comment(line)) continue;
      split_fields(line, fields);
      if (fields.size() != 2)
        reader.fail("expected 2 fields (id label), got " + std::to_string(fields.size()));
      if (fields[1].empty()) reader.fail("empty label");
      const NodeId v = types[t].find(fields[0]);
      if (v < 0)
        reader.fail("node " + quote_field(fields[0]) + " is not a " + lf.type +
                    " of any relation file (a label file labels nodes, it does not add them)");
      key.assign(fields[1]);
      auto [lit, fresh] = label_index.emplace(key, static_cast<int32_t>(label_names.size()));
      if (fresh) label_names.push_back(key);
      ++label_lines;
      const int64_t node_key = (int64_t{t} << 32) | v;
      auto [sit, first] = seen.emplace(node_key, Seen{lit->second, fi, reader.line_number()});
      if (!first) {
        const Seen& prev = sit->second;
        if (prev.label != lit->second)
          reader.fail("node " + quote_field(fields[0]) + " already labelled " +
                      quote_field(label_names[prev.label]) + " on " +
                      (prev.file == fi ? std::string("line ") : label_files[prev.file].path + ":") +
                      std::to_string(prev.line));
        continue;  // the same label again: nothing new
      }
      assignments.push_back({t, v, lit->second});
    }
    if (label_lines == 0)
      throw InputError(lf.path, 0, "no labels found (expected lines 'id label')");
  }

  // ---- Global id ranges.
  Graph g;
  g.directed = options.directed.value_or(false);
  int64_t total = 0;
  std::vector<std::string> names;
  for (const auto& [name, t] : type_index) {
    NodeType nt;
    nt.name = name;
    nt.begin = static_cast<NodeId>(total);
    nt.count = static_cast<NodeId>(types[t].names.size());
    total += nt.count;
    if (total > std::numeric_limits<NodeId>::max())
      throw InputError(dir, 0, "too many nodes in total (at most 2^31 - 1)");
    g.node_types.push_back(nt);
  }
  const NodeId n = static_cast<NodeId>(total);
  names.reserve(static_cast<size_t>(n));
  for (TypeIds& t : types) {
    for (std::string& s : t.names) names.push_back(std::move(s));
    t = TypeIds{};
  }
  g.ids = IdMap::strings(std::move(names));

  // ---- Labels: class ids in alphabetical order of the label strings.
  if (!label_names.empty()) {
    std::vector<int32_t> order(label_names.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
    std::sort(order.begin(), order.end(),
              [&](int32_t a, int32_t b) { return label_names[a] < label_names[b]; });
    std::vector<int32_t> rank(order.size());
    for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<int32_t>(r);
    g.labels.num_classes = static_cast<int32_t>(label_names.size());
    g.labels.single.assign(static_cast<size_t>(n), -1);
    for (const Assignment& a : assignments)
      g.labels.single[g.node_types[a.type].begin + a.node] = rank[a.label];
    for (int32_t c : order) g.labels.class_names.push_back(label_names[c]);
  }

  // ---- One CSR per relation (and per reverse relation), and their union.
  CsrBuildOptions rel_build;
  rel_build.symmetrize = false;
  rel_build.drop_self_loops = false;  // dropped here, where local and global ids are known
  int64_t self_loops = 0, duplicates = 0;
  EdgeList all;
  std::vector<Relation> reverse;
  for (RelationFile& r : relations) {
    const int32_t s = type_index.at(r.src_type), d = type_index.at(r.dst_type);
    const NodeId s_begin = g.node_types[s].begin, d_begin = g.node_types[d].begin;
    EdgeList edges;
    edges.src.reserve(r.src.size());
    edges.dst.reserve(r.src.size());
    for (size_t i = 0; i < r.src.size(); ++i) {
      if (s == d && r.src[i] == r.dst[i] && !options.keep_self_loops) {
        ++self_loops;
        continue;
      }
      edges.src.push_back(r.src[i]);
      edges.dst.push_back(d_begin + r.dst[i]);
      all.src.push_back(s_begin + r.src[i]);
      all.dst.push_back(d_begin + r.dst[i]);
    }
    r.src = {};
    r.dst = {};
    EdgeList rev;
    if (options.add_reverse_relations) {
      rev.src.resize(edges.size());
      rev.dst.resize(edges.size());
      for (size_t i = 0; i < edges.size(); ++i) {
        rev.src[i] = edges.dst[i] - d_begin;
        rev.dst[i] = s_begin + edges.src[i];
      }
    }
    CsrBuildStats stats;
    Relation rel;
    rel.src_type = s;
    rel.name = r.name;
    rel.dst_type = d;
    rel.csr = build_csr(std::move(edges), g.node_types[s].count, n, rel_build, &stats);
    duplicates += stats.duplicates;
    g.relations.push_back(std::move(rel));
    if (options.add_reverse_relations) {
      Relation back;
      back.src_type = d;
      back.name = "rev_" + r.name;
      back.dst_type = s;
      back.reverse_of = static_cast<int32_t>(g.relations.size()) - 1;
      back.csr = build_csr(std::move(rev), g.node_types[d].count, n, rel_build);
      reverse.push_back(std::move(back));
    }
  }
  const int64_t num_relation_files = static_cast<int64_t>(g.relations.size());
  for (Relation& r : reverse) g.relations.push_back(std::move(r));

  CsrBuildOptions build;
  build.symmetrize = !g.directed;
  build.drop_self_loops = !options.keep_self_loops;
  g.csr = build_csr(std::move(all), n, n, build);

  g.stats.add("relations", num_relation_files);
  if (options.add_reverse_relations)
    g.stats.add("reverse_relations_added", static_cast<int64_t>(reverse.size()));
  g.stats.add("input_edge_lines", edge_lines);
  g.stats.add("self_loops_dropped", self_loops);
  g.stats.add("duplicate_edges_merged", duplicates);
  return g;
}

}  // namespace grl
